// Package portal holds the supplier portal's presentation: the html/template pages, their static
// assets (one stylesheet, one small script; no build step) and the English and Japanese texts. The
// handlers live in package api beside the JSON ones and call the same domain services.
package portal

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static is the assets served under /portal/static/.
func Static() fs.FS {
	sub, _ := fs.Sub(staticFS, "static") // the directory is embedded: it exists
	return sub
}

// Pages are the parsed pages, each with the shared layout.
type Pages struct{ byName map[string]*template.Template }

// PageNames are the pages there are.
var PageNames = []string{"signin", "list", "questionnaire", "submit", "findings", "message"}

// Parse parses every page with the layout.
func Parse() (*Pages, error) {
	p := &Pages{byName: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"inc":      func(i int) int { return i + 1 },
		"contains": func(list []string, v string) bool { return contains(list, v) },
	}
	for _, name := range PageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// Render writes a page.
func (p *Pages) Render(w io.Writer, name string, data any) error {
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout.html", data)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Loc is a language: its texts, date format and sizes.
type Loc struct{ Lang string }

// Lang returns the locale of a language code ("ja" or anything else for English).
func Lang(code string) Loc {
	if code == "ja" {
		return Loc{Lang: "ja"}
	}
	return Loc{Lang: "en"}
}

// JA reports whether the language is Japanese.
func (l Loc) JA() bool { return l.Lang == "ja" }

// T is the text of key in the language, formatted with args; an unknown key shows itself.
func (l Loc) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if l.JA() && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Date formats a date the locale's way.
func (l Loc) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.JA() {
		return t.Format("2006年1月2日")
	}
	return t.Format("2 January 2006")
}

// DateTime formats an instant (UTC) the locale's way.
func (l Loc) DateTime(t time.Time) string {
	if l.JA() {
		return t.UTC().Format("2006年1月2日 15:04 UTC")
	}
	return t.UTC().Format("2 January 2006 15:04 UTC")
}

// Size formats a byte count.
func (l Loc) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	if l.JA() {
		return fmt.Sprintf("%d バイト", n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Other is the other language, for the switch.
func (l Loc) Other() Loc {
	if l.JA() {
		return Loc{Lang: "en"}
	}
	return Loc{Lang: "ja"}
}

// Name is the language's own name.
func (l Loc) Name() string {
	if l.JA() {
		return "日本語"
	}
	return "English"
}

// Status is a status's label.
func (l Loc) Status(s string) string { return l.T("status." + strings.ToLower(s)) }

// Label is the text of an enumerated value (prefix.value), or the value itself when it has none.
func (l Loc) Label(prefix, value string) string {
	if _, ok := messages[prefix+"."+value]; ok {
		return l.T(prefix + "." + value)
	}
	return value
}
