package assessment

import (
	"archive/zip"
	"bytes"
	"fmt"
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
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg", true
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return officeType(data)
	case isText(data) && !disguised(fileName, data):
		if strings.EqualFold(path.Ext(fileName), ".csv") {
			return "text/csv; charset=utf-8", true
		}
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

// officeType accepts a zip only when it is an xlsx or docx package.
func officeType(data []byte) (string, bool) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
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

func isText(data []byte) bool {
	if len(data) == 0 || !utf8.Valid(data) {
		return false
	}
	for _, b := range data {
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f {
			return false
		}
	}
	return true
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
