package assessment

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Evidence is a file the supplier uploaded for one or more questions.
type Evidence struct {
	ID           string
	AssessmentID string
	VendorID     string
	FileName     string
	ContentType  string
	Size         int64
	SHA256       string
	QuestionKeys []string
	UploadedBy   string
	CreatedAt    time.Time
}

// FileNameProblem says what is wrong with an evidence file name as the supplier gave it ("" when it is
// fine). The name is only ever display text (files are stored by content hash), but it is shown to
// reviewers and sent back in Content-Disposition, so it must not pose as a path (.., separators) or
// hide what it is (control characters, bidirectional overrides such as "invoice\u202Efdp.exe").
func FileNameProblem(name string) string {
	switch {
	case name == "":
		return "needs a file name"
	case !utf8.ValidString(name):
		return "the file name must be valid UTF-8"
	case utf8.RuneCountInString(name) > 255:
		return "the file name must be at most 255 characters"
	case name == "." || name == ".." || strings.Contains(name, "../") || strings.Contains(name, `..\`):
		return "the file name must not be or contain a relative path (..)"
	case strings.ContainsAny(name, "/\\"):
		return "the file name must not contain a path separator (/ or \\)"
	}
	for _, r := range name {
		switch {
		case unicode.IsControl(r):
			return fmt.Sprintf("the file name must not contain control characters (U+%04X)", r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("the file name must not contain bidirectional override characters (U+%04X)", r)
		}
	}
	return ""
}

// Sniff decides the content type from the bytes, never from the file name: PDF, PNG, JPEG, plain
// text or CSV (UTF-8 without control characters), and Office Open XML spreadsheets and documents.
// Anything else (executables, archives, scripts disguised as PDFs) is refused with ok false.
func Sniff(fileName string, data []byte) (contentType string, ok bool) {
	return SniffAt(fileName, bytes.NewReader(data), int64(len(data)))
}

// SniffAt is Sniff over size bytes read from r (an uploaded file on disk): it reads the head, the
// zip directory of an Office file, or streams through text, and never holds the whole file.
func SniffAt(fileName string, r io.ReaderAt, size int64) (contentType string, ok bool) {
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", false
	}
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "image/jpeg", true
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return officeType(r, size)
	case isText(r, size) && !disguised(fileName, head):
		if strings.EqualFold(path.Ext(fileName), ".csv") {
			return "text/csv; charset=utf-8", true
		}
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

// officeType accepts a zip only when it is an xlsx or docx package.
func officeType(r io.ReaderAt, size int64) (string, bool) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", false
	}
	var types, xlsx, docx bool
	for _, f := range zr.File {
		switch f.Name {
		case "[Content_Types].xml":
			types = true
		case "xl/workbook.xml":
			xlsx = true
		case "word/document.xml":
			docx = true
		}
	}
	switch {
	case types && xlsx:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true
	case types && docx:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true
	}
	return "", false
}

// isText: valid UTF-8 without control characters other than tab and line ends, read as a stream.
func isText(r io.ReaderAt, size int64) bool {
	if size == 0 {
		return false
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)
	for {
		c, n, err := br.ReadRune()
		if err == io.EOF {
			return true
		}
		if err != nil || (c == utf8.RuneError && n == 1) {
			return false
		}
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
}

// disguised refuses text that a browser or a shell would run rather than read: markup and scripts.
// The name does not matter (text named .pdf is served as the text it is).
func disguised(_ string, data []byte) bool {
	head := strings.ToLower(strings.TrimSpace(string(data[:min(len(data), 512)])))
	for _, marker := range []string{"<!doctype html", "<html", "<script", "<svg", "<?php", "#!"} {
		if strings.HasPrefix(head, marker) {
			return true
		}
	}
	return false
}
