package i18n_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   i18n.Lang
	}{
		{"", i18n.EN},
		{"ja", i18n.JA},
		{"ja-JP", i18n.JA},
		{"JA", i18n.JA},
		{"fr, de", i18n.EN},
		{"en;q=0.5, ja;q=0.9", i18n.JA},
		{"ja;q=0.1, en", i18n.EN},
		{"ja;q=0, en;q=0.1", i18n.EN},
		{"fr, ja;q=0.3", i18n.JA},
		{"ja;q=abc", i18n.EN},
		{"en, ja", i18n.EN}, // a tie goes to the first listed
		{"ja, en", i18n.JA},
	} {
		if got := i18n.Negotiate(tc.header); got != tc.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// argsFor makes one argument per verb of an English format: a number for %d, a word otherwise.
func argsFor(format string) []any {
	var args []any
	for _, v := range verb.FindAllString(format, -1) {
		switch {
		case strings.HasSuffix(v, "%"):
		case strings.HasSuffix(v, "d"):
			args = append(args, 7)
		default:
			args = append(args, "finding")
		}
	}
	return args
}

// TestCatalogComplete: every message has both languages, its key is its English wording, and the
// Japanese wording consumes exactly the English arguments (no %!, no argument left over).
func TestCatalogComplete(t *testing.T) {
	for key, m := range i18n.Keys() {
		if m.EN == "" || m.JA == "" {
			t.Errorf("%q lacks a language: en %q, ja %q", key, m.EN, m.JA)
			continue
		}
		if m.EN != key {
			t.Errorf("%q: English wording %q differs from its key", key, m.EN)
		}
		args := argsFor(m.EN)
		// A message without arguments is shown as it is, never formatted (it may hold a literal %).
		if ja := fmt.Sprintf(m.JA, args...); len(args) > 0 && strings.Contains(ja, "%!") {
			t.Errorf("%q: the Japanese wording does not take the English arguments: %s", key, ja)
		}
		if m.JA == m.EN && len(args) == 0 {
			t.Errorf("%q: the Japanese wording is the English one", key)
		}
	}
	for word, ja := range i18n.Terms() {
		if ja == "" || ja == word {
			t.Errorf("term %q has no Japanese (%q)", word, ja)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name string
		lang i18n.Lang
		text domain.Text
		want string
	}{
		{"english is the format", i18n.EN, domain.Textf("%s %q not found", "finding", "x1"), `finding "x1" not found`},
		{"japanese with a term", i18n.JA, domain.Textf("%s %q not found", "finding", "x1"), `指摘事項 "x1" は見つかりません`},
		{"numbers found by shape", i18n.JA, domain.Textf("must be at most 200 characters"), "200 文字以下にしてください"},
		{"a date range", i18n.JA, domain.Textf(domain.DateRangeMessage), "1900-01-01 から 9999-12-31（UTC）の範囲で指定してください"},
		{"unknown stays english", i18n.JA, domain.Textf("nothing like %d", 3), "nothing like 3"},
		{"tier", i18n.JA, domain.Textf("tier %d (%s)", 1, "critical"), "ティア 1（重大）"},
		{"a floor rule", i18n.JA, domain.Textf("floor: %d records of sensitive personal, payment card or credential data (>= 1,000,000) → at least tier 1",
			1200000), "下限規則: 要配慮個人情報・クレジットカード情報・認証情報が 1200000 件（100 万件以上）→ ティア 1 以上"},
		{"a conflict with a state term", i18n.JA, domain.Textf("the item is %s and cannot become %s", "proposed", "done"),
			"項目は「提案中」の状態で、「完了（確認待ち）」にはできません"},
		{"a literal key is never a term", i18n.JA, domain.Textf("%s: must be true or false", domain.Literal("open")),
			"open: true または false を指定してください"},
		{"a sentence inside a sentence", i18n.JA, domain.Textf("%s: %s", domain.Literal("q1"), domain.Textf("must be at most 500 characters")),
			"q1: 500 文字以下にしてください"},
		{"a sentence inside a sentence in english", i18n.EN, domain.Textf("%s: %s", domain.Literal("q1"), domain.Textf("must be at most 500 characters")),
			"q1: must be at most 500 characters"},
		{"an import header", i18n.JA, domain.Textf("%q %s", domain.Literal("colour"), domain.Textf("is not a known column")),
			`"colour": 既知の列ではありません`},
		{"an unreadable spreadsheet", i18n.JA, domain.Textf("unreadable spreadsheet: the file is not valid UTF-8"),
			"スプレッドシートを読み取れません。ファイルが正しい UTF-8 ではありません"},
		{"a date inside a sentence", i18n.JA, domain.Textf("must be an RFC 3339 date-time such as 2026-11-25T09:00:00Z"),
			"RFC 3339 形式の日時を指定してください（例: 2026-11-25T09:00:00Z）"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.lang.Text(tc.text); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
