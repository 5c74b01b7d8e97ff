package scoring

import (
	"fmt"
	"testing"
)

// bench627 is a 627-question assessment (the size of SIG Core), every question answered: yes/no,
// yes/no/na, single and multi choice, informational questions, weights 0..5, 20 sections, controls.
func bench627() ([]Question, map[string]Answer) {
	qs := make([]Question, 627)
	answers := make(map[string]Answer, len(qs))
	for i := range qs {
		key := fmt.Sprintf("q%03d", i)
		q := Question{Key: key, Section: fmt.Sprintf("s%02d", i%20), Weight: i % 6, Scored: true, Visible: true,
			ControlRefs: []string{fmt.Sprintf("iso27001-2022:%d.%d", 5+i%4, i%37)}}
		switch i % 5 {
		case 0:
			q.Options = map[string]int{"yes": 100, "no": 0}
			answers[key] = Answer{Value: []string{"yes", "no"}[i%2]}
		case 1:
			q.Options, q.NA = map[string]int{"yes": 100, "no": 0, "na": 0}, "na"
			answers[key] = Answer{Value: []string{"yes", "no", "na"}[i%3]}
		case 2:
			q.Options = map[string]int{"full": 100, "most": 75, "some": 40, "none": 0}
			answers[key] = Answer{Value: []string{"full", "most", "some", "none"}[i%4]}
		case 3:
			q.Options = map[string]int{"a": 100, "b": 60, "c": 30, "d": 0, "na": 0}
			q.NA = "na"
			answers[key] = Answer{Values: []string{"a", "c", "na"}[:1+i%3]}
		case 4:
			q.Scored = false
			answers[key] = Answer{Value: "free text"}
		}
		qs[i] = q
	}
	return qs, answers
}

func BenchmarkScore627(b *testing.B) {
	qs, answers := bench627()
	b.ReportAllocs()
	for b.Loop() {
		Score(qs, answers)
	}
}
