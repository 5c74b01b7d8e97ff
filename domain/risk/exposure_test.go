package risk

import (
	"math"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

func jpy(n int64) domain.Money { return domain.Money{Amount: n, Currency: "JPY"} }
func usd(n int64) domain.Money { return domain.Money{Amount: n, Currency: "USD"} }

// seedCosts are the built-in policy's breach costs: the seed's 500 JPY compensation per person.
var seedCosts = []CostPerRecord{
	{DataPersonal, jpy(500)}, {DataSensitivePersonal, jpy(500)}, {DataPaymentCard, jpy(500)}, {DataCredentials, jpy(500)},
}

func TestBreachExposure(t *testing.T) {
	tests := []struct {
		name   string
		hs     []Holding
		costs  []CostPerRecord
		lines  []ExposureLine
		totals []domain.Money
	}{
		{
			name: "seed: 1,150,000 card members × 500 JPY", hs: []Holding{{DataPersonal, 1_150_000}}, costs: seedCosts,
			lines:  []ExposureLine{{DataPersonal, 1_150_000, jpy(500), jpy(575_000_000)}},
			totals: []domain.Money{jpy(575_000_000)},
		},
		{
			name: "seed: 4,510,000 × 500 JPY", hs: []Holding{{DataPersonal, 4_510_000}}, costs: seedCosts,
			lines:  []ExposureLine{{DataPersonal, 4_510_000, jpy(500), jpy(2_255_000_000)}},
			totals: []domain.Money{jpy(2_255_000_000)},
		},
		{
			name: "several categories, two currencies, totalled per currency in code order",
			hs: []Holding{{DataPublic, 10_000}, {DataPersonal, 1_000}, {DataPaymentCard, 200}, {DataConfidential, 50},
				{DataCredentials, 3}},
			costs: []CostPerRecord{{DataPersonal, jpy(500)}, {DataPaymentCard, usd(1_250)}, {DataConfidential, jpy(300)},
				{DataCredentials, usd(10_000)}, {DataSensitivePersonal, jpy(9_999)}},
			lines: []ExposureLine{
				{DataPersonal, 1_000, jpy(500), jpy(500_000)},
				{DataPaymentCard, 200, usd(1_250), usd(250_000)},
				{DataConfidential, 50, jpy(300), jpy(15_000)},
				{DataCredentials, 3, usd(10_000), usd(30_000)},
			},
			totals: []domain.Money{jpy(515_000), usd(280_000)},
		},
		{
			name: "categories without a cost add nothing", hs: []Holding{{DataPublic, 5_000_000}, {DataInternal, 20_000}},
			costs: seedCosts,
		},
		{name: "no holdings", costs: seedCosts},
		{name: "no costs", hs: []Holding{{DataPersonal, 1_150_000}}},
		{
			name: "zero records give a zero line", hs: []Holding{{DataPersonal, 0}}, costs: seedCosts,
			lines:  []ExposureLine{{DataPersonal, 0, jpy(500), jpy(0)}},
			totals: []domain.Money{jpy(0)},
		},
		{
			name: "largest amount that fits: 7 × (MaxInt64 / 7)", hs: []Holding{{DataPersonal, 7}},
			costs:  []CostPerRecord{{DataPersonal, jpy(math.MaxInt64 / 7)}},
			lines:  []ExposureLine{{DataPersonal, 7, jpy(math.MaxInt64 / 7), jpy(math.MaxInt64)}},
			totals: []domain.Money{jpy(math.MaxInt64)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := BreachExposure(tt.hs, tt.costs)
			if err != nil {
				t.Fatalf("BreachExposure: %v", err)
			}
			if !equalLines(e.Lines, tt.lines) {
				t.Errorf("lines = %+v\nwant    %+v", e.Lines, tt.lines)
			}
			if !equalMoney(e.Totals, tt.totals) {
				t.Errorf("totals = %v, want %v", e.Totals, tt.totals)
			}
			// The totals are the lines added up per currency.
			sums := map[string]int64{}
			for _, l := range e.Lines {
				if l.Amount.Amount != l.Records*l.CostPerRecord.Amount || l.Amount.Currency != l.CostPerRecord.Currency {
					t.Errorf("line %+v: amount is not records × cost", l)
				}
				sums[l.Amount.Currency] += l.Amount.Amount
			}
			for _, m := range e.Totals {
				if sums[m.Currency] != m.Amount {
					t.Errorf("total %v, lines add up to %d", m, sums[m.Currency])
				}
			}
		})
	}
}

func equalLines(a, b []ExposureLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalMoney(a, b []domain.Money) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBreachExposureRefusesOverflow(t *testing.T) {
	tests := []struct {
		name    string
		hs      []Holding
		costs   []CostPerRecord
		errPart string
	}{
		{
			name: "one line: 7 × (MaxInt64/7 + 1)", hs: []Holding{{DataPersonal, 7}},
			costs: []CostPerRecord{{DataPersonal, jpy(math.MaxInt64/7 + 1)}}, errPart: "overflows",
		},
		{
			name: "one line: ten billion records × 10^9", hs: []Holding{{DataPaymentCard, 10_000_000_000}},
			costs: []CostPerRecord{{DataPaymentCard, usd(1_000_000_000)}}, errPart: "payment_card",
		},
		{
			name: "one line: high word of the product set", hs: []Holding{{DataPersonal, math.MaxInt64}},
			costs: []CostPerRecord{{DataPersonal, jpy(math.MaxInt64)}}, errPart: "overflows",
		},
		{
			name: "the total of two lines that each fit", hs: []Holding{{DataPersonal, 1}, {DataCredentials, 1}},
			costs:   []CostPerRecord{{DataPersonal, jpy(math.MaxInt64/2 + 1)}, {DataCredentials, jpy(math.MaxInt64/2 + 1)}},
			errPart: "exposure total in JPY overflows",
		},
		{
			name: "negative records", hs: []Holding{{DataPersonal, -1}}, costs: seedCosts, errPart: "negative",
		},
		{
			name: "negative cost", hs: []Holding{{DataPersonal, 1}}, costs: []CostPerRecord{{DataPersonal, jpy(-500)}}, errPart: "negative",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := BreachExposure(tt.hs, tt.costs)
			if err == nil {
				t.Fatalf("no error; exposure %+v", e)
			}
			if !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("error %q does not mention %q", err, tt.errPart)
			}
			if len(e.Lines) != 0 || len(e.Totals) != 0 {
				t.Errorf("an error returned a partial exposure %+v", e)
			}
		})
	}
}

// The same currency split over lines in another currency between still totals once, and the totals do not
// depend on the order of the holdings.
func TestBreachExposureTotalsIndependentOfOrder(t *testing.T) {
	costs := []CostPerRecord{{DataPersonal, jpy(500)}, {DataPaymentCard, usd(300)}, {DataCredentials, jpy(700)}}
	a, err := BreachExposure([]Holding{{DataPersonal, 10}, {DataPaymentCard, 20}, {DataCredentials, 30}}, costs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BreachExposure([]Holding{{DataCredentials, 30}, {DataPaymentCard, 20}, {DataPersonal, 10}}, costs)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.Money{jpy(10*500 + 30*700), usd(20 * 300)}
	if !equalMoney(a.Totals, want) || !equalMoney(b.Totals, want) {
		t.Errorf("totals %v and %v, want %v", a.Totals, b.Totals, want)
	}
}
