package portal

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func TestEveryTextInBothLanguages(t *testing.T) {
	for key, m := range messages {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: %q", key, m)
		}
		if strings.Count(m[0], "%") != strings.Count(m[1], "%") {
			t.Errorf("%s: the languages take different arguments: %q", key, m)
		}
	}
}

// TestTemplatesUseKnownTexts: every {{... T "key"}} in the pages names a text that exists.
func TestTemplatesUseKnownTexts(t *testing.T) {
	if _, err := Parse(); err != nil {
		t.Fatal(err)
	}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, part := range bytes.Split(b, []byte(`T "`))[1:] {
			key := string(part[:bytes.IndexByte(part, '"')])
			if _, ok := messages[key]; !ok {
				t.Errorf("%s uses the unknown text %q", path, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLocaleFormats(t *testing.T) {
	d := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	if got := Lang("ja").Date(d); got != "2025年6月30日" {
		t.Errorf("ja date %q", got)
	}
	if got := Lang("en").Date(d); got != "30 June 2025" {
		t.Errorf("en date %q", got)
	}
	if got := Lang("ja").T("list.due", "x"); got != "期限 x" {
		t.Errorf("ja text %q", got)
	}
	if got := Lang("fr").Lang; got != "en" {
		t.Errorf("an unknown language falls back to %q", got)
	}
	if got := Lang("en").Size(2048); got != "2.0 KB" {
		t.Errorf("size %q", got)
	}
}
