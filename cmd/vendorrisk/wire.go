package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/domain/vendor"
	"github.com/vendorrisk/vendorrisk/repository"
)

// parseFlags parses a subcommand's flags, wherever they stand among its arguments (so that both
// "migrate up --db-dsn X" and "migrate --db-dsn X up" work), and completes the configuration.
// The positional arguments are left in fs.Args().
func parseFlags(fs *flag.FlagSet, finish func() error, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageErr("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return usageErr("%v", err)
	}
	return finish()
}

// openDB opens the configured database, creating the SQLite folder on first use.
func openDB(ctx context.Context, cfg *config, log *slog.Logger) (*repository.DB, error) {
	if cfg.DBDriver == repository.DialectSQLite {
		if err := os.MkdirAll(filepath.Dir(repository.SQLitePath(cfg.DBDSN)), 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	return repository.Open(ctx, cfg.DBDriver, cfg.DBDSN, repository.DefaultPool(cfg.DBDriver), log)
}

// services are the use cases, wired to the repositories and to each other through small adapters,
// so that no domain package depends on another's service.
type services struct {
	keys        *apikey.Service
	vendors     *vendor.Service
	engagements *engagement.Service
	contracts   *contract.Service
	policies    *policy.Service
	catalog     *catalog.Service
	templates   *questionnaire.Service
	assessments *assessment.Service
}

func wire(db *repository.DB, clock domain.Clock, blobs assessment.BlobStore) services {
	keyRepo := repository.NewAPIKeys(db)
	vendors := vendor.NewService(repository.NewVendors(db), db, clock)
	policies := policy.NewService(repository.NewPolicies(db), db, clock)
	engagements := engagement.NewService(repository.NewEngagements(db), vendorReader{vendors}, policies, db, clock)
	catalogs := catalog.NewService(repository.NewCatalogs(db), db, clock)
	templates := questionnaire.NewService(repository.NewTemplates(db), catalogs.Resolve, db, clock)
	keys := apikey.NewService(keyRepo, keyRepo.VendorExists, clock)
	vendors.ObserveGraph(engagements.Refresh)
	policies.OnChange(engagements.RefreshAll)
	return services{
		keys:        keys,
		vendors:     vendors,
		engagements: engagements,
		contracts:   contract.NewService(repository.NewContracts(db), engagementReader{engagements}, policies, db, clock),
		policies:    policies,
		catalog:     catalogs,
		templates:   templates,
		assessments: assessment.NewService(repository.NewAssessments(db), assessmentDeps(engagements, templates, policies, keys, blobs), db, clock),
	}
}

// vendorReader gives engagements what they need of the vendor register.
type vendorReader struct{ s *vendor.Service }

func (r vendorReader) VendorInfo(ctx context.Context, id string) (engagement.VendorInfo, error) {
	v, err := r.s.Info(ctx, id)
	if err != nil {
		return engagement.VendorInfo{}, err
	}
	return engagement.VendorInfo{ID: v.ID, Name: v.Name, Kind: string(v.Kind), Status: string(v.Status)}, nil
}

func (r vendorReader) FourthParties(ctx context.Context, vendorID string) ([]engagement.FourthParty, error) {
	fps, err := r.s.FourthParties(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	out := make([]engagement.FourthParty, len(fps))
	for i, f := range fps {
		out[i] = engagement.FourthParty{VendorID: f.Link.SubcontractorID, Name: f.Link.SubcontractorName, Service: f.Link.Service,
			HandlesOurData: f.Link.HandlesOurData, Depth: f.Depth, ViaVendorID: f.Link.VendorID}
	}
	return out, nil
}

// engagementReader gives contracts what they need of an engagement.
type engagementReader struct{ s *engagement.Service }

func (r engagementReader) EngagementInfo(ctx context.Context, id string) (contract.EngagementInfo, error) {
	i, err := r.s.Info(ctx, id)
	if err != nil {
		return contract.EngagementInfo{}, err
	}
	return contract.EngagementInfo{ID: i.ID, EffectiveTier: i.EffectiveTier, DataLocations: i.DataLocations}, nil
}

// assessmentDeps adapts the other services to what assessments need.
func assessmentDeps(e *engagement.Service, t *questionnaire.Service, p *policy.Service, k *apikey.Service, blobs assessment.BlobStore) assessment.Deps {
	return assessment.Deps{
		Engagement: func(ctx context.Context, id string) (assessment.EngagementRef, error) {
			i, err := e.Info(ctx, id)
			return assessment.EngagementRef{ID: i.ID, VendorID: i.VendorID, EffectiveTier: i.EffectiveTier}, err
		},
		Template: t.Get,
		Depth: func(ctx context.Context, tier risk.Tier) (assessment.Depth, error) {
			pol, err := p.Current(ctx)
			if err != nil {
				return "", err
			}
			return assessment.Depth(pol.ForTier(tier).QuestionnaireDepth), nil
		},
		NewSupplierKey: func(ctx context.Context, vendorID, name string, expires time.Time) (string, string, error) {
			key, secret, err := k.Create(ctx, apikey.NewKey{Name: name, Role: auth.RoleSupplier, VendorID: vendorID,
				ExpiresAt: &expires, CreatedBy: "assessment"})
			return key.ID, secret, err
		},
		RevokeKey: func(ctx context.Context, id string) error {
			_, err := k.Revoke(ctx, id)
			return err
		},
		Blobs: blobs,
	}
}

// requireSchema fails when migrations are pending, so the service never runs on an old schema.
func requireSchema(ctx context.Context, db *repository.DB) error {
	m, err := repository.NewMigrator(db)
	if err != nil {
		return err
	}
	pending, err := m.Pending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return fmt.Errorf("the database has pending migrations: run `vendorrisk migrate up` (or serve --migrate)")
	}
	return nil
}
