package assessment

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// TestChangedAnswersAreBounded: an answers event lists only the answers that changed, by key; at most
// maxAnswerChanges of them (the rest counted), each long text as its length and hash; the summary never
// carries the questionnaire.
func TestChangedAnswersAreBounded(t *testing.T) {
	var qs []questionnaire.Question
	for i := range 600 {
		qs = append(qs, questionnaire.Question{Key: fmt.Sprintf("q%03d", i), Type: questionnaire.TypeText,
			Text: questionnaire.Text{EN: "A long question text that must not reach the event"}})
	}
	before := Assessment{ID: "a1", VendorID: "v1", Status: StatusSent, Version: 2, AnswersVersion: 1,
		Template: questionnaire.Template{ID: "t1", Sections: []questionnaire.Section{{Key: "s", Questions: qs}}},
		Answers:  map[string]Answer{"q000": {Key: "q000", Value: "same"}, "q001": {Key: "q001", Value: "old"}}}
	after := cloneAnswers(before)
	after.Status, after.Version, after.AnswersVersion = StatusInProgress, 3, 2
	long := strings.Repeat("x", maxEventText+1)
	for _, q := range qs[1:] {
		after.Answers[q.Key] = Answer{Key: q.Key, Value: "new " + q.Key}
	}
	after.Answers["q002"] = Answer{Key: "q002", Value: long}

	e := changed("assessment.answers_saved", before, after)
	if e.Subject.Type != "assessment" || e.Subject.ID != "a1" || e.Subject.VendorID != "v1" {
		t.Errorf("subject %+v", e.Subject)
	}
	byField := map[string][2]any{}
	for _, c := range e.Changes {
		byField[c.Field] = [2]any{c.Before, c.After}
	}
	if _, ok := byField["answers.q000"]; ok {
		t.Error("an unchanged answer is listed")
	}
	if c := byField["answers.q001"]; fmt.Sprint(c[0]) != "map[value:old]" || fmt.Sprint(c[1]) != "map[value:new q001]" {
		t.Errorf("q001 change %v", c)
	}
	if c := byField["status"]; c[0] != "sent" || c[1] != "in_progress" {
		t.Errorf("status change %v", c)
	}
	if v, _ := byField["answers.q002"][1].(map[string]any)["value"].(map[string]any); v["chars"] != maxEventText+1 || len(v["sha256"].(string)) != 64 {
		t.Errorf("a long text is kept as %v, want its length and hash", byField["answers.q002"][1])
	}
	answerChanges := 0
	for f := range byField {
		if strings.HasPrefix(f, "answers.") {
			answerChanges++
		}
	}
	if answerChanges != maxAnswerChanges || e.Data["answers_changed"] != 599 || e.Data["answers_changes_omitted"] != 599-maxAnswerChanges {
		t.Errorf("%d answer changes listed, data %v / %v; want %d listed of 599", answerChanges, e.Data["answers_changed"],
			e.Data["answers_changes_omitted"], maxAnswerChanges)
	}
	b, err := json.Marshal(struct {
		In, Out json.RawMessage
	}{e.Input(), e.Result()})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "A long question text") || len(b) > 64<<10 {
		t.Errorf("the event is %d bytes or carries the questionnaire", len(b))
	}
}
