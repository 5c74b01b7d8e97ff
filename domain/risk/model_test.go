package risk

import (
	"bytes"
	"encoding/json"
	"flag"
	"github.com/vendorrisk/vendorrisk/domain"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func hours(h int) *int { return &h }

// factorOrder is the documented order of the contributions, with each factor's maximum (docs/risk-model.md).
var factorOrder = []struct {
	name string
	max  int
}{
	{"data_sensitivity", 20}, {"data_volume", 15}, {"cia_impact", 24}, {"criticality", 15},
	{"access", 12}, {"internet_exposure", 5}, {"fourth_parties", 4}, {"hosting_and_location", 5},
}

// wantTierFor is the documented score band table, written out independently of the model's thresholds.
func wantTierFor(score int) Tier {
	switch {
	case score >= 70:
		return Tier1Critical
	case score >= 45:
		return Tier2High
	case score >= 25:
		return Tier3Medium
	default:
		return Tier4Low
	}
}

type goldenCase struct {
	name      string
	in        Input
	score     int
	scoreTier Tier
	tier      Tier
	rules     int            // number of floor rules applied
	points    map[string]int // factors whose points the case is about
	basis     map[string]string
}

// goldenCases are the named situations of the model. Each one states the facts it exists for (score, tiers,
// the points of the factors it is about); the golden file records the whole explained assessment.
func goldenCases() []goldenCase {
	low := CIA{1, 1, 1}
	cs := []goldenCase{
		{
			name: "no_data", in: Input{},
			score: 0, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"data_sensitivity": 0, "data_volume": 0, "cia_impact": 0, "criticality": 0,
				"access": 0, "internet_exposure": 0, "fourth_parties": 0, "hosting_and_location": 0},
			basis: map[string]string{"data_sensitivity": "no data handled", "hosting_and_location": "not cloud-hosted, no data held (+0)"},
		},
		{
			name: "no_data_derived_impact", in: Input{Impact: DefaultImpact(nil, false, nil), HomeCountry: "JP"},
			score: 0, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"cia_impact": 0},
		},
		{
			name: "public_only",
			in: Input{Holdings: []Holding{{DataPublic, 50_000}}, Impact: DefaultImpact([]Holding{{DataPublic, 50_000}}, false, nil),
				Access: AccessDataTransfer, HomeCountry: "JP"},
			score: 8, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"data_sensitivity": 0, "data_volume": 0, "cia_impact": 4, "access": 4, "hosting_and_location": 0},
			basis: map[string]string{
				"data_sensitivity":     "most sensitive category held: public (0 points)",
				"data_volume":          "0 non-public records: below 1",
				"hosting_and_location": "not cloud-hosted, no data held (+0)",
			},
		},
		{
			// docs/risk-model.md "Worked example": a cloud provider (iaas) holding the seed's 1,150,000 card
			// members' personal records in Japan.
			name: "seed_card_members_personal_iaas_jp",
			in: Input{Holdings: []Holding{{DataPersonal, 1_150_000}}, Impact: DefaultImpact([]Holding{{DataPersonal, 1_150_000}}, false, nil),
				Substitutability: SubstituteModerate, Access: AccessDataTransfer, CloudHosted: true,
				DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 47, scoreTier: Tier2High, tier: Tier2High,
			points: map[string]int{"data_sensitivity": 12, "data_volume": 15, "cia_impact": 12, "criticality": 2,
				"access": 4, "internet_exposure": 0, "fourth_parties": 0, "hosting_and_location": 2},
			basis: map[string]string{
				"data_volume":          "1150000 non-public records: band >= 1000000",
				"cia_impact":           "2 × ((C 4 − 1) + (I 3 − 1) + (A 2 − 1))",
				"hosting_and_location": "cloud-hosted service (+2); data stored in JP only (+0)",
			},
		},
		{
			name: "sensitive_personal_millions_floor_tier1",
			in: Input{Holdings: []Holding{{DataSensitivePersonal, 3_000_000}}, Impact: DefaultImpact([]Holding{{DataSensitivePersonal, 3_000_000}}, false, nil),
				Substitutability: SubstituteEasy, Access: AccessNone, DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 53, scoreTier: Tier2High, tier: Tier1Critical, rules: 1,
			points: map[string]int{"data_sensitivity": 20, "data_volume": 15, "cia_impact": 18},
		},
		{
			name:  "high_harm_999999_floor_tier2_only",
			in:    Input{Holdings: []Holding{{DataSensitivePersonal, 999_999}}, Impact: low, DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 32, scoreTier: Tier3Medium, tier: Tier2High, rules: 1,
		},
		{
			name:  "payment_card_100k_floor_tier2",
			in:    Input{Holdings: []Holding{{DataPaymentCard, 100_000}}, Impact: low, Substitutability: SubstituteEasy, DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 28, scoreTier: Tier3Medium, tier: Tier2High, rules: 1,
			points: map[string]int{"data_sensitivity": 16, "data_volume": 12},
		},
		{
			name:  "payment_card_99999_no_floor",
			in:    Input{Holdings: []Holding{{DataPaymentCard, 99_999}}, Impact: low, Substitutability: SubstituteEasy, DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 25, scoreTier: Tier3Medium, tier: Tier3Medium,
		},
		{
			// The floor counts the high-harm categories together.
			name: "high_harm_summed_over_categories_floor_tier2",
			in: Input{Holdings: []Holding{{DataPaymentCard, 60_000}, {DataCredentials, 40_000}, {DataPersonal, 900_000}}, Impact: low,
				Substitutability: SubstituteEasy, DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 31, scoreTier: Tier3Medium, tier: Tier2High, rules: 1,
			points: map[string]int{"data_sensitivity": 16, "data_volume": 15},
		},
		{
			name: "privileged_admin_critical_easy_floor_tier2",
			in: Input{Impact: low, CriticalProcess: true, Substitutability: SubstituteEasy, Access: AccessPrivilegedAdm,
				HomeCountry: "JP"},
			score: 20, scoreTier: Tier4Low, tier: Tier2High, rules: 1,
			points: map[string]int{"criticality": 8, "access": 12},
			basis:  map[string]string{"criticality": "a critical process stops without the vendor (+8); no RTO given (+0); easy to substitute (+0)"},
		},
		{
			name:  "privileged_admin_not_critical_no_floor",
			in:    Input{Impact: low, Substitutability: SubstituteEasy, Access: AccessPrivilegedAdm, HomeCountry: "JP"},
			score: 12, scoreTier: Tier4Low, tier: Tier4Low,
		},
		{
			name: "max_everything",
			in: Input{Holdings: []Holding{{DataSensitivePersonal, 2_000_000}, {DataPaymentCard, 500_000}}, Impact: CIA{5, 5, 5},
				CriticalProcess: true, RTOHours: hours(1), Substitutability: SubstituteHard, Access: AccessPrivilegedAdm,
				InternetFacing: true, FourthParties: 12, CloudHosted: true, DataLocations: []string{"US"}, HomeCountry: "JP"},
			score: 100, scoreTier: Tier1Critical, tier: Tier1Critical,
			points: map[string]int{"data_sensitivity": 20, "data_volume": 15, "cia_impact": 24, "criticality": 15,
				"access": 12, "internet_exposure": 5, "fourth_parties": 4, "hosting_and_location": 5},
		},
		{
			name:  "data_location_unknown",
			in:    Input{Holdings: []Holding{{DataPersonal, 500}}, Impact: low, Substitutability: SubstituteEasy, HomeCountry: "JP"},
			score: 18, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"hosting_and_location": 3},
			basis:  map[string]string{"hosting_and_location": "data held but its location is unknown (+3)"},
		},
		{
			name: "data_abroad_cloud",
			in: Input{Holdings: []Holding{{DataPersonal, 500}}, Impact: low, Substitutability: SubstituteEasy, CloudHosted: true,
				DataLocations: []string{"JP", "US", "SG"}, HomeCountry: "JP"},
			score: 20, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"hosting_and_location": 5},
			basis:  map[string]string{"hosting_and_location": "cloud-hosted service (+2); data stored outside JP: [US SG] (+3)"},
		},
		{
			name: "data_at_home_only",
			in: Input{Holdings: []Holding{{DataPersonal, 500}}, Impact: low, Substitutability: SubstituteEasy,
				DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 15, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"hosting_and_location": 0},
			basis:  map[string]string{"hosting_and_location": "data stored in JP only (+0)"},
		},
	}
	// RTO bands: <= 4 h +4, <= 24 h +2, above +0 (no critical process, easy substitution: RTO points only).
	for _, b := range []struct{ h, points int }{{4, 4}, {5, 2}, {24, 2}, {25, 0}} {
		cs = append(cs, goldenCase{
			name:  "rto_" + strconv.Itoa(b.h) + "h",
			in:    Input{Impact: low, RTOHours: hours(b.h), Substitutability: SubstituteEasy, HomeCountry: "JP"},
			score: b.points, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"criticality": b.points},
		})
	}
	// Volume bands over personal records (not high-harm: no floor), with the location known.
	for _, b := range []struct {
		records int64
		points  int
	}{{0, 0}, {1, 3}, {999, 3}, {1_000, 6}, {9_999, 6}, {10_000, 9}, {99_999, 9}, {100_000, 12}, {999_999, 12}, {1_000_000, 15}} {
		cs = append(cs, goldenCase{
			name:  "volume_" + strconv.Itoa(int(b.records)),
			in:    Input{Holdings: []Holding{{DataPersonal, b.records}}, Impact: low, Substitutability: SubstituteEasy, DataLocations: []string{"JP"}, HomeCountry: "JP"},
			score: 12 + b.points, scoreTier: wantTierFor(12 + b.points), tier: wantTierFor(12 + b.points),
			points: map[string]int{"data_sensitivity": 12, "data_volume": b.points},
		})
	}
	for _, b := range []struct{ n, points int }{{0, 0}, {1, 2}, {2, 2}, {3, 4}} {
		cs = append(cs, goldenCase{
			name:  "fourth_parties_" + strconv.Itoa(b.n),
			in:    Input{Impact: low, Substitutability: SubstituteEasy, FourthParties: b.n, HomeCountry: "JP"},
			score: b.points, scoreTier: Tier4Low, tier: Tier4Low,
			points: map[string]int{"fourth_parties": b.points},
		})
	}
	return cs
}

func TestAssessGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range goldenCases() {
		if seen[tc.name] {
			t.Fatalf("two golden cases named %s", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			a := Assess(tc.in)
			checkInvariants(t, tc.in, a)
			if a.Score != tc.score || a.ScoreTier != tc.scoreTier || a.Tier != tc.tier || len(a.RulesApplied) != tc.rules {
				t.Errorf("score %d, score tier %d, tier %d, %d rules %q; want %d, %d, %d, %d rules",
					a.Score, a.ScoreTier, a.Tier, len(a.RulesApplied), a.RulesApplied, tc.score, tc.scoreTier, tc.tier, tc.rules)
			}
			for f, want := range tc.points {
				if got := contribution(t, a, f).Points; got != want {
					t.Errorf("%s points = %d, want %d", f, got, want)
				}
			}
			for f, want := range tc.basis {
				if got := contribution(t, a, f).Basis; got != want {
					t.Errorf("%s basis = %q, want %q", f, got, want)
				}
			}
			// Parts are the basis for other languages: the same facts as Basis, which the golden holds.
			type basis struct {
				Factor      string
				Points, Max int
				Basis       string
			}
			cs := make([]basis, len(a.Contributions))
			for i, c := range a.Contributions {
				if joined := domain.JoinTexts(c.Parts, "; "); joined != c.Basis {
					t.Errorf("%s: parts read %q, basis %q", c.Factor, joined, c.Basis)
				}
				cs[i] = basis{c.Factor, c.Points, c.Max, c.Basis}
			}
			type assessment struct {
				ModelVersion     string
				Score            int
				ScoreTier        Tier
				Tier             Tier
				Contributions    []basis
				RulesApplied     []string
				TierThresholds   []Threshold
				MaxPossibleScore int
			}
			compareGolden(t, filepath.Join("testdata", tc.name+".golden"), struct {
				Input      Input
				Assessment assessment
			}{tc.in, assessment{a.ModelVersion, a.Score, a.ScoreTier, a.Tier, cs, a.RulesApplied, a.TierThresholds, a.MaxPossibleScore}})
		})
	}
}

