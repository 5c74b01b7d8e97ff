package assessment

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// zipOf builds a zip archive holding the named members.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><x/>`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	ctPDF  = "application/pdf"
	ctPNG  = "image/png"
	ctJPEG = "image/jpeg"
	ctText = "text/plain; charset=utf-8"
	ctCSV  = "text/csv; charset=utf-8"
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ctDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

func TestSniff(t *testing.T) {
	xlsx := zipOf(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
	docx := zipOf(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 48)...)
	elf := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00")
	tests := []struct {
		name string
		file string
		data []byte
		want string // "" refused
	}{
		{"pdf", "report.pdf", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), ctPDF},
		{"pdf whatever the name", "report.txt", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), ctPDF},
		{"png", "diagram.png", png, ctPNG},
		{"jpeg", "photo.jpg", jpeg, ctJPEG},
		{"txt", "policy.txt", []byte("Our NDA policy\r\n\tapplies to all staff.\n"), ctText},
		{"utf-8 text", "方針.txt", []byte("秘密保持契約は全員と締結しています。\n"), ctText},
		{"csv by name", "staff.csv", []byte("name,role\nHanako,admin\n"), ctCSV},
		{"csv by name, any case", "STAFF.CSV", []byte("a,b\n1,2\n"), ctCSV},
		{"csv content with another name is text", "staff.dat", []byte("a,b\n1,2\n"), ctText},
		{"xlsx", "controls.xlsx", xlsx, ctXLSX},
		{"docx", "policy.docx", docx, ctDOCX},
		{"xlsx named pdf is still xlsx", "controls.pdf", xlsx, ctXLSX},
		{"plain zip", "archive.zip", zipOf(t, "readme.txt", "evil.exe"), ""},
		{"zip named docx without the document", "policy.docx", zipOf(t, "[Content_Types].xml", "word/styles.xml"), ""},
		{"zip with a workbook but no content types", "book.xlsx", zipOf(t, "xl/workbook.xml"), ""},
		{"truncated zip", "book.xlsx", xlsx[:len(xlsx)/2], ""},
		{"windows executable renamed .pdf", "report.pdf", pe, ""},
		{"ELF renamed .pdf", "report.pdf", elf, ""},
		{"empty", "empty.txt", nil, ""},
		{"empty slice", "empty.txt", []byte{}, ""},
		{"binary with NUL", "data.txt", []byte("abc\x00def"), ""},
		{"control character", "data.txt", []byte("abc\x1bdef"), ""},
		{"invalid UTF-8", "latin1.txt", []byte("caf\xe9 cr\xe8me"), ""},
		// DEL (0x7f) is a control character too; it is also the first byte of the ELF magic.
		{"DEL control character", "data.txt", []byte("abc\x7fdef"), ""},
		{"ELF magic without NUL bytes", "report.pdf", []byte("\x7fELF\x02\x01\x01 payload"), ""},
		{"gif is not allowed", "a.gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Sniff(tc.file, tc.data)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tc.file, got, ok, tc.want, tc.want != "")
			}
		})
	}
}

func TestFileNameProblem(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"report.pdf", true}, {"a..b.pdf", true}, {"証明書 2025.pdf", true}, {"...", true},
		{"", false}, {".", false}, {"..", false}, {"../x", false}, {`..\x`, false}, {"a/b", false}, {`a\b`, false},
		{"a\x00b", false}, {"a\tb", false}, {"a\x7fb", false}, {"a\u0085b", false}, {"a\u202eb", false}, {"a\u2068b", false},
		{"\xff.pdf", false}, {strings.Repeat("x", 256), false}, {strings.Repeat("x", 255), true},
	} {
		if got := FileNameProblem(tt.name); (got == "") != tt.ok {
			t.Errorf("FileNameProblem(%q) = %q, want ok %v", tt.name, got, tt.ok)
		}
	}
}
