package scoring

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// genCase builds a random questionnaire and answer set: sections, weights 0..5, hidden and
// informational questions, options scored 0..100 (a few out of range, clamped), N/A options,
// multi_choice answers, unanswered and empty answers.
func genCase(rng *rand.Rand) ([]Question, map[string]Answer, map[string]bool) {
	n := rng.IntN(40)
	nsec := 1 + rng.IntN(4)
	qs := make([]Question, n)
	multi := map[string]bool{}
	answers := map[string]Answer{}
	for i := range qs {
		q := Question{
			Key:     fmt.Sprintf("q%03d", i),
			Section: fmt.Sprintf("s%d", rng.IntN(nsec)),
			Weight:  rng.IntN(6),
			Scored:  rng.IntN(8) != 0,
			Visible: rng.IntN(7) != 0,
			Options: map[string]int{},
		}
		nopt := 2 + rng.IntN(4)
		for o := 0; o < nopt; o++ {
			s := rng.IntN(101)
			if rng.IntN(30) == 0 {
				s = rng.IntN(300) - 100
			}
			q.Options[fmt.Sprintf("o%d", o)] = s
		}
		if rng.IntN(3) == 0 {
			q.NA = "na"
			q.Options["na"] = rng.IntN(101)
		}
		for c := rng.IntN(3); c > 0; c-- {
			q.ControlRefs = append(q.ControlRefs, fmt.Sprintf("c%d", rng.IntN(6)))
		}
		slices.Sort(q.ControlRefs)
		q.ControlRefs = slices.Compact(q.ControlRefs)
		qs[i] = q
		values := optionValues(q)
		multi[q.Key] = rng.IntN(4) == 0
		switch rng.IntN(10) {
		case 0: // unanswered
		case 1:
			answers[q.Key] = Answer{}
		default:
			if multi[q.Key] {
				var vs []string
				for _, v := range values {
					if rng.IntN(2) == 0 {
						vs = append(vs, v)
					}
				}
				if len(vs) == 0 {
					vs = []string{values[rng.IntN(len(values))]}
				}
				answers[q.Key] = Answer{Values: vs}
			} else {
				answers[q.Key] = Answer{Value: values[rng.IntN(len(values))]}
			}
		}
	}
	return qs, answers, multi
}