func contribution(t *testing.T, a Assessment, factor string) Contribution {
	t.Helper()
	for _, c := range a.Contributions {
		if c.Factor == factor {
			return c
		}
	}
	t.Fatalf("no contribution %q in %+v", factor, a.Contributions)
	return Contribution{}
}

func compareGolden(t *testing.T, path string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep ">=" and "→" readable in the basis texts
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	got := buf.Bytes()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./domain/risk -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the assessment (a model change is a new ModelVersion; run with -update only on purpose)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestGoldenFilesHaveCases keeps testdata free of files no case writes any more.
func TestGoldenFilesHaveCases(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range goldenCases() {
		names[tc.name+".golden"] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("%s has no golden case", f)
		}
	}
}

// checkInvariants holds for every assessment, whatever the input.
func checkInvariants(t *testing.T, in Input, a Assessment) {
	t.Helper()
	if a.ModelVersion != "inherent-v1" {
		t.Errorf("ModelVersion = %q", a.ModelVersion)
	}
	if len(a.Contributions) != len(factorOrder) {
		t.Fatalf("%d contributions, want %d", len(a.Contributions), len(factorOrder))
	}
	sum, maxSum := 0, 0
	for i, c := range a.Contributions {
		if c.Factor != factorOrder[i].name || c.Max != factorOrder[i].max {
			t.Errorf("contribution %d is %s (max %d), want %s (max %d)", i, c.Factor, c.Max, factorOrder[i].name, factorOrder[i].max)
		}
		if c.Points < 0 || c.Points > c.Max {
			t.Errorf("%s: %d points outside 0..%d (basis %q)", c.Factor, c.Points, c.Max, c.Basis)
		}
		if c.Basis == "" {
			t.Errorf("%s has no basis", c.Factor)
		}
		sum += c.Points
		maxSum += c.Max
	}
	if a.Score != sum {
		t.Errorf("score %d != sum of points %d", a.Score, sum)
	}
	if a.MaxPossibleScore != 100 || maxSum != 100 {
		t.Errorf("MaxPossibleScore %d, sum of maxima %d; want 100", a.MaxPossibleScore, maxSum)
	}
	if a.Score < 0 || a.Score > 100 {
		t.Errorf("score %d outside 0..100", a.Score)
	}
	if want := wantTierFor(a.Score); a.ScoreTier != want {
		t.Errorf("score %d: ScoreTier %d, want %d", a.Score, a.ScoreTier, want)
	}
	if !a.Tier.Valid() || a.Tier > a.ScoreTier {
		t.Errorf("Tier %d, ScoreTier %d: floors may only raise the tier", a.Tier, a.ScoreTier)
	}
	if (a.Tier != a.ScoreTier) != (len(a.RulesApplied) > 0) {
		t.Errorf("Tier %d, ScoreTier %d, rules %q: a raised tier must name its rule, and only then", a.Tier, a.ScoreTier, a.RulesApplied)
	}
	var harm int64
	for _, h := range in.Holdings {
		if h.Category == DataSensitivePersonal || h.Category == DataPaymentCard || h.Category == DataCredentials {
			harm += h.Records
		}
	}
	switch {
	case harm >= 1_000_000 && a.Tier != Tier1Critical:
		t.Errorf("%d high-harm records: tier %d, want 1", harm, a.Tier)
	case (harm >= 100_000 || (in.Access == AccessPrivilegedAdm && in.CriticalProcess)) && a.Tier > Tier2High:
		t.Errorf("floor to tier 2 not applied: tier %d", a.Tier)
	case harm < 100_000 && !(in.Access == AccessPrivilegedAdm && in.CriticalProcess) && a.Tier != a.ScoreTier:
		t.Errorf("no floor applies, yet tier %d != score tier %d", a.Tier, a.ScoreTier)
	}
	want := []Threshold{{Tier1Critical, 70}, {Tier2High, 45}, {Tier3Medium, 25}, {Tier4Low, 0}}
	if !slices.Equal(a.TierThresholds, want) {
		t.Errorf("TierThresholds = %v, want %v", a.TierThresholds, want)
	}
}

