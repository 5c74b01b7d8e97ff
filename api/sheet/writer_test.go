package sheet

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriterRoundTrip(t *testing.T) {
	rows := [][]string{{"name", "国"}, {"株式会社テスト", "JP"}, {"=HYPERLINK(\"x\")", "-1"}}
	for _, f := range []Format{CSV, XLSX} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, f, "vendors")
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
			got := readBack(t, f, buf.Bytes())
			want := [][]string{rows[0], rows[1], rows[2]}
			if f == CSV {
				want[2] = []string{"'=HYPERLINK(\"x\")", "'-1"}
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d: %q", len(got), len(want), got)
			}
			for i := range want {
				if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
					t.Errorf("row %d = %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}

func readBack(t *testing.T, f Format, b []byte) [][]string {
	t.Helper()
	if f == CSV {
		if !bytes.HasPrefix(b, []byte("\uFEFF")) {
			t.Fatal("csv without byte-order mark")
		}
		out, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	out, err := x.GetRows("vendors")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": CSV, "csv": CSV, "XLSX": XLSX} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("ods"); err == nil {
		t.Error("ods accepted")
	}
}
