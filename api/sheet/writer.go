// Package sheet writes and reads the spreadsheets vendorrisk exchanges with people: CSV (UTF-8) and XLSX.
// Exports stream: a row is written as soon as it is produced, so 100,000 rows never sit in memory.
package sheet

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Format is a spreadsheet file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat reads a ?format= value; empty means CSV.
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(s)) {
	case "", CSV:
		return CSV, nil
	case XLSX:
		return XLSX, nil
	}
	return "", fmt.Errorf("unknown format %q: use csv or xlsx", s)
}

// ContentType is the media type of a file in this format.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Writer writes rows of text cells, one sheet at a time.
type Writer interface {
	// WriteRow appends one row to the current sheet.
	WriteRow(cells []string) error
	// Close flushes what is buffered and, for XLSX, writes the workbook to the destination.
	Close() error
}

// NewWriter starts a file in format f on w. sheetName names the XLSX sheet (CSV has none).
func NewWriter(w io.Writer, f Format, sheetName string) (Writer, error) {
	if f == XLSX {
		return newXLSXWriter(w, sheetName)
	}
	return newCSVWriter(w)
}

// csvWriter writes UTF-8 with a byte-order mark, which Excel needs to read Japanese text in a CSV.
type csvWriter struct {
	w *csv.Writer
}

func newCSVWriter(w io.Writer) (*csvWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, fmt.Errorf("write csv byte-order mark: %w", err)
	}
	return &csvWriter{w: csv.NewWriter(w)}, nil
}

func (c *csvWriter) WriteRow(cells []string) error {
	safe := make([]string, len(cells))
	for i, s := range cells {
		safe[i] = defuse(s)
	}
	if err := c.w.Write(safe); err != nil {
		return fmt.Errorf("write csv row: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("flush csv: %w", err)
	}
	return nil
}

// defuse keeps a spreadsheet from running a cell as a formula (CSV injection, CWE-1236): text a
// supplier typed that starts like a formula is written with a leading apostrophe, which Excel and
// LibreOffice show as text. XLSX cells are typed as strings and need no such care.
func defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// xlsxWriter uses excelize's stream writer, which spills rows to a temporary file instead of memory.
type xlsxWriter struct {
	dst    io.Writer
	file   *excelize.File
	stream *excelize.StreamWriter
	row    int
}

func newXLSXWriter(w io.Writer, sheetName string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	if sheetName == "" {
		sheetName = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("name sheet %q: %w", sheetName, err)
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start xlsx stream: %w", err)
	}
	return &xlsxWriter{dst: w, file: f, stream: sw}, nil
}

func (x *xlsxWriter) WriteRow(cells []string) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("xlsx row %d: %w", x.row, err)
	}
	values := make([]any, len(cells))
	for i, s := range cells {
		values[i] = s
	}
	if err := x.stream.SetRow(cell, values); err != nil {
		return fmt.Errorf("write xlsx row %d: %w", x.row, err)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	defer x.file.Close()
	if err := x.stream.Flush(); err != nil {
		return fmt.Errorf("flush xlsx stream: %w", err)
	}
	if err := x.file.Write(x.dst); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}
