package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestAssessmentBuiltInTemplates runs each built-in questionnaire through the supplier side at both
// depths: core shows only core questions, core+extended more; a supplier that answers every visible
// question (revealing follow-ups as it goes) and attaches the evidence asked for can submit.
func TestAssessmentBuiltInTemplates(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	a := newAsmEnv(t, e)
	if _, n := e.tplLoadBuiltIns(t); n == 0 {
		t.Fatal("no built-in template published")
	}
	var builtIns []api.TemplateResponse
	for _, tpl := range e.tplList(t, "") {
		if tpl.Key != "" && tpl.Status == "published" {
			builtIns = append(builtIns, tpl)
		}
	}
	if len(builtIns) == 0 {
		t.Fatal("no built-in template listed")
	}
	for _, tpl := range builtIns {
		t.Run(tpl.Key, func(t *testing.T) {
			depthOf := map[string]string{}
			for _, s := range e.tplGet(t, tpl.ID).Sections {
				for _, q := range s.Questions {
					depthOf[q.Key] = q.Depth
				}
			}
			visible := map[string]int{}
			for _, depth := range []string{"core", "core+extended"} {
				_, eng := a.engagement(t, fmt.Sprintf("Built-in %s %s", tpl.Key, depth))
				asm := a.issue(t, eng, "template_id", tpl.ID, "depth", depth)
				secret := a.send(t, asm.ID).SupplierKey.Secret
				v := a.supplierGet(t, secret, asm.ID)
				visible[depth] = len(v.Questions)
				for _, q := range v.Questions {
					if depth == "core" && depthOf[q.Key] != "core" {
						t.Errorf("core depth shows %s (%s)", q.Key, depthOf[q.Key])
					}
				}
				if depth == "core" && len(v.Questions) > tpl.CoreCount {
					t.Errorf("core shows %d questions, the template has %d core ones", len(v.Questions), tpl.CoreCount)
				}
				a.answerEverything(t, secret, asm.ID)
				var done api.SupplierAssessmentResponse
				must(t, a.submit(t, secret, asm.ID), http.StatusOK).into(t, &done)
				if p := done.Progress; done.Status != "submitted" || p.RequiredAnswered != p.Required || p.Answered != p.Visible {
					t.Errorf("%s submitted: %s, progress %+v", depth, done.Status, *p)
				}
			}
			if tpl.QuestionCount > tpl.CoreCount && visible["core+extended"] <= visible["core"] {
				t.Errorf("core+extended shows %d questions, core %d", visible["core+extended"], visible["core"])
			}
		})
	}
}

// answerEverything answers each visible question with its first option (or a valid value), saving in
// rounds until no new question appears, then uploads a PDF for every question that asks for evidence.
func (a *asmEnv) answerEverything(t *testing.T, secret, id string) {
	t.Helper()
	var v api.SupplierAssessmentResponse
	for round := 0; ; round++ {
		if round > 20 {
			t.Fatal("answering never settles")
		}
		v = a.supplierGet(t, secret, id)
		var batch []map[string]any
		for _, q := range v.Questions {
			if q.Answer != nil || q.Type == "evidence" {
				continue
			}
			switch q.Type {
			case "yes_no", "yes_no_na", "single_choice":
				batch = append(batch, av(q.Key, q.Options[0].Value))
			case "multi_choice":
				batch = append(batch, al(q.Key, q.Options[0].Value))
			case "text":
				batch = append(batch, av(q.Key, "Answered by the test."))
			case "number":
				batch = append(batch, av(q.Key, "1"))
			case "date":
				batch = append(batch, av(q.Key, "2024-01-01"))
			default:
				t.Fatalf("question %s has an unknown type %q", q.Key, q.Type)
			}
		}
		if len(batch) == 0 {
			break
		}
		must(t, a.save(t, secret, id, batch, "If-Match", asmETag(v.AnswersVersion)), http.StatusOK)
	}
	var needs []string
	for _, q := range v.Questions {
		asked := q.Type == "evidence" || q.EvidenceRequired == "always"
		if q.EvidenceRequired == "when_answer" && q.Answer != nil {
			asked = asked || slices.Contains(q.EvidenceWhen, q.Answer.Value) || slices.ContainsFunc(q.Answer.Values, func(x string) bool {
				return slices.Contains(q.EvidenceWhen, x)
			})
		}
		if asked {
			needs = append(needs, q.Key)
		}
	}
	for chunk := range slices.Chunk(needs, 50) {
		must(t, a.uploadFile(t, secret, id, "evidence.pdf", pdfFile, chunk...), http.StatusCreated)
	}
}
