package api

import (
	"time"
)

const dateLayout = "2006-01-02"

// parseDate reads a date the validator has already checked.
func parseDate(s string) time.Time {
	t, _ := time.Parse(dateLayout, s)
	return t
}

func parseDatePtr(s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := parseDate(*s)
	return &t
}
