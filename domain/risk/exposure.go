package risk

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"

	"github.com/vendorrisk/vendorrisk/domain"
)

// CostPerRecord is what one leaked record of a category costs (compensation per person in the seed:
// 500 JPY), in minor units of its currency.
type CostPerRecord struct {
	Category DataCategory
	Cost     domain.Money
}

// ExposureLine is one category's share: records × cost per record.
type ExposureLine struct {
	Category      DataCategory
	Records       int64
	CostPerRecord domain.Money
	Amount        domain.Money
}

// Exposure is the breach exposure estimate with its arithmetic, totalled per currency.
type Exposure struct {
	Lines  []ExposureLine
	Totals []domain.Money
}

// BreachExposure multiplies each held category's records by its cost. Categories without a cost (e.g.
// public data) add nothing. Amounts that would overflow int64 are an error, never a wrapped number.
func BreachExposure(hs []Holding, costs []CostPerRecord) (Exposure, error) {
	var e Exposure
	totals := map[string]int64{}
	for _, h := range hs {
		for _, c := range costs {
			if c.Category != h.Category {
				continue
			}
			amount, err := mul(h.Records, c.Cost.Amount)
			if err != nil {
				return Exposure{}, fmt.Errorf("exposure of %s: %w", h.Category, err)
			}
			e.Lines = append(e.Lines, ExposureLine{Category: h.Category, Records: h.Records, CostPerRecord: c.Cost,
				Amount: domain.Money{Amount: amount, Currency: c.Cost.Currency}})
			sum, carry := bits.Add64(uint64(totals[c.Cost.Currency]), uint64(amount), 0)
			if carry != 0 || sum > 1<<63-1 {
				return Exposure{}, fmt.Errorf("exposure total in %s overflows", c.Cost.Currency)
			}
			totals[c.Cost.Currency] = int64(sum)
		}
	}
	for _, cur := range slices.Sorted(maps.Keys(totals)) {
		e.Totals = append(e.Totals, domain.Money{Amount: totals[cur], Currency: cur})
	}
	return e, nil
}

func mul(a, b int64) (int64, error) {
	if a < 0 || b < 0 {
		return 0, fmt.Errorf("negative records or cost")
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > 1<<63-1 {
		return 0, fmt.Errorf("%d × %d overflows", a, b)
	}
	return int64(lo), nil
}
