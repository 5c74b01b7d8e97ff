// Package i18n puts what the API says into English or Japanese: the language a request asks for
// (Accept-Language), and one message catalog of every sentence the API localizes, keyed by its
// English format (the domain speaks in domain.Text: a stable format and its arguments). A sentence
// the catalog does not hold stays English, so a new message is never lost, only untranslated.
package i18n

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Lang is a language the API speaks.
type Lang string

const (
	EN Lang = "en" // the default
	JA Lang = "ja"
)

// Negotiate picks the language of an Accept-Language header: the supported language (en, ja, with or
// without a region) of the highest q-value, q=0 meaning "not this one"; English when neither is asked
// for, and on a tie the one listed first.
func Negotiate(header string) Lang {
	best, bestQ := EN, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue // a malformed weight: ignore the range rather than guess
			}
			q = f
		}
		lang := Lang(strings.ToLower(strings.SplitN(strings.TrimSpace(tag), "-", 2)[0]))
		if q <= 0 || (lang != EN && lang != JA) {
			continue
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// Text is t in l: the catalog's wording of its format with its arguments (an argument that is a known
// term, such as a resource or status name, is put in l too); English where the catalog has no entry.
func (l Lang) Text(t domain.Text) string {
	if l == EN {
		return t.String()
	}
	if m, ok := messages[t.Format]; ok {
		return l.format(m, t.Args)
	}
	if len(t.Args) == 0 {
		// A constant message with numbers in it ("must be at most 200 characters") is found under its
		// shape ("must be at most %d characters"), the numbers being its arguments.
		if m, ok := messages[digits.ReplaceAllString(t.Format, "%d")]; ok {
			var args []any
			for _, d := range digits.FindAllString(t.Format, -1) {
				n, _ := strconv.Atoi(d)
				args = append(args, n)
			}
			return l.format(m, args)
		}
	}
	return t.String()
}

var digits = regexp.MustCompile(`[0-9]+`)

// T is the catalog's wording of key with args in l.
func (l Lang) T(key string, args ...any) string { return l.Text(domain.Textf(key, args...)) }

// Term is a word the API uses as a value (a resource, a status, a level) in l; the word itself when the
// catalog has no translation.
func (l Lang) Term(word string) string {
	if l == JA {
		if ja, ok := terms[word]; ok {
			return ja
		}
	}
	return word
}

func (l Lang) format(m Message, args []any) string {
	wording := m.EN
	if l == JA {
		wording = m.JA
		local := make([]any, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case string:
				a = l.Term(v)
			case domain.Text: // a sentence inside a sentence ("q1: must be true or false")
				a = l.Text(v)
			}
			local[i] = a
		}
		args = local
	}
	if len(args) == 0 {
		return wording
	}
	return fmt.Sprintf(wording, args...)
}

// Message is one sentence in every language.
type Message struct{ EN, JA string }

// Keys lists the catalog's keys (for tests).
func Keys() map[string]Message { return messages }

// Terms lists the translated terms (for tests).
func Terms() map[string]string { return terms }
