package domain

import (
	"fmt"
	"strings"
)

// Text is a sentence for people before it is put into words: a stable format, which is also the key
// under which a transport's message catalog holds each language's wording, and its arguments. The
// domain says what happened with Texts; String gives the English wording (the format is English).
type Text struct {
	Format string
	Args   []any
}

// Textf builds a Text.
func Textf(format string, args ...any) Text { return Text{Format: format, Args: args} }

// String is the English wording.
func (t Text) String() string {
	if len(t.Args) == 0 {
		return t.Format
	}
	return fmt.Sprintf(t.Format, t.Args...)
}

// JoinTexts is the English wording of ts joined by sep.
func JoinTexts(ts []Text, sep string) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, sep)
}

// Literal is an argument shown as it is in every language (a question key, a cell, a column): a
// transport words the string arguments that name known terms (statuses, resources) in its language,
// and a key may happen to spell one ("internal", "open").
type Literal string
