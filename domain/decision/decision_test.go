package decision_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// TestLapses checks each reason an approval stops holding, alone and together, and the edges that must
// not lapse: a met condition, a condition due today, the same assessment again, an equal or lower level,
// a certification still valid, the review date itself.
func TestLapses(t *testing.T) {
	now := time.Date(2025, 6, 10, 9, 30, 0, 0, time.UTC) // today is 2025-06-10
	iso := decision.Certification{ID: "cert-iso", Name: "ISO/IEC 27001", ValidUntil: date(2025, 6, 9)}
	soc := decision.Certification{ID: "cert-soc", Name: "SOC 2", ValidUntil: date(2026, 1, 1)}
	condPast := decision.Condition{ID: "c-past", Kind: decision.ConditionRemediation, Description: "Enforce MFA", DueDate: date(2025, 6, 9)}
	condToday := decision.Condition{ID: "c-today", Kind: decision.ConditionRemediation, Description: "Rotate keys", DueDate: date(2025, 6, 10)}
	condFuture := decision.Condition{ID: "c-future", Kind: decision.ConditionContractClause, Description: "Audit clause", DueDate: date(2025, 7, 1)}
	residual := func(l risk.Level) *risk.Residual { return &risk.Residual{Level: l} }

	// base is an approved decision that still holds: approved at medium on assessment a1, with a valid
	// certification, valid until the end of the year.
	base := func() decision.Decision {
		return decision.Decision{ID: "d1", Status: decision.StatusApproved, ApprovedLevel: risk.LevelMedium,
			Snapshot:   decision.Inputs{AssessmentID: "a1", Residual: residual(risk.LevelMedium), ValidCerts: []decision.Certification{soc}},
			ValidUntil: ptr(date(2025, 12, 31))}
	}
	cur := func() decision.Inputs {
		return decision.Inputs{AssessmentID: "a1", Residual: residual(risk.LevelMedium), ValidCerts: []decision.Certification{soc},
			ExpiredCerts: []decision.Certification{}}
	}

	tests := []struct {
		name string
		d    func(d *decision.Decision)
		cur  func(in *decision.Inputs)
		met  map[string]bool
		want []string // substrings, one per reason, in order
	}{
		{name: "nothing changed holds"},
		{name: "a condition past due and unmet lapses",
			d:    func(d *decision.Decision) { d.Conditions = []decision.Condition{condPast} },
			want: []string{`condition "Enforce MFA" was due on 2025-06-09 and is not met`}},
		{name: "a met condition never lapses, however late",
			d:   func(d *decision.Decision) { d.Conditions = []decision.Condition{condPast} },
			met: map[string]bool{"c-past": true}},
		{name: "a condition due today does not lapse yet",
			d: func(d *decision.Decision) { d.Conditions = []decision.Condition{condToday, condFuture} }},
		{name: "only the unmet past-due condition lapses",
			d:    func(d *decision.Decision) { d.Conditions = []decision.Condition{condToday, condPast, condFuture} },
			met:  map[string]bool{"c-today": false, "c-future": true},
			want: []string{`"Enforce MFA"`}},
		{name: "a newer assessment above the approved level lapses",
			cur:  func(in *decision.Inputs) { in.AssessmentID, in.Residual = "a2", residual(risk.LevelHigh) },
			want: []string{"assessment a2 moved the residual risk from medium to high, above the level approved"}},
		{name: "a newer assessment at the approved level holds",
			cur: func(in *decision.Inputs) { in.AssessmentID, in.Residual = "a2", residual(risk.LevelMedium) }},
		{name: "a newer assessment below the approved level holds",
			cur: func(in *decision.Inputs) { in.AssessmentID, in.Residual = "a2", residual(risk.LevelLow) }},
		{name: "the same assessment never counts as newer",
			cur: func(in *decision.Inputs) { in.Residual = residual(risk.LevelCritical) }},
		{name: "a newer assessment without a residual holds",
			cur: func(in *decision.Inputs) { in.AssessmentID, in.Residual = "a2", nil }},
		{name: "approved before any assessment: a first result up to medium holds",
			d: func(d *decision.Decision) {
				d.ApprovedLevel, d.Snapshot.AssessmentID, d.Snapshot.Residual = "", "", nil
			},
			cur: func(in *decision.Inputs) { in.AssessmentID, in.Residual = "a2", residual(risk.LevelMedium) }},
		{name: "approved before any assessment: a first result of high lapses",
			d: func(d *decision.Decision) {
				d.ApprovedLevel, d.Snapshot.AssessmentID, d.Snapshot.Residual = "", "", nil
			},
			cur:  func(in *decision.Inputs) { in.AssessmentID, in.Residual = "a2", residual(risk.LevelHigh) },
			want: []string{"from none (approved before any completed assessment; up to medium holds) to high"}},
		{name: "a certification valid at request that expired lapses",
			d: func(d *decision.Decision) { d.Snapshot.ValidCerts = []decision.Certification{soc, iso} },
			cur: func(in *decision.Inputs) {
				in.ValidCerts, in.ExpiredCerts = []decision.Certification{soc}, []decision.Certification{iso}
			},
			want: []string{"certification ISO/IEC 27001 expired (valid until 2025-06-09)"}},
		{name: "a certification valid at request that was removed lapses",
			cur:  func(in *decision.Inputs) { in.ValidCerts = nil },
			want: []string{"certification SOC 2 was removed from the vendor"}},
		{name: "a certification expired already at request does not lapse again",
			d:   func(d *decision.Decision) { d.Snapshot.ExpiredCerts = []decision.Certification{iso} },
			cur: func(in *decision.Inputs) { in.ExpiredCerts = []decision.Certification{iso} }},
		{name: "a new certification changes nothing",
			cur: func(in *decision.Inputs) {
				in.ValidCerts = append(in.ValidCerts, decision.Certification{ID: "new", Name: "New"})
			}},
		{name: "the day after the review date lapses",
			d:    func(d *decision.Decision) { d.ValidUntil = ptr(date(2025, 6, 9)) },
			want: []string{"the review date 2025-06-09 has passed"}},
		{name: "the review date itself still holds",
			d: func(d *decision.Decision) { d.ValidUntil = ptr(date(2025, 6, 10)) }},
		{name: "no review date never lapses on time",
			d: func(d *decision.Decision) { d.ValidUntil = nil }},
		{name: "every reason at once, in order",
			d: func(d *decision.Decision) {
				d.Conditions = []decision.Condition{condPast, condToday}
				d.Snapshot.ValidCerts = []decision.Certification{soc, iso}
				d.ValidUntil = ptr(date(2025, 6, 1))
			},
			cur: func(in *decision.Inputs) {
				in.AssessmentID, in.Residual = "a2", residual(risk.LevelCritical)
				in.ValidCerts, in.ExpiredCerts = nil, []decision.Certification{iso}
			},
			want: []string{`"Enforce MFA"`, "to critical", "SOC 2 was removed", "ISO/IEC 27001 expired", "review date 2025-06-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, in := base(), cur()
			if tt.d != nil {
				tt.d(&d)
			}
			if tt.cur != nil {
				tt.cur(&in)
			}
			got := decision.Lapses(d, now, in, tt.met)
			if len(got) != len(tt.want) {
				t.Fatalf("Lapses = %q, want %d reasons like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("reason %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}

	// The time of day and the zone of now do not matter: the day is the UTC date.
	d := base()
	d.Conditions = []decision.Condition{condToday}
	late := time.Date(2025, 6, 10, 23, 59, 59, 0, time.UTC).In(time.FixedZone("JST", 9*3600)) // 2025-06-11 08:59 JST
	if got := decision.Lapses(d, late, cur(), nil); len(got) != 0 {
		t.Errorf("Lapses at the last second of the due day = %q, want none", got)
	}
	if got := decision.Lapses(d, late.Add(time.Second), cur(), nil); len(got) != 1 {
		t.Errorf("Lapses at the first second after the due day = %q, want one", got)
	}
}
