package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
)

// ImportJobs stores import jobs.
type ImportJobs struct{ db *DB }

// NewImportJobs returns the import job repository.
func NewImportJobs(db *DB) *ImportJobs { return &ImportJobs{db: db} }

var _ bulk.JobRepository = (*ImportJobs)(nil)

type importJobRow struct {
	ID              string `gorm:"primaryKey"`
	Kind            string
	Permission      string
	State           string
	Mode            string
	DryRun          bool
	Source          string
	Payload         *string
	RowsTotal       int
	RowsDone        int
	Report          *string
	Error           string
	StarterKeyID    string
	StarterName     string
	StarterRole     string
	StarterVendorID string
	RequestID       string
	Path            string
	CreatedAt       time.Time
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
	EndedAt         *time.Time
}

func (importJobRow) TableName() string { return "import_jobs" }

// The JSON kept in the row: rows, the source and the report, in the domain's own shapes.
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode import job: %w", err)
	}
	return string(b), nil
}

// Create stores a queued job with its rows.
func (s *ImportJobs) Create(ctx context.Context, j bulk.Job) error {
	payload, err := toJSON(j.Rows)
	if err != nil {
		return err
	}
	src, err := toJSON(j.Source)
	if err != nil {
		return err
	}
	row := importJobRow{ID: j.ID, Kind: j.Kind, Permission: string(j.Permission), State: string(j.State),
		Mode: string(j.Options.Mode), DryRun: j.Options.DryRun, Source: src, Payload: &payload, RowsTotal: j.RowsTotal,
		StarterKeyID: j.Starter.KeyID, StarterName: j.Starter.Name, StarterRole: string(j.Starter.Role),
		StarterVendorID: j.Starter.VendorID, RequestID: j.RequestID, Path: j.Path,
		CreatedAt: j.CreatedAt.UTC(), UpdatedAt: j.UpdatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert import job: %w", dbErr(err))
	}
	return nil
}

// Get reads a job without its rows.
func (s *ImportJobs) Get(ctx context.Context, id string) (bulk.Job, error) {
	return s.read(ctx, id, false)
}

// Load reads a job with its rows.
func (s *ImportJobs) Load(ctx context.Context, id string) (bulk.Job, error) {
	return s.read(ctx, id, true)
}

func (s *ImportJobs) read(ctx context.Context, id string, rows bool) (bulk.Job, error) {
	q := s.db.conn(ctx)
	if !rows {
		q = q.Omit("payload")
	}
	var r importJobRow
	if err := q.Where("id = ?", id).Take(&r).Error; err != nil {
		return bulk.Job{}, dbErr(err)
	}
	j := bulk.Job{ID: r.ID, Kind: r.Kind, Permission: auth.Permission(r.Permission), State: bulk.JobState(r.State),
		Options: bulk.Options{Mode: bulk.Mode(r.Mode), DryRun: r.DryRun}, RowsTotal: r.RowsTotal, RowsDone: r.RowsDone,
		Error: r.Error, Starter: auth.Principal{KeyID: r.StarterKeyID, Name: r.StarterName, Role: auth.Role(r.StarterRole),
			VendorID: r.StarterVendorID}, RequestID: r.RequestID, Path: r.Path,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), EndedAt: utcPtr(r.EndedAt)}
	if err := json.Unmarshal([]byte(r.Source), &j.Source); err != nil {
		return bulk.Job{}, fmt.Errorf("decode the source of import job %s: %w", id, err)
	}
	if rows && r.Payload != nil {
		if err := json.Unmarshal([]byte(*r.Payload), &j.Rows); err != nil {
			return bulk.Job{}, fmt.Errorf("decode the rows of import job %s: %w", id, err)
		}
	}
	if r.Report != nil {
		j.Report = &bulk.Report{}
		if err := json.Unmarshal([]byte(*r.Report), j.Report); err != nil {
			return bulk.Job{}, fmt.Errorf("decode the report of import job %s: %w", id, err)
		}
	}
	return j, nil
}

// Unfinished lists the jobs queued or running, oldest first.
func (s *ImportJobs) Unfinished(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&importJobRow{}).Where("state IN ?", []string{string(bulk.JobQueued), string(bulk.JobRunning)}).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list unfinished import jobs: %w", dbErr(err))
	}
	return ids, nil
}

// Progress sets the state and the rows done of an unfinished job.
func (s *ImportJobs) Progress(ctx context.Context, id string, state bulk.JobState, done int, at time.Time) error {
	res := s.db.conn(ctx).Model(&importJobRow{}).Where("id = ? AND ended_at IS NULL", id).
		Updates(map[string]any{"state": string(state), "rows_done": done, "updated_at": at.UTC()})
	if res.Error != nil {
		return fmt.Errorf("update import job %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// Finish stores the outcome and drops the rows.
func (s *ImportJobs) Finish(ctx context.Context, j bulk.Job) error {
	var report *string
	if j.Report != nil {
		r, err := toJSON(j.Report)
		if err != nil {
			return err
		}
		report = &r
	}
	res := s.db.conn(ctx).Model(&importJobRow{}).Where("id = ?", j.ID).Updates(map[string]any{
		"state": string(j.State), "rows_done": j.RowsDone, "report": report, "error": j.Error, "payload": nil,
		"updated_at": j.UpdatedAt.UTC(), "ended_at": utcPtr(j.EndedAt)})
	if res.Error != nil {
		return fmt.Errorf("finish import job %s: %w", j.ID, dbErr(res.Error))
	}
	return nil
}
