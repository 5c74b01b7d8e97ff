package sheet

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

func write(t *testing.T, f Format, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, "s")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRead(t *testing.T) {
	rows := [][]string{{"名称", "法人番号"}, {"テスト商事", "7000012050002"}, {"", ""}, {"=SUM(A1)", "x"}}
	plainCSV := []byte("名称,法人番号\nテスト商事,7000012050002\n,\n=SUM(A1),x\n")
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(plainCSV)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, charset string
		data          []byte
		format        Format
		wantCharset   string
	}{
		{"utf-8 with byte-order mark (the writer's)", "", write(t, CSV, rows), CSV, "utf-8"},
		{"utf-8 without byte-order mark", "", plainCSV, CSV, "utf-8"},
		{"shift_jis detected", "", sjis, CSV, "shift_jis"},
		{"shift_jis declared", "shift_jis", sjis, CSV, "shift_jis"},
		{"xlsx", "", write(t, XLSX, rows), XLSX, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(bytes.NewReader(tt.data), tt.charset)
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tt.format || got.Charset != tt.wantCharset {
				t.Errorf("format %s charset %q, want %s %q", got.Format, got.Charset, tt.format, tt.wantCharset)
			}
			if !slices.Equal(got.Header, rows[0]) {
				t.Errorf("header %q", got.Header)
			}
			// The blank row is skipped; rows keep their numbers in the file; a defused formula reads back.
			if len(got.Rows) != 2 || got.Rows[0].Line != 2 || got.Rows[1].Line != 4 ||
				!slices.Equal(got.Rows[0].Cells, rows[1]) || got.Rows[1].Cells[0] != "=SUM(A1)" {
				t.Errorf("rows %+v", got.Rows)
			}
		})
	}
}

func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name, charset string
		data          []byte
	}{
		{"declared utf-8 but is not", "utf-8", []byte{0x96, 0xbc, 0x8f, 0xcc, '\n'}},
		{"broken quotes", "", []byte("a,\"b\nc")},
		{"zip that is no workbook", "", []byte("PK\x03\x04garbage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Read(bytes.NewReader(tt.data), tt.charset); !errors.Is(err, ErrUnreadable) {
				t.Errorf("err = %v, want ErrUnreadable", err)
			}
		})
	}
	if _, err := ParseCharset("latin1"); err == nil {
		t.Error("latin1 accepted")
	}
	if cs, err := ParseCharset("CP932"); err != nil || cs != "shift_jis" {
		t.Errorf("CP932: %q %v", cs, err)
	}
}

// TestReadXLSXNumbers: Excel stores a corporate number typed into a cell as a number, and may show it
// as 7.00001E+12; the reader takes the stored value, all 13 digits.
func TestReadXLSXNumbers(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for cell, v := range map[string]any{"A1": "法人番号", "B1": "rto_hours", "A2": int64(7000012050002), "B2": 24} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 11}) // 0.00E+00
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Sheet1", "A2", "A2", style); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 1 || !slices.Equal(got.Rows[0].Cells, []string{"7000012050002", "24"}) {
		t.Errorf("rows %+v", got.Rows)
	}
}
