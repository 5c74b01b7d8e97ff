package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
)

// Contracts stores contracts; clauses are kept as a JSON document on the row, read and written whole.
type Contracts struct{ db *DB }

// NewContracts returns the contract repository.
func NewContracts(db *DB) *Contracts { return &Contracts{db: db} }

var _ contract.Repository = (*Contracts)(nil)

type contractRow struct {
	ID                string `gorm:"primaryKey"`
	EngagementID      string
	Title             string
	DocumentReference string
	SignedOn          *time.Time
	StartsOn          time.Time
	EndsOn            *time.Time
	AutoRenew         bool
	NoticeDays        int
	Clauses           string
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
}

func (contractRow) TableName() string { return "contracts" }

// clauseJSON is the stored form of a clause; its field names are a storage format: never rename them.
type clauseJSON struct {
	Type            string     `json:"type"`
	Reference       string     `json:"reference,omitempty"`
	NoticeDays      *int       `json:"notice_days,omitempty"`
	Hours           *int       `json:"hours,omitempty"`
	Level           string     `json:"level,omitempty"`
	Countries       []string   `json:"countries,omitempty"`
	Days            *int       `json:"days,omitempty"`
	RTOHours        *int       `json:"rto_hours,omitempty"`
	BCPTestedYearly bool       `json:"bcp_tested_yearly,omitempty"`
	NDA             bool       `json:"nda,omitempty"`
	Training        bool       `json:"training,omitempty"`
	Cap             *moneyJSON `json:"cap,omitempty"`
}

type moneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func toMoneyJSON(m *domain.Money) *moneyJSON {
	if m == nil {
		return nil
	}
	return &moneyJSON{Amount: m.Amount, Currency: m.Currency}
}

func (m *moneyJSON) toDomain() *domain.Money {
	if m == nil {
		return nil
	}
	return &domain.Money{Amount: m.Amount, Currency: m.Currency}
}

func toContractRow(c contract.Contract) contractRow {
	cls := make([]clauseJSON, len(c.Clauses))
	for i, cl := range c.Clauses {
		cls[i] = clauseJSON{Type: string(cl.Type), Reference: cl.Reference, NoticeDays: cl.NoticeDays, Hours: cl.Hours,
			Level: string(cl.Level), Countries: cl.Countries, Days: cl.Days, RTOHours: cl.RTOHours,
			BCPTestedYearly: cl.BCPTestedYearly, NDA: cl.NDA, Training: cl.Training, Cap: toMoneyJSON(cl.Cap)}
	}
	doc, _ := json.Marshal(cls) // plain data always marshals
	return contractRow{ID: c.ID, EngagementID: c.EngagementID, Title: c.Title, DocumentReference: c.DocumentReference,
		SignedOn: c.SignedOn, StartsOn: c.StartsOn, EndsOn: c.EndsOn, AutoRenew: c.AutoRenew, NoticeDays: c.NoticeDays,
		Clauses: string(doc), Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func dayPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

func (r contractRow) toDomain() (contract.Contract, error) {
	var cls []clauseJSON
	if err := json.Unmarshal([]byte(r.Clauses), &cls); err != nil {
		return contract.Contract{}, fmt.Errorf("decode clauses of contract %s: %w", r.ID, err)
	}
	c := contract.Contract{ID: r.ID, EngagementID: r.EngagementID, Title: r.Title, DocumentReference: r.DocumentReference,
		SignedOn: dayPtr(r.SignedOn), StartsOn: *dayPtr(&r.StartsOn), EndsOn: dayPtr(r.EndsOn), AutoRenew: r.AutoRenew,
		NoticeDays: r.NoticeDays, Clauses: make([]contract.Clause, len(cls)), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for i, cl := range cls {
		c.Clauses[i] = contract.Clause{Type: contract.ClauseType(cl.Type), Reference: cl.Reference, NoticeDays: cl.NoticeDays,
			Hours: cl.Hours, Level: contract.SubcontractingLevel(cl.Level), Countries: cl.Countries, Days: cl.Days,
			RTOHours: cl.RTOHours, BCPTestedYearly: cl.BCPTestedYearly, NDA: cl.NDA, Training: cl.Training, Cap: cl.Cap.toDomain()}
	}
	return c, nil
}

// Create inserts a contract.
func (s *Contracts) Create(ctx context.Context, c contract.Contract) error {
	row := toContractRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert contract: %w", dbErr(err))
	}
	return nil
}

// Get reads one contract.
func (s *Contracts) Get(ctx context.Context, id string) (contract.Contract, error) {
	return s.get(s.db.conn(ctx), id)
}

// GetForUpdate reads and locks one contract.
func (s *Contracts) GetForUpdate(ctx context.Context, id string) (contract.Contract, error) {
	return s.get(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), id)
}

func (s *Contracts) get(q *gorm.DB, id string) (contract.Contract, error) {
	var row contractRow
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return contract.Contract{}, dbErr(err)
	}
	return row.toDomain()
}

// ListByEngagement lists an engagement's contracts, latest start first.
func (s *Contracts) ListByEngagement(ctx context.Context, engagementID string) ([]contract.Contract, error) {
	var rows []contractRow
	err := s.db.conn(ctx).Where("engagement_id = ?", engagementID).Order("starts_on DESC").Order("id DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query contracts: %w", dbErr(err))
	}
	out := make([]contract.Contract, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Update writes c when the stored version is c.Version-1.
func (s *Contracts) Update(ctx context.Context, c contract.Contract) error {
	row := toContractRow(c)
	res := s.db.conn(ctx).Model(&contractRow{}).Where("id = ? AND version = ?", c.ID, c.Version-1).
		Select("*").Omit("id", "engagement_id", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update contract "+c.ID)
}
