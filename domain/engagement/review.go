package engagement

import (
	"context"
	"fmt"
	"time"
)

// ReviewStatus says where an engagement's periodic review stands on a day.
type ReviewStatus string

const (
	// ReviewOverdue: the next review date is before today.
	ReviewOverdue ReviewStatus = "overdue"
	// ReviewDueSoon: the next review date is today or within ReviewDueSoonDays.
	ReviewDueSoon ReviewStatus = "due_soon"
	// ReviewOK: the next review date is further away.
	ReviewOK ReviewStatus = "ok"
	// ReviewNeverAssessed: no assessment was completed yet, so there is no review date. The first
	// assessment is due; lists show these apart rather than as overdue, since there is no date to be past.
	ReviewNeverAssessed ReviewStatus = "never_assessed"
	// ReviewNotRequired: the engagement has ended; nothing is reviewed any more.
	ReviewNotRequired ReviewStatus = "not_required"
)

// ReviewStatuses lists every review status.
var ReviewStatuses = []ReviewStatus{ReviewOverdue, ReviewDueSoon, ReviewOK, ReviewNeverAssessed, ReviewNotRequired}

// ReviewDueSoonDays is how far ahead a review counts as due soon.
const ReviewDueSoonDays = 30

// Day truncates t to midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AddMonths adds months to the day of d. A day the target month lacks becomes its last day
// (31 January + 1 month = 28 or 29 February), so a review never slips into the following month.
func AddMonths(d time.Time, months int) time.Time {
	y, m, day := Day(d).Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	if last := first.AddDate(0, 1, -1).Day(); day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

// ReviewDate is the next review date of an engagement assessed last at lastAssessed, with a cadence of
// months (the effective tier's ReassessmentMonths): nil when it was never assessed or has ended.
func ReviewDate(st Status, lastAssessed *time.Time, months int) *time.Time {
	if lastAssessed == nil || st == StatusEnded {
		return nil
	}
	d := AddMonths(*lastAssessed, months)
	return &d
}

// ReviewStatusOf classifies a stored review date on the day of now. It depends only on the status and
// next review date, as the list filter (SQL) does.
func ReviewStatusOf(st Status, nextReview *time.Time, now time.Time) ReviewStatus {
	if st == StatusEnded {
		return ReviewNotRequired
	}
	if nextReview == nil {
		return ReviewNeverAssessed
	}
	today := Day(now)
	switch {
	case nextReview.Before(today):
		return ReviewOverdue
	case !nextReview.After(today.AddDate(0, 0, ReviewDueSoonDays)):
		return ReviewDueSoon
	}
	return ReviewOK
}

// ReviewStatus is the engagement's review status on the day of now.
func (e Engagement) ReviewStatus(now time.Time) ReviewStatus {
	return ReviewStatusOf(e.Status, e.NextReviewOn, now)
}

// Assessed records that an assessment of the engagement was completed at `at` and moves its next review
// date. It runs in the caller's transaction (the one completing the assessment), without a caller check:
// the assessment service has checked its own caller.
func (s *Service) Assessed(ctx context.Context, id string, at time.Time) error {
	_, _, err := s.change(ctx, id, nil, "engagement.assessed", func(e *Engagement) error {
		if e.LastAssessedAt == nil || at.After(*e.LastAssessedAt) {
			t := at.UTC()
			e.LastAssessedAt = &t
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record the assessment of engagement %s: %w", id, err)
	}
	return nil
}

// FillReviewDates computes the review date of engagements that were assessed but have none stored:
// those assessed before review dates were kept (migration 00011 backfills last_assessed_at only, as
// the cadence lives in the policy document). It returns how many it refreshed; run at start-up.
func (s *Service) FillReviewDates(ctx context.Context) (int, error) {
	ids, err := s.repo.IDsWithoutReviewDate(ctx)
	if err != nil {
		return 0, fmt.Errorf("find engagements without a review date: %w", err)
	}
	return len(ids), s.refreshIDs(ctx, ids, "review dates were computed for engagements assessed before they were kept")
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
