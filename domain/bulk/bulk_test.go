package bulk

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

var cols = []Column{{Name: "name", Aliases: []string{"名称"}}, {Name: "kind", Aliases: []string{"種別"}, Required: true}}

func TestColumns(t *testing.T) {
	tests := []struct {
		name      string
		header    []string
		want      []string
		wantProbs []Problem
	}{
		{"english", []string{"name", "kind"}, []string{"name", "kind"}, nil},
		{"japanese, case and space", []string{" 名称 ", "KIND"}, []string{"name", "kind"}, nil},
		{"empty header cell ignored", []string{"name", "", "kind"}, []string{"name", "", "kind"}, nil},
		{"unknown and repeated", []string{"name", "colour", "名称", "kind"}, []string{"name", "", "", "kind"},
			[]Problem{{Column: "colour", Message: "is not a known column"}, {Column: "name", Message: "appears twice in the header"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := Columns(tt.header, cols)
			if !slices.Equal(got, tt.want) || !slices.EqualFunc(probs, tt.wantProbs, sameWords) {
				t.Errorf("Columns = %q %v, want %q %v", got, probs, tt.want, tt.wantProbs)
			}
		})
	}
	if m := Missing([]string{"name"}, cols); len(m) != 1 || m[0].Column != "kind" {
		t.Errorf("Missing = %v", m)
	}
}

// sameWords compares problems as they read in English (column and message).
func sameWords(a, b Problem) bool { return a.Column == b.Column && a.Message == b.Message }

func TestProblems(t *testing.T) {
	var v domain.Validator
	v.Add("tags[1]", "must be a tag")
	v.Add("name", "is required")
	got, err := Problems(v.Err())
	want := []Problem{{Column: "tags", Message: "tags[1] must be a tag"}, {Column: "name", Message: "is required"}}
	if err != nil || !slices.EqualFunc(got, want, sameWords) {
		t.Errorf("Problems = %v %v", got, err)
	}
	// The part of a column keeps the rule as a sentence of its own, for a transport to word.
	if tx := got[0].Text(); tx.Format != "%s %s" || len(tx.Args) != 2 || tx.Args[1].(domain.Text).Format != "must be a tag" {
		t.Errorf("Problems[0].Text() = %#v", tx)
	}
	other := errors.New("disk on fire")
	if _, err := Problems(other); err != other {
		t.Errorf("a non-validation error came back as %v", err)
	}
}

func TestReportErr(t *testing.T) {
	var r Report
	r.Add(RowResult{Line: 2, Outcome: Created})
	r.Add(RowResult{Line: 3, Outcome: Failed, Problems: []Problem{{Column: "kind", Message: "is bad"}, {Message: "repeats row 2"}}})
	if r.Total != 2 || r.Created != 1 || r.Bad != 1 {
		t.Fatalf("counts %+v", r)
	}
	var de *domain.Error
	if !errors.As(r.Err(), &de) || de.Kind != domain.KindInvalid || len(de.Fields) != 2 ||
		de.Fields[0].Field != "rows[3].kind" || de.Fields[1].Field != "rows[3]" {
		t.Errorf("Err = %+v", de)
	}
}

// fakeTx runs fn and counts the transactions, as a TxManager that commits unless fn fails.
type fakeTx struct{ n int }

func (f *fakeTx) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	f.n++
	return fn(ctx)
}

// TestWrite: rows are written in one transaction or in chunks, the import's completion runs once in
// the last transaction after every row (also for a file without rows), and a dry run skips it.
func TestWrite(t *testing.T) {
	tests := []struct {
		name         string
		rows         int
		opt          Options
		wantTx       int
		wantProgress []int
		wantDone     bool
	}{
		{"one transaction", 10, Options{}, 1, nil, true},
		{"chunks with progress", 10, Options{Chunk: 4}, 3, []int{4, 8, 10}, true},
		{"dry run rolls back", 10, Options{DryRun: true, Chunk: 5}, 2, []int{5, 10}, false},
		{"no rows", 0, Options{Chunk: 4}, 1, []int{0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				tx       fakeTx
				applied  int
				progress []int
				doneAt   []int // rows applied, transactions opened when done ran
			)
			if tt.wantProgress != nil {
				tt.opt.Progress = func(_ context.Context, done int) error { progress = append(progress, done); return nil }
			}
			err := Write(t.Context(), &tx, tt.rows, tt.opt, func(context.Context, int) error { applied++; return nil },
				func(context.Context) error { doneAt = append(doneAt, applied, tx.n); return nil })
			if err != nil || applied != tt.rows || tx.n != tt.wantTx || !slices.Equal(progress, tt.wantProgress) {
				t.Errorf("err %v applied %d tx %d progress %v", err, applied, tx.n, progress)
			}
			if want := []int{tt.rows, tt.wantTx}; tt.wantDone && !slices.Equal(doneAt, want) || !tt.wantDone && doneAt != nil {
				t.Errorf("done ran at (rows, tx) %v, want %v: %v", doneAt, want, tt.wantDone)
			}
		})
	}
	boom := errors.New("boom")
	done := false
	if err := Write(t.Context(), &fakeTx{}, 3, Options{}, func(_ context.Context, i int) error {
		if i == 1 {
			return boom
		}
		return nil
	}, func(context.Context) error { done = true; return nil }); !errors.Is(err, boom) || done {
		t.Errorf("err = %v, done %v: want boom and no completion", err, done)
	}
}
