package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

// Record is one row of a file with its row number (the first row is 1, as a spreadsheet counts).
type Record struct {
	Line  int
	Cells []string
}

// Table is a file read whole: its first row (the header) and the rows after it that hold anything.
type Table struct {
	Format Format
	// Charset is how a CSV's bytes were decoded: "utf-8" or "shift_jis" ("" for XLSX).
	Charset string
	Header  []string
	Rows    []Record
}

// ErrUnreadable marks a file that is not a readable CSV or XLSX (the message says why).
var ErrUnreadable = errors.New("unreadable spreadsheet")

// Charsets a CSV may be declared in; "" detects: valid UTF-8 is UTF-8, anything else Shift_JIS (the
// code page Japanese Excel writes CSV in).
var charsetNames = map[string]string{
	"": "", "utf-8": "utf-8", "utf8": "utf-8",
	"shift_jis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "cp932": "shift_jis", "windows-31j": "shift_jis",
}

// ParseCharset reads a ?charset= value.
func ParseCharset(s string) (string, error) {
	cs, ok := charsetNames[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return "", fmt.Errorf("unknown charset %q: use utf-8 or shift_jis", s)
	}
	return cs, nil
}

// xlsxMagic starts every XLSX file (a ZIP archive).
var xlsxMagic = []byte("PK\x03\x04")

// Read reads a whole CSV or XLSX file; the format is told by the content, not by a name. charset is
// a CSV's character set from ParseCharset ("" detects it). XLSX is read from its first sheet.
func Read(r io.Reader, charset string) (Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Table{}, fmt.Errorf("read file: %w", err)
	}
	if bytes.HasPrefix(data, xlsxMagic) {
		return readXLSX(data)
	}
	return readCSV(data, charset)
}

func readCSV(data []byte, charset string) (Table, error) {
	if charset == "" {
		charset = "shift_jis"
		if utf8.Valid(data) {
			charset = "utf-8"
		}
	}
	if charset == "shift_jis" {
		decoded, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil {
			return Table{}, fmt.Errorf("%w: the file is neither UTF-8 nor Shift_JIS", ErrUnreadable)
		}
		data = decoded
	} else if !utf8.Valid(data) {
		return Table{}, fmt.Errorf("%w: the file is not valid UTF-8", ErrUnreadable)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // short rows are rows with empty trailing cells
	var records [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Table{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		for i, c := range rec {
			rec[i] = undefuse(c)
		}
		records = append(records, rec)
	}
	t := table(records)
	t.Format, t.Charset = CSV, charset
	return t, nil
}

// undefuse reverses what the CSV writer does to text that starts like a formula (a leading apostrophe),
// so that an exported file imports with the values it was written from.
func undefuse(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func readXLSX(data []byte) (Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return Table{}, fmt.Errorf("%w: not a readable XLSX file", ErrUnreadable)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, fmt.Errorf("%w: the workbook has no sheet", ErrUnreadable)
	}
	records, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return Table{}, fmt.Errorf("%w: sheet %q: %v", ErrUnreadable, sheets[0], err)
	}
	t := table(records)
	t.Format = XLSX
	return t, nil
}

// table splits records into the header and the rows that hold anything, numbered as in the file.
func table(records [][]string) Table {
	var t Table
	for i, rec := range records {
		if blank(rec) {
			continue
		}
		if t.Header == nil {
			t.Header = rec
			continue
		}
		t.Rows = append(t.Rows, Record{Line: i + 1, Cells: rec})
	}
	return t
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
