package engagement

import (
	"testing"
	"time"
)

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		from   string
		months int
		want   string
	}{
		{"2025-04-03", 12, "2026-04-03"},
		{"2025-04-03", 24, "2027-04-03"},
		{"2025-11-15", 3, "2026-02-15"},   // across the year
		{"2025-01-31", 1, "2025-02-28"},   // clamped to the month's last day
		{"2024-01-31", 1, "2024-02-29"},   // leap year
		{"2024-02-29", 12, "2025-02-28"},  // a leap day a year on
		{"2025-08-31", 1, "2025-09-30"},   // 30-day month
		{"2025-03-31", 120, "2035-03-31"}, // the policy's longest cadence
	} {
		if got := AddMonths(date(t, tc.from), tc.months).Format(time.DateOnly); got != tc.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tc.from, tc.months, got, tc.want)
		}
	}
	// The time of day and zone do not matter: the UTC day counts.
	jst := time.FixedZone("JST", 9*3600)
	if got := AddMonths(time.Date(2025, 4, 1, 8, 0, 0, 0, jst), 1).Format(time.DateOnly); got != "2025-04-30" {
		t.Errorf("2025-04-01 08:00 JST (2025-03-31 in UTC) + 1 month = %s, want 2025-04-30", got)
	}
}

func TestReviewDate(t *testing.T) {
	at := time.Date(2025, 4, 3, 9, 30, 0, 0, time.UTC)
	if got := ReviewDate(StatusActive, &at, 12); got == nil || got.Format(time.DateOnly) != "2026-04-03" {
		t.Errorf("active, assessed 2025-04-03, 12 months: %v", got)
	}
	if got := ReviewDate(StatusActive, nil, 12); got != nil {
		t.Errorf("never assessed: %v, want nil", got)
	}
	if got := ReviewDate(StatusEnded, &at, 12); got != nil {
		t.Errorf("ended: %v, want nil", got)
	}
}

func TestReviewStatusOf(t *testing.T) {
	now := time.Date(2025, 5, 1, 23, 59, 0, 0, time.UTC) // today is 2025-05-01 all day
	d := func(s string) *time.Time { v := date(t, s); return &v }
	for _, tc := range []struct {
		name string
		st   Status
		next *time.Time
		want ReviewStatus
	}{
		{"yesterday", StatusActive, d("2025-04-30"), ReviewOverdue},
		{"today", StatusActive, d("2025-05-01"), ReviewDueSoon},
		{"in 30 days", StatusActive, d("2025-05-31"), ReviewDueSoon},
		{"in 31 days", StatusActive, d("2025-06-01"), ReviewOK},
		{"no date", StatusIntake, nil, ReviewNeverAssessed},
		{"ended, no date", StatusEnded, nil, ReviewNotRequired},
		{"ended, a stale date", StatusEnded, d("2020-01-01"), ReviewNotRequired},
	} {
		if got := ReviewStatusOf(tc.st, tc.next, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
