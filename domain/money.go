package domain

import (
	"fmt"
	"regexp"
)

// Money is an amount in the currency's minor units (yen for JPY, cents for USD), never a float.
type Money struct {
	Amount   int64
	Currency string
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency reports whether c looks like an ISO 4217 code.
func ValidCurrency(c string) bool { return currencyPattern.MatchString(c) }

func (m Money) String() string { return fmt.Sprintf("%d %s", m.Amount, m.Currency) }
