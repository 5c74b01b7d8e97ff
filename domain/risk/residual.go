package risk

import "github.com/vendorrisk/vendorrisk/domain"

// ResidualVersion names the residual-risk rules below.
const ResidualVersion = "residual-v1"

// ControlCap is how much of the inherent risk perfect controls can remove, in basis points: controls
// reduce risk, they never erase it.
const ControlCap = 7000

// Level is a residual risk level from the 5 × 5 matrix.
type Level string

const (
	LevelLow      Level = "low"
	LevelMedium   Level = "medium"
	LevelHigh     Level = "high"
	LevelCritical Level = "critical"
)

// Residual is the risk left after the vendor's controls, with its arithmetic.
type Residual struct {
	Version         string
	InherentScore   int // 0..100
	ControlScoreBP  int // 0..10000
	ReductionBP     int // control score × cap
	ScoreX100       int // residual score × 100 (two decimals, integer)
	Likelihood      int // 1..5
	Impact          int // 1..5
	Product         int // likelihood × impact
	Level           Level
	Explanation     []string
	Texts           []domain.Text // Explanation as Texts, for other languages (empty in snapshots made before them)
	LikelihoodBands []int         // lowest residual score of likelihood 2..5
}

// likelihoodBands: residual 0-19 → 1, 20-39 → 2, 40-59 → 3, 60-79 → 4, 80-100 → 5.
var likelihoodBands = []int{20, 40, 60, 80}

// ResidualOf computes residual = inherent × (1 − control score × cap), places it on the matrix with
// likelihood from the residual score and impact = the highest of C, I and A, and reads the level from
// likelihood × impact: 15+ critical, 10+ high, 5+ medium, else low.
func ResidualOf(inherentScore, controlScoreBP int, impact CIA) Residual {
	inherentScore = min(max(inherentScore, 0), 100)
	controlScoreBP = min(max(controlScoreBP, 0), 10000)
	r := Residual{Version: ResidualVersion, InherentScore: inherentScore, ControlScoreBP: controlScoreBP,
		LikelihoodBands: likelihoodBands}
	r.ReductionBP = controlScoreBP * ControlCap / 10000
	// inherent × 100 × (10000 − reduction) / 10000, rounded half up.
	r.ScoreX100 = (inherentScore*100*(10000-r.ReductionBP)*2 + 10000) / 20000
	r.Likelihood = 1
	for _, b := range likelihoodBands {
		if r.ScoreX100 >= b*100 {
			r.Likelihood++
		}
	}
	r.Impact = min(max(impact.C, impact.I, impact.A, 1), 5)
	r.Product = r.Likelihood * r.Impact
	switch {
	case r.Product >= 15:
		r.Level = LevelCritical
	case r.Product >= 10:
		r.Level = LevelHigh
	case r.Product >= 5:
		r.Level = LevelMedium
	default:
		r.Level = LevelLow
	}
	r.Texts = []domain.Text{
		domain.Textf("control reduction = control score %d bp × cap %d bp = %d bp", controlScoreBP, ControlCap, r.ReductionBP),
		domain.Textf("residual score = inherent %d × (1 − %d bp) = %d.%02d", inherentScore, r.ReductionBP, r.ScoreX100/100, r.ScoreX100%100),
		domain.Textf("likelihood %d (residual bands from 20, 40, 60, 80); impact %d = highest of C %d, I %d, A %d", r.Likelihood, r.Impact, impact.C, impact.I, impact.A),
		domain.Textf("level %s: likelihood × impact = %d (15+ critical, 10+ high, 5+ medium, else low)", string(r.Level), r.Product),
	}
	r.Explanation = make([]string, len(r.Texts))
	for i, t := range r.Texts {
		r.Explanation[i] = t.String()
	}
	return r
}