// randomInput draws an input from the documented domain: valid categories, records up to the engagement
// maximum, C/I/A 1..5, valid access and substitutability values.
func randomInput(r *rand.Rand) Input {
	in := Input{
		Impact:          CIA{1 + r.IntN(5), 1 + r.IntN(5), 1 + r.IntN(5)},
		CriticalProcess: r.IntN(2) == 0,
		InternetFacing:  r.IntN(2) == 0,
		FourthParties:   r.IntN(6),
		CloudHosted:     r.IntN(2) == 0,
		HomeCountry:     "JP",
	}
	in.Access = AccessTypes[r.IntN(len(AccessTypes))]
	in.Substitutability = Substitutabilities[r.IntN(len(Substitutabilities))]
	if r.IntN(4) > 0 {
		in.RTOHours = hours(r.IntN(100))
	}
	bands := []int64{0, 1, 999, 1_000, 99_999, 100_000, 999_999, 1_000_000, 10_000_000_000}
	for _, c := range DataCategories {
		if r.IntN(3) == 0 {
			n := bands[r.IntN(len(bands))]
			if r.IntN(2) == 0 {
				n = r.Int64N(2_000_000)
			}
			in.Holdings = append(in.Holdings, Holding{c, n})
		}
	}
	r.Shuffle(len(in.Holdings), func(i, j int) { in.Holdings[i], in.Holdings[j] = in.Holdings[j], in.Holdings[i] })
	for _, l := range []string{"JP", "US", "SG", "DE"} {
		if r.IntN(3) == 0 {
			in.DataLocations = append(in.DataLocations, l)
		}
	}
	if r.IntN(5) == 0 {
		in.Impact = DefaultImpact(in.Holdings, in.CriticalProcess, in.RTOHours)
	}
	return in
}

func TestAssessInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(20261125, 7))
	for i := range 20_000 {
		in := randomInput(r)
		a := Assess(in)
		checkInvariants(t, in, a)
		if again := Assess(in); !reflect.DeepEqual(a, again) {
			t.Fatalf("input %d: the model is not deterministic:\n%+v\n%+v", i, a, again)
		}
		if t.Failed() {
			t.Fatalf("input %d: %+v", i, in)
		}
	}
}

// TestAssessDoesNotChangeInput: the model reads its input only.
func TestAssessDoesNotChangeInput(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		in := randomInput(r)
		before, _ := json.Marshal(in)
		Assess(in)
		after, _ := json.Marshal(in)
		if !bytes.Equal(before, after) {
			t.Fatalf("Assess changed its input:\n%s\n%s", before, after)
		}
	}
}

// TestAssessScoreTierBoundaries puts the score on each side of every tier threshold (no floor applies).
func TestAssessScoreTierBoundaries(t *testing.T) {
	top := func(hs ...Holding) Input { // 57 points before the holdings
		return Input{Holdings: hs, Impact: CIA{5, 5, 5}, Access: AccessDataTransfer, FourthParties: 3, InternetFacing: true,
			CriticalProcess: true, RTOHours: hours(4), Substitutability: SubstituteHard, CloudHosted: true,
			DataLocations: []string{"US"}, HomeCountry: "JP"}
	}
	tests := []struct {
		in    Input
		score int
		want  Tier
	}{
		{Input{Impact: CIA{5, 5, 5}, Substitutability: SubstituteEasy}, 24, Tier4Low},
		{Input{Impact: CIA{5, 5, 3}, InternetFacing: true, Substitutability: SubstituteEasy}, 25, Tier3Medium},
		{Input{Impact: CIA{5, 5, 5}, Access: AccessPrivilegedAdm, FourthParties: 3, RTOHours: hours(4), Substitutability: SubstituteEasy}, 44, Tier3Medium},
		{Input{Impact: CIA{5, 5, 5}, Access: AccessPrivilegedAdm, FourthParties: 3, InternetFacing: true, Substitutability: SubstituteEasy}, 45, Tier2High},
		{top(Holding{DataPersonal, 0}), 69, Tier2High},
		{top(Holding{DataConfidential, 1}), 70, Tier1Critical},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.score), func(t *testing.T) {
			a := Assess(tt.in)
			if a.Score != tt.score {
				t.Fatalf("score %d, want %d: %+v", a.Score, tt.score, a.Contributions)
			}
			if a.ScoreTier != tt.want || a.Tier != tt.want || len(a.RulesApplied) != 0 {
				t.Errorf("score %d: score tier %d, tier %d, rules %q; want tier %d and no rule", a.Score, a.ScoreTier, a.Tier, a.RulesApplied, tt.want)
			}
		})
	}
}

