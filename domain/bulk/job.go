package bulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// JobState is where an import job is.
type JobState string

const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Job is an import too large to run in its request: the rows wait in the database until a replica
// that holds the job's lease runs them.
type Job struct {
	ID   string
	Kind string // the importer: "vendors", "engagements"
	// Permission is what a caller needs to see the job (the importer's write permission).
	Permission auth.Permission
	State      JobState
	Options    Options
	// Source describes the file for the report (format, charset, the headers as written).
	Source Source
	// Rows are the file's rows; stored until the job ends.
	Rows                []Row
	RowsTotal, RowsDone int
	Report              *Report
	Error               string // why a failed job failed (what the client may read)
	// Starter is who started the job: the job runs, and is audited, as them.
	Starter   auth.Principal
	RequestID string
	Path      string
	CreatedAt time.Time
	UpdatedAt time.Time
	EndedAt   *time.Time
}

// Source describes an imported file.
type Source struct {
	Format  string
	Charset string
	Headers map[string]string // canonical column → the header as the file wrote it
	SHA256  string            // hex SHA-256 of the file as uploaded
}

// JobRepository stores jobs.
type JobRepository interface {
	Create(ctx context.Context, j Job) error
	// Get reads a job without its rows.
	Get(ctx context.Context, id string) (Job, error)
	// Load reads a job with its rows.
	Load(ctx context.Context, id string) (Job, error)
	// Unfinished lists the jobs queued or running, oldest first.
	Unfinished(ctx context.Context, limit int) ([]string, error)
	// Progress sets the state and the rows done.
	Progress(ctx context.Context, id string, state JobState, done int, at time.Time) error
	// Finish stores the outcome and drops the rows.
	Finish(ctx context.Context, j Job) error
}

// Lease claims a named lease in the shared database (repository.Leases), so that one replica runs a job.
type Lease interface {
	Claim(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	Release(ctx context.Context, name, holder string) error
}

// Importer runs one kind of import.
type Importer struct {
	Permission auth.Permission
	Run        func(ctx context.Context, rows []Row, opt Options) (Report, error)
}

// Jobs starts, shows and runs import jobs.
type Jobs struct {
	repo      JobRepository
	lease     Lease
	holder    string
	ttl       time.Duration
	now       domain.Clock
	log       *slog.Logger
	importers map[string]Importer
	tx        domain.TxManager
	events    event.Recorder
	kick      chan struct{}
}

// JobChunk is how many rows a job commits at a time (its progress moves by as much).
const JobChunk = 500

// NewJobs wires the job service; holder names this replica, ttl is how long a job's lease lasts
// between renewals (a replica that died lets it go after ttl).
// A failed job's import.failed is recorded through events in a transaction of tx.
func NewJobs(repo JobRepository, lease Lease, holder string, ttl time.Duration, now domain.Clock, log *slog.Logger,
	importers map[string]Importer, tx domain.TxManager, events event.Recorder) *Jobs {
	return &Jobs{repo: repo, lease: lease, holder: holder, ttl: ttl, now: now, log: log, importers: importers,
		tx: tx, events: events, kick: make(chan struct{}, 1)}
}

// Start stores a job for rows, as the caller, and wakes the runner.
func (s *Jobs) Start(ctx context.Context, kind string, rows []Row, opt Options, src Source) (Job, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Job{}, err
	}
	imp, ok := s.importers[kind]
	if !ok {
		return Job{}, fmt.Errorf("no importer for %q", kind)
	}
	if !p.Can(imp.Permission) {
		return Job{}, domain.Errorf(domain.KindForbidden, "this credential may not import %s", kind)
	}
	reqID, path := event.RequestOf(ctx)
	now := s.now()
	j := Job{ID: domain.NewID(), Kind: kind, Permission: imp.Permission, State: JobQueued,
		Options: Options{Mode: opt.Mode, DryRun: opt.DryRun}, Source: src, Rows: rows, RowsTotal: len(rows),
		Starter: p, RequestID: reqID, Path: path, CreatedAt: now, UpdatedAt: now}
	if err := s.repo.Create(ctx, j); err != nil {
		return Job{}, fmt.Errorf("store import job: %w", err)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	j.Rows = nil
	return j, nil
}

// Get returns a job the caller may see: one whose import the caller's role may run (others: NotFound,
// so that a job's existence is not revealed).
func (s *Jobs) Get(ctx context.Context, id string) (Job, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Job{}, err
	}
	if !domain.ValidID(id) {
		return Job{}, domain.NotFound("job", id)
	}
	j, err := s.repo.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !p.Can(j.Permission) {
		return Job{}, domain.NotFound("job", id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("load job %s: %w", id, err)
	}
	return j, nil
}

// RunPending runs every unfinished job this replica can lease, one after another; a job left running
// by a replica that died is taken up once its lease has expired. It returns how many it ran.
func (s *Jobs) RunPending(ctx context.Context) (int, error) {
	ids, err := s.repo.Unfinished(ctx, 100)
	if err != nil {
		return 0, fmt.Errorf("list unfinished import jobs: %w", err)
	}
	ran := 0
	var errs []error
	for _, id := range ids {
		ok, err := s.runOne(ctx, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("import job %s: %w", id, err))
		}
		if ok {
			ran++
		}
	}
	return ran, errors.Join(errs...)
}

