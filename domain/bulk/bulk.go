// Package bulk holds what every import shares: the rows read from a file, the per-row outcome, the
// report and the two modes. The rules of each import (matching, validation) live with their aggregate
// (register.Service.Import, engagement.Service.Import); reading files lives in api/sheet.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Mode says what an import does with a file that has errors.
type Mode string

const (
	// AllOrNothing writes nothing when any row has an error (the default).
	AllOrNothing Mode = "all_or_nothing"
	// ValidRows writes the rows without errors and reports the others.
	ValidRows Mode = "valid_rows"
)

// ParseMode reads a mode; "" is AllOrNothing.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", AllOrNothing:
		return AllOrNothing, nil
	case ValidRows:
		return ValidRows, nil
	}
	return "", domain.Invalid("mode", "must be all_or_nothing or valid_rows")
}

// Options are how one import runs.
type Options struct {
	Mode   Mode
	DryRun bool // report what would happen; write nothing
	// Chunk, when set, commits every Chunk rows (a job, whose progress shows); 0 writes the file in
	// one transaction.
	Chunk int
	// Progress, when set, learns how many rows are done after each chunk.
	Progress func(ctx context.Context, done int) error
	// Source and JobID describe the import in its import.completed event.
	Source Source
	JobID  string
}

// Row is one data row of a file: its row number in the file (the header is row 1) and its cells by
// canonical column name. Only the file's columns are present; an empty cell is "".
type Row struct {
	Line  int
	Cells map[string]string
}

// Cell returns the trimmed text of a column and whether the cell holds anything.
func (r Row) Cell(column string) (string, bool) {
	s := strings.TrimSpace(r.Cells[column])
	return s, s != ""
}

// Outcome is what an import did (or, in a dry run, would do) with one row.
type Outcome string

const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Failed    Outcome = "error"
)

// Problem is one thing wrong with a row: the column (canonical name; "" for the row as a whole) and why.
type Problem struct {
	Column  string
	Message string
	// Format and Args are Message before formatting (the key a transport words it by in another
	// language), when it was built from parts. A job's stored report keeps Message only.
	Format string `json:"-"`
	Args   []any  `json:"-"`
}

// Problemf builds a Problem from a format and its arguments.
func Problemf(column, format string, args ...any) Problem {
	return Problem{Column: column, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Text is the message as a Text (the key and its arguments).
func (p Problem) Text() domain.Text {
	if p.Format == "" {
		return domain.Text{Format: p.Message}
	}
	return domain.Text{Format: p.Format, Args: p.Args}
}

// RowResult is one row's line in the report.
type RowResult struct {
	Line     int
	Outcome  Outcome
	ID       string // the record created, updated or matched ("" for an error)
	Problems []Problem
}

// Report lists every row of an import with its outcome; Applied says whether the changes were written.
type Report struct {
	Mode                                    Mode
	DryRun                                  bool
	Applied                                 bool
	Total, Created, Updated, Unchanged, Bad int
	Rows                                    []RowResult
}

// Add appends a row's result and counts it.
func (r *Report) Add(res RowResult) {
	r.Rows = append(r.Rows, res)
	r.Total++
	switch res.Outcome {
	case Created:
		r.Created++
	case Updated:
		r.Updated++
	case Unchanged:
		r.Unchanged++
	case Failed:
		r.Bad++
	}
}

// Err is the error an all-or-nothing import that found problems ends with: Invalid, one field error
// per problem, named rows[line].column.
func (r Report) Err() error {
	var v domain.Validator
	for _, row := range r.Rows {
		for _, p := range row.Problems {
			field := "rows[" + strconv.Itoa(row.Line) + "]"
			if p.Column != "" {
				field += "." + p.Column
			}
			t := p.Text()
			v.AddField(domain.FieldError{Field: field, Message: p.Message, Format: t.Format, Args: t.Args})
		}
	}
	if err := v.Err(); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			de.Format, de.Args = "%d of %d rows have errors: nothing was imported", []any{r.Bad, r.Total}
			de.Message = fmt.Sprintf(de.Format, de.Args...)
		}
		return err
	}
	return nil
}