func TestDefaultImpact(t *testing.T) {
	tests := []struct {
		name     string
		hs       []Holding
		critical bool
		rto      *int
		want     CIA
	}{
		{"no data", nil, false, nil, CIA{1, 1, 1}},
		{"public", []Holding{{DataPublic, 10}}, false, nil, CIA{1, 2, 2}},
		{"internal", []Holding{{DataInternal, 10}}, false, nil, CIA{2, 2, 2}},
		{"confidential", []Holding{{DataConfidential, 10}}, false, nil, CIA{4, 3, 3}},
		{"personal", []Holding{{DataPersonal, 10}}, false, nil, CIA{4, 3, 2}},
		{"payment card", []Holding{{DataPaymentCard, 10}}, false, nil, CIA{5, 4, 3}},
		{"credentials", []Holding{{DataCredentials, 10}}, false, nil, CIA{5, 5, 3}},
		{"sensitive personal", []Holding{{DataSensitivePersonal, 10}}, false, nil, CIA{5, 4, 3}},
		{"max over categories: personal and credentials", []Holding{{DataPersonal, 1}, {DataCredentials, 1}}, false, nil, CIA{5, 5, 3}},
		{"max per letter: personal and confidential", []Holding{{DataPersonal, 1}, {DataConfidential, 1}}, false, nil, CIA{4, 3, 3}},
		{"max per letter: public and internal", []Holding{{DataPublic, 1}, {DataInternal, 1}}, false, nil, CIA{2, 2, 2}},
		{"order does not matter", []Holding{{DataCredentials, 1}, {DataPersonal, 1}}, false, nil, CIA{5, 5, 3}},
		{"critical process, no RTO: A 4", nil, true, nil, CIA{1, 1, 4}},
		{"critical process, RTO 4 h: A 5", nil, true, hours(4), CIA{1, 1, 5}},
		{"critical process, RTO 0 h: A 5", nil, true, hours(0), CIA{1, 1, 5}},
		{"critical process, RTO 5 h: A 4", nil, true, hours(5), CIA{1, 1, 4}},
		{"critical process raises a category's A 3 to 4", []Holding{{DataCredentials, 1}}, true, hours(24), CIA{5, 5, 4}},
		{"short RTO alone does not raise A", []Holding{{DataPersonal, 1}}, false, hours(1), CIA{4, 3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultImpact(tt.hs, tt.critical, tt.rto); got != tt.want {
				t.Errorf("DefaultImpact = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTierLabelAndValid(t *testing.T) {
	tests := []struct {
		tier  Tier
		label string
		valid bool
	}{
		{0, "unknown", false}, {Tier1Critical, "critical", true}, {Tier2High, "high", true},
		{Tier3Medium, "medium", true}, {Tier4Low, "low", true}, {5, "unknown", false},
	}
	for _, tt := range tests {
		if got := tt.tier.Label(); got != tt.label {
			t.Errorf("Tier(%d).Label() = %q, want %q", tt.tier, got, tt.label)
		}
		if got := tt.tier.Valid(); got != tt.valid {
			t.Errorf("Tier(%d).Valid() = %v, want %v", tt.tier, got, tt.valid)
		}
	}
}