func leaseName(id string) string { return "import_job:" + id }

// errLeaseLost stops a job whose lease another replica took (this one was too slow to renew it).
var errLeaseLost = errors.New("the import job's lease was lost")

// claim takes or renews the job's lease.
func (s *Jobs) claim(ctx context.Context, id string) (bool, error) {
	now := s.now()
	return s.lease.Claim(ctx, leaseName(id), s.holder, now, now.Add(s.ttl))
}

func (s *Jobs) runOne(ctx context.Context, id string) (bool, error) {
	ok, err := s.claim(ctx, id)
	if err != nil || !ok {
		return false, err
	}
	defer func() {
		dctx, cancel := domain.Detach(ctx)
		defer cancel()
		if err := s.lease.Release(dctx, leaseName(id), s.holder); err != nil {
			s.log.WarnContext(ctx, "release an import job's lease", "job", id, "err", err)
		}
	}()
	j, err := s.repo.Load(ctx, id)
	if err != nil {
		return false, err
	}
	if j.State == JobDone || j.State == JobFailed { // finished by another replica meanwhile
		return false, nil
	}
	imp, known := s.importers[j.Kind]
	if !known {
		return false, fmt.Errorf("no importer for %q", j.Kind)
	}
	if err := s.repo.Progress(ctx, id, JobRunning, 0, s.now()); err != nil {
		return false, err
	}
	// The job runs as whoever started it, and its events carry the request that started it.
	jctx := event.WithRequest(auth.WithPrincipal(ctx, j.Starter), j.RequestID, j.Path)
	opt := j.Options
	opt.Chunk, opt.Source, opt.JobID = JobChunk, j.Source, j.ID
	committed := 0 // rows whose chunk committed
	opt.Progress = func(ctx context.Context, done int) error {
		committed = done
		if ok, err := s.claim(ctx, id); err != nil || !ok { // renew, or stop: another replica has it
			return errors.Join(errLeaseLost, err)
		}
		return s.repo.Progress(ctx, id, JobRunning, done, s.now())
	}
	rep, runErr := imp.Run(jctx, j.Rows, opt)
	if errors.Is(runErr, errLeaseLost) {
		return true, runErr // the replica that took the lease finishes the job
	}
	end := s.now()
	j.EndedAt, j.UpdatedAt, j.RowsDone = &end, end, j.RowsTotal
	switch {
	case runErr == nil, domain.KindOf(runErr) == domain.KindInvalid && rep.Total > 0:
		j.State, j.Report = JobDone, &rep // a refused all-or-nothing file is a finished job with its report
	case domain.KindOf(runErr) == domain.KindInternal:
		j.State, j.Error = JobFailed, "internal error"
		s.log.ErrorContext(ctx, "import job failed", "job", id, "err", runErr)
	default:
		j.State, j.Error = JobFailed, runErr.Error()
	}
	dctx, cancel := domain.Detach(ctx)
	defer cancel()
	if err := s.repo.Finish(dctx, j); err != nil {
		return true, fmt.Errorf("store the outcome: %w", err)
	}
	if j.State == JobFailed && !j.Options.DryRun {
		jdctx, cancel := domain.Detach(jctx)
		defer cancel()
		if err := s.recordFailed(jdctx, j, committed); err != nil {
			return true, err
		}
	}
	return true, nil
}

// recordFailed records import.failed for j, after its outcome is stored: the event's own transaction
// cannot undo the job's end, and a job left running would be run again over its committed rows.
func (s *Jobs) recordFailed(ctx context.Context, j Job, committed int) error {
	mode := j.Options.Mode
	if mode == "" {
		mode = AllOrNothing
	}
	f := Failure{Kind: j.Kind, JobID: j.ID, Mode: mode, Format: j.Source.Format, Charset: j.Source.Charset,
		FileSHA256: j.Source.SHA256, Total: j.RowsTotal, Committed: committed, Error: j.Error}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		return s.events.Record(ctx, event.New(FailedType, event.Subject{Type: SubjectType, ID: j.ID}, nil, f))
	})
	if err != nil {
		return fmt.Errorf("record %s: %w", FailedType, err)
	}
	return nil
}

// Loop runs pending jobs when woken by Start and every interval (to take up jobs of replicas that
// died, or started elsewhere), until ctx ends.
func (s *Jobs) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.RunPending(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "import jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-t.C:
		}
	}
}
