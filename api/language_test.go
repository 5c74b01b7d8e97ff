package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

// TestJapaneseEverywhere: with Accept-Language: ja (q-values honoured, English by default) problems
// (titles, details, field messages), contract gaps, risk bases, residual explanations, tier names and
// the titles of findings raised from an assessment are Japanese, and the response says
// Content-Language: ja.
func TestJapaneseEverywhere(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ja := []string{"Accept-Language", "en;q=0.4, ja;q=0.8"}

		// An engagement with a contract lacking every clause, and a completed assessment whose q1 failed.
		tplBody := scoreTemplate()
		q1 := tplBody["sections"].([]map[string]any)[0]["questions"].([]map[string]any)[0]
		q1["text"] = map[string]any{"en": "Is MFA enforced?", "ja": "多要素認証を必須にしていますか？"}
		tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, tplBody), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
		vendorID := e.newVendor(t, "Japanese Vendor")
		eng := e.createEngagement(t, engagementBody(vendorID)).ID
		con := e.createContract(t, eng, contractBody()).ID
		id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		sup := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK).
			JSON["supplier_key"].(map[string]any)["secret"].(string)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
			{"key": "q1", "value": "no"}, {"key": "q2", "value": "full"}, {"key": "q3", "value": "yes"}}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK)
		fid := must(t, e.do(t, "GET", "/api/v1/findings?engagement_id="+eng, e.admin, nil), http.StatusOK).items(t)[0]["id"].(string)
		// A draft template, and a second assessment of the engagement that the supplier is answering.
		draft := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, scoreTemplate()), http.StatusCreated).str("id")
		id2 := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		sup2 := must(t, e.do(t, "POST", "/api/v1/assessments/"+id2+"/send", e.admin, nil), http.StatusOK).
			JSON["supplier_key"].(map[string]any)["secret"].(string)

		str := func(v any) string { s, _ := v.(string); return s }
		first := func(v any, key string) string {
			l, _ := v.([]any)
			if len(l) == 0 {
				return ""
			}
			if key == "" {
				return str(l[0])
			}
			m, _ := l[0].(map[string]any)
			return str(m[key])
		}
		// field is the message of one field of a 422.
		field := func(name string) func(r resp) string {
			return func(r resp) string {
				errs, _ := r.JSON["errors"].([]any)
				for _, f := range errs {
					if m, _ := f.(map[string]any); str(m["field"]) == name {
						return str(m["message"])
					}
				}
				return ""
			}
		}
		detail := func(r resp) string { return r.str("detail") }
		answers := func(a map[string]any) map[string]any { return map[string]any{"answers": []map[string]any{a}} }
		for _, tc := range []struct {
			name, method, path, key string
			body                    any
			headers                 []string
			status                  int
			got                     func(r resp) string
			want                    string
		}{
			{"a 422 names the problem", "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": eng, "severity": "grave"}, nil,
				http.StatusUnprocessableEntity, func(r resp) string { return r.str("title") }, "入力内容に誤りがあります"},
			{"a 422 words each field", "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": eng, "severity": "grave"}, nil,
				http.StatusUnprocessableEntity, func(r resp) string {
					var ms []string
					for _, f := range r.JSON["errors"].([]any) {
						ms = append(ms, str(f.(map[string]any)["field"])+": "+str(f.(map[string]any)["message"]))
					}
					return strings.Join(ms, " | ")
				}, "title: 必須です | severity: critical, high, medium, low のいずれかを指定してください"},
			{"a 404", "GET", "/api/v1/findings/" + domain.NewID(), e.admin, nil, nil, http.StatusNotFound,
				func(r resp) string { return r.str("title") + " / " + strings.Split(r.str("detail"), `"`)[0] }, "見つかりません / 指摘事項 "},
			{"a 412", "PATCH", "/api/v1/findings/" + fid, e.admin, map[string]any{"internal_notes": "x"}, []string{"If-Match", `"99"`},
				http.StatusPreconditionFailed, func(r resp) string { return r.str("title") + " / " + r.str("detail") },
				"前提条件が満たされていません / 指摘事項 は更新されています。If-Match はバージョン 99 を指定していますが、現在のバージョンは 1 です"},
			{"a contract gap", "GET", "/api/v1/contracts/" + con + "/gaps", e.admin, nil, nil, http.StatusOK,
				func(r resp) string { return first(r.JSON["gaps"], "detail") }, "契約に、ポリシーが求める秘密保持条項がありません。"},
			{"a risk basis", "GET", "/api/v1/engagements/" + eng + "/risk", e.admin, nil, nil, http.StatusOK,
				func(r resp) string { return first(r.JSON["contributions"], "basis") }, "保有する最も機微なデータ区分: 個人情報（12 点）"},
			{"a residual explanation", "GET", "/api/v1/engagements/" + eng + "/risk", e.admin, nil, nil, http.StatusOK,
				func(r resp) string { return first(r.JSON["residual_risk"].(map[string]any)["explanation"], "") },
				"管理策による低減 = 管理策スコア 5000 bp × 上限 7000 bp = 3500 bp"},
			{"a tier name", "GET", "/api/v1/engagements/" + eng + "/risk", e.admin, nil, nil, http.StatusOK,
				func(r resp) string { return r.str("effective_tier_text") + " / " + r.str("effective_tier_label") }, "ティア 2（高） / high"},
			{"a generated finding title", "GET", "/api/v1/findings/" + fid, e.admin, nil, nil, http.StatusOK,
				func(r resp) string { return r.str("title") }, "多要素認証を必須にしていますか？"},
			{"the supplier's finding title", "GET", "/api/v1/supplier/findings", sup, nil, nil, http.StatusOK,
				func(r resp) string { return first(r.JSON["items"], "title") }, "多要素認証を必須にしていますか？"},
			// Messages once built by concatenation, now formats with arguments.
			{"a method not allowed", "DELETE", "/api/v1/findings", e.admin, nil, nil, http.StatusMethodNotAllowed, detail,
				"このエンドポイントは DELETE を受け付けません"},
			{"a draft template issued", "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": draft,
				"due_date": "2025-06-30"}, nil, http.StatusUnprocessableEntity, field("template_id"),
				"テンプレートは「下書き」の状態です。評価に使えるのは公開済みのテンプレートのみです"},
			{"a sort of engagements", "GET", "/api/v1/engagements?sort=bogus", e.admin, nil, nil, http.StatusUnprocessableEntity, field("sort"),
				"created_at, -created_at, name, -name, risk_score, -risk_score のいずれかを指定してください"},
			{"a clause without its figure", "POST", "/api/v1/engagements/" + eng + "/contracts", e.admin,
				contractBody("clauses", []map[string]any{{"type": "breach_notification"}}), nil, http.StatusUnprocessableEntity,
				field("clauses[0].hours"), "侵害通知条項では必須です"},
			{"an acceptance past the policy's limit", "POST", "/api/v1/findings/" + fid + "/risk-acceptances", e.admin,
				map[string]any{"justification": "x", "expires_on": "2099-01-01"}, nil, http.StatusUnprocessableEntity,
				func(r resp) string { return isoDate.ReplaceAllString(field("expires_on")(r), "YYYY-MM-DD") },
				"YYYY-MM-DD 以前の日付を指定してください（リスクポリシーがこのティアに定める max_acceptance_days を今日から数えた期限です）"},
			{"an unknown question", "PUT", "/api/v1/supplier/assessments/" + id2 + "/answers", sup2,
				answers(map[string]any{"key": "nope", "value": "yes"}), nil, http.StatusUnprocessableEntity, field("answers[0].key"),
				`質問 "nope" は存在しないか、この評価では表示されていません`},
			{"an unknown question in English", "PUT", "/api/v1/supplier/assessments/" + id2 + "/answers", sup2,
				answers(map[string]any{"key": "nope", "value": "yes"}), []string{"Accept-Language", "en"}, http.StatusUnprocessableEntity,
				field("answers[0].key"), `question "nope" is unknown or not shown in this assessment`},
			{"an answer not among the options", "PUT", "/api/v1/supplier/assessments/" + id2 + "/answers", sup2,
				answers(map[string]any{"key": "q1", "value": "maybe"}), nil, http.StatusUnprocessableEntity, field("answers[0].value"),
				"yes, no のいずれかを指定してください"},
			{"an OSCAL value of the wrong type", "POST", "/api/v1/frameworks/import", e.admin, map[string]any{"catalog": "x"}, nil,
				http.StatusUnprocessableEntity, field("catalog"), "JSON のオブジェクトで指定してください"},
			{"an import refused", "POST", "/api/v1/vendors/import", e.admin, fileUpload("file", []byte("name,kind\nAcme,bogus\n")), nil,
				http.StatusUnprocessableEntity, func(r resp) string { return r.str("title") + " / " + r.str("detail") },
				"入力内容に誤りがあります / 1 行中 1 行に誤りがあるため、何も取り込んでいません"},
			{"an import report", "POST", "/api/v1/vendors/import?mode=valid_rows&dry_run=true", e.admin,
				fileUpload("file", []byte("name,kind,registration_ids,tags\nAcme,bogus,zz,\"ok,Bad Tag\"\n")), nil, http.StatusOK,
				func(r resp) string {
					var ms []string
					for _, p := range r.JSON["rows"].([]any)[0].(map[string]any)["errors"].([]any) {
						ms = append(ms, str(p.(map[string]any)["message"]))
					}
					return strings.Join(ms, " | ")
				}, `"zz" は scheme:value の形式で指定してください | contractor、cloud_provider、other のいずれかを指定してください | ` +
					"tags[1]: a-z、0-9、_ . : - による 1〜40 文字で、英字か数字で始めてください"},
			{"an unreadable file", "POST", "/api/v1/vendors/import?charset=utf-8", e.admin, fileUpload("file", []byte("name\n\xff\xfe\n")), nil,
				http.StatusUnprocessableEntity, field("file"), "スプレッドシートを読み取れません。ファイルが正しい UTF-8 ではありません"},
			// Messages that were never in the catalog.
			{"a stale template", "PATCH", "/api/v1/questionnaire-templates/" + draft, e.admin, scoreTemplate(), []string{"If-Match", `"99"`},
				http.StatusPreconditionFailed, detail,
				"テンプレートは更新されています。If-Match はバージョン 99 を指定していますが、現在のバージョンは 1 です"},
			{"a vendor kind", "GET", "/api/v1/vendors?kind=bogus", e.admin, nil, nil, http.StatusUnprocessableEntity, field("kind"),
				"contractor、cloud_provider、other のいずれかを指定してください"},
			{"english by default", "GET", "/api/v1/findings/" + fid, e.admin, nil, []string{"Accept-Language", "fr"}, http.StatusOK,
				func(r resp) string { return r.str("title") + " / " + r.Header.Get("Content-Language") }, "Is MFA enforced? / en"},
			{"english ranked higher", "GET", "/api/v1/findings/" + domain.NewID(), e.admin, nil, []string{"Accept-Language", "ja;q=0.2, en"},
				http.StatusNotFound, func(r resp) string { return r.str("title") + " / " + r.Header.Get("Content-Language") }, "Not found / en"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				headers := tc.headers
				if len(headers) == 0 || headers[0] != "Accept-Language" {
					headers = append(append([]string{}, ja...), headers...)
				}
				r := e.do(t, tc.method, tc.path, tc.key, tc.body, headers...)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r)
				}
				if got := tc.got(r); got != tc.want {
					t.Errorf("got  %q\nwant %q", got, tc.want)
				}
				wantLang := "ja" // the rows that choose their own Accept-Language are the English ones
				if len(tc.headers) > 0 && tc.headers[0] == "Accept-Language" {
					wantLang = "en"
				}
				if got := r.Header.Get("Content-Language"); got != wantLang {
					t.Errorf("Content-Language %q, want %q", got, wantLang)
				}
			})
		}
	})
}

var isoDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
