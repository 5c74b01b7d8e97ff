package domain

import "time"

// The dates and times the API accepts lie in years MinYear..MaxYear (in UTC): both databases store them,
// where MySQL refuses year 0 and years past 9999, and no vendor record is older.
const (
	MinYear = 1900
	MaxYear = 9999
	// DateRangeMessage is the field message for a date outside that range.
	DateRangeMessage = "must be between 1900-01-01 and 9999-12-31 (UTC)"
)

// DateInRange reports whether t, in UTC, falls within years MinYear..MaxYear.
func DateInRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= MinYear && y <= MaxYear
}

// CheckDate adds a field error to v when t is set and outside the accepted range.
func (v *Validator) CheckDate(t *time.Time, field string) {
	if t != nil {
		v.Check(DateInRange(*t), field, DateRangeMessage)
	}
}