func optionValues(q Question) []string {
	var vs []string
	for v := range q.Options {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

func checkInvariants(t *testing.T, seed uint64, qs []Question, answers map[string]Answer, r Result) {
	t.Helper()
	if r.OverallBP < 0 || r.OverallBP > Full {
		t.Fatalf("seed %d: overall %d out of range", seed, r.OverallBP)
	}
	if r.CoverageBP < 0 || r.CoverageBP > Full {
		t.Fatalf("seed %d: coverage %d out of range", seed, r.CoverageBP)
	}
	sum := 0
	var weighted int64
	for _, s := range r.Questions {
		if s.Contribution < 0 {
			t.Fatalf("seed %d: %s contribution %d < 0", seed, s.Key, s.Contribution)
		}
		if s.ScoreBP < 0 || s.ScoreBP > Full {
			t.Fatalf("seed %d: %s score %d out of range", seed, s.Key, s.ScoreBP)
		}
		sum += s.Contribution
		if s.Outcome == OutcomeScored || s.Outcome == OutcomeUnanswered {
			weighted += int64(s.Weight) * int64(s.ScoreBP)
			// each contribution is its exact share, rounded down or up
			if r.ApplicableWeight > 0 {
				lo := int(int64(s.Weight) * int64(s.ScoreBP) / int64(r.ApplicableWeight))
				if s.Contribution != lo && s.Contribution != lo+1 {
					t.Fatalf("seed %d: %s contribution %d, exact share floor %d", seed, s.Key, s.Contribution, lo)
				}
			}
		} else if s.Contribution != 0 {
			t.Fatalf("seed %d: %s (%s) contributes %d", seed, s.Key, s.Outcome, s.Contribution)
		}
	}
	if sum != r.OverallBP {
		t.Fatalf("seed %d: contributions sum to %d, overall %d", seed, sum, r.OverallBP)
	}
	// overall recomputed independently: Σ w·s / Σ w, rounded half up
	if r.ApplicableWeight > 0 {
		w := int64(r.ApplicableWeight)
		want := int(weighted / w)
		if 2*(weighted%w) >= w {
			want++
		}
		if r.OverallBP != want {
			t.Fatalf("seed %d: overall %d, recomputed %d", seed, r.OverallBP, want)
		}
	} else if r.OverallBP != 0 || r.CoverageBP != 0 {
		t.Fatalf("seed %d: nothing applicable but overall %d coverage %d", seed, r.OverallBP, r.CoverageBP)
	}
	if r.AnsweredWeight > r.ApplicableWeight {
		t.Fatalf("seed %d: answered %d > applicable %d", seed, r.AnsweredWeight, r.ApplicableWeight)
	}
	if again := Score(qs, answers); !reflect.DeepEqual(again, r) {
		t.Fatalf("seed %d: not deterministic", seed)
	}
}

const propertyRuns = 4000

func TestPropertyInvariants(t *testing.T) {
	for seed := uint64(0); seed < propertyRuns; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		qs, answers, _ := genCase(rng)
		checkInvariants(t, seed, qs, answers, Score(qs, answers))
	}
}

// TestPropertyImprove: replacing one answer (or one value of a multi_choice answer, or no answer) by an
// option scoring higher never lowers the overall score.
func TestPropertyImprove(t *testing.T) {
	improved := 0
	for seed := uint64(0); seed < propertyRuns; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		qs, answers, multi := genCase(rng)
		if len(qs) == 0 {
			continue
		}
		before := Score(qs, answers)
		q := qs[rng.IntN(len(qs))]
		cur, answered := answers[q.Key]
		next := Answer{}
		pick := func(above int) (string, bool) {
			var better []string
			for _, v := range optionValues(q) {
				if v != q.NA && q.Options[v] > above {
					better = append(better, v)
				}
			}
			if len(better) == 0 {
				return "", false
			}
			return better[rng.IntN(len(better))], true
		}
		switch {
		case !answered || (cur.Value == "" && len(cur.Values) == 0):
			v, ok := pick(-1 << 30)
			if !ok {
				continue
			}
			if multi[q.Key] {
				next.Values = []string{v}
			} else {
				next.Value = v
			}
		case len(cur.Values) > 0:
			i := rng.IntN(len(cur.Values))
			if cur.Values[i] == q.NA {
				continue // replacing N/A would change what is applicable
			}
			v, ok := pick(q.Options[cur.Values[i]])
			if !ok {
				continue
			}
			next.Values = slices.Clone(cur.Values)
			next.Values[i] = v
		default:
			if cur.Value == q.NA {
				continue
			}
			v, ok := pick(q.Options[cur.Value])
			if !ok {
				continue
			}
			next.Value = v
		}
		after := map[string]Answer{}
		for k, v := range answers {
			after[k] = v
		}
		after[q.Key] = next
		r := Score(qs, after)
		checkInvariants(t, seed, qs, after, r)
		if r.OverallBP < before.OverallBP {
			t.Fatalf("seed %d: improving %s (%+v → %+v) lowered the overall score %d → %d", seed, q.Key, cur, next, before.OverallBP, r.OverallBP)
		}
		improved++
	}
	if improved < propertyRuns/3 {
		t.Fatalf("only %d improvements tried", improved)
	}
}

// TestPropertyPermutation: the order of the questions changes no number. Sections are listed in order
// of first appearance, so they are compared by key; contributions may differ only where apportioning
// breaks ties by order, so each stays within one point of its exact share (checked by the invariants).
func TestPropertyPermutation(t *testing.T) {
	for seed := uint64(0); seed < propertyRuns; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		qs, answers, _ := genCase(rng)
		a := Score(qs, answers)
		perm := slices.Clone(qs)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		b := Score(perm, answers)
		checkInvariants(t, seed, perm, answers, b)
		if a.OverallBP != b.OverallBP || a.CoverageBP != b.CoverageBP || a.ApplicableWeight != b.ApplicableWeight || a.AnsweredWeight != b.AnsweredWeight {
			t.Fatalf("seed %d: totals differ after permutation: %+v vs %+v", seed, a, b)
		}
		sortRollups := func(rs []Rollup) []Rollup {
			rs = slices.Clone(rs)
			slices.SortFunc(rs, func(x, y Rollup) int { return strings.Compare(x.Key, y.Key) })
			return rs
		}
		if !reflect.DeepEqual(sortRollups(a.Sections), sortRollups(b.Sections)) {
			t.Fatalf("seed %d: sections differ:\n%+v\n%+v", seed, a.Sections, b.Sections)
		}
		if !reflect.DeepEqual(a.Controls, b.Controls) {
			t.Fatalf("seed %d: controls differ:\n%+v\n%+v", seed, a.Controls, b.Controls)
		}
		ka, kb := byKey(a), byKey(b)
		for k, x := range ka {
			y := kb[k]
			if x.Outcome != y.Outcome || x.ScoreBP != y.ScoreBP || x.Weight != y.Weight || x.Section != y.Section {
				t.Fatalf("seed %d: %s differs: %+v vs %+v", seed, k, x, y)
			}
		}
	}
}