// Problems turns a validation error into problems, by column: a field such as tags[2] or
// registration_ids[0].scheme names its column (tags, registration_ids). Errors that are not
// validation errors are returned as they are.
func Problems(err error) ([]Problem, error) {
	var de *domain.Error
	if !errors.As(err, &de) || (de.Kind != domain.KindInvalid && de.Kind != domain.KindConflict) {
		return nil, err
	}
	if len(de.Fields) == 0 {
		t := de.Text()
		return []Problem{{Message: de.Message, Format: t.Format, Args: t.Args}}, nil
	}
	out := make([]Problem, 0, len(de.Fields))
	for _, f := range de.Fields {
		col := f.Field
		if i := strings.IndexAny(col, "[."); i >= 0 {
			col = col[:i]
		}
		if col != f.Field { // the column's part: tags[2], registration_ids[0].scheme
			out = append(out, Problemf(col, "%s %s", domain.Literal(f.Field), f.Text()))
			continue
		}
		t := f.Text()
		out = append(out, Problem{Column: col, Message: f.Message, Format: t.Format, Args: t.Args})
	}
	return out, nil
}

// Columns resolves a file's header cells to canonical column names: each header must name a column
// by its canonical name or one of its aliases (case and surrounding space ignored). It returns the
// canonical name per header position and every problem with the header (unknown, repeated, missing
// required columns).
func Columns(headers []string, cols []Column) ([]string, []Problem) {
	byName := map[string]string{}
	for _, c := range cols {
		byName[fold(c.Name)] = c.Name
		for _, a := range c.Aliases {
			byName[fold(a)] = c.Name
		}
	}
	out := make([]string, len(headers))
	var probs []Problem
	seen := map[string]bool{}
	for i, h := range headers {
		name, ok := byName[fold(h)]
		switch {
		case strings.TrimSpace(h) == "":
			continue // an empty header: a trailing separator, ignored with its cells
		case !ok:
			probs = append(probs, Problem{Column: h, Message: "is not a known column"})
		case seen[name]:
			probs = append(probs, Problem{Column: name, Message: "appears twice in the header"})
		default:
			out[i], seen[name] = name, true
		}
	}
	return out, probs
}

// Column is one column an import reads: its canonical name, the other names it goes by in headers
// (the Japanese header) and whether every file must have it.
type Column struct {
	Name     string
	Aliases  []string
	Required bool
}

// Header is the column's header in a language: "ja" gives the Japanese header (the first alias),
// anything else the canonical name.
func (c Column) Header(lang string) string {
	if lang == "ja" && len(c.Aliases) > 0 {
		return c.Aliases[0]
	}
	return c.Name
}

// Missing lists the required columns a header lacks.
func Missing(header []string, cols []Column) []Problem {
	var out []Problem
	for _, c := range cols {
		if c.Required && !slices.Contains(header, c.Name) {
			out = append(out, Problem{Column: c.Name, Message: "is a required column"})
		}
	}
	return out
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// SplitList splits a cell of several values separated by ; or , (or the Japanese 、).
func SplitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '、' })
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// errRollback ends a dry run's transaction: the changes were made to learn their outcome, not to keep.
var errRollback = errors.New("dry run: roll back")

// Write runs apply on rows 0..n-1 in the import's transactions: one for the whole file, or, when
// opt.Chunk is set (a job), one per chunk of rows, telling opt.Progress after each. A dry run rolls
// every transaction back. An error ends the import at the row that failed. done, when set, runs in
// the last transaction after the last row (a file without rows still has that one transaction), so
// that the import's completion commits with its last rows; a dry run does not call it.
func Write(ctx context.Context, tx domain.TxManager, n int, opt Options, apply func(ctx context.Context, i int) error,
	done func(ctx context.Context) error) error {
	chunk := opt.Chunk
	if chunk <= 0 {
		chunk = max(n, 1)
	}
	for start := 0; ; start += chunk {
		end := min(start+chunk, n)
		last := end == n
		err := tx.InTx(ctx, func(ctx context.Context) error {
			for i := start; i < end; i++ {
				if err := apply(ctx, i); err != nil {
					return err
				}
			}
			if opt.DryRun {
				return errRollback
			}
			if last && done != nil {
				return done(ctx)
			}
			return nil
		})
		if err != nil && !errors.Is(err, errRollback) {
			return err
		}
		if opt.Progress != nil {
			if err := opt.Progress(ctx, end); err != nil {
				return err
			}
		}
		if last {
			return nil
		}
	}
}
