package bulk

import (
	"context"
	"fmt"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// CompletedType is the event a committed import records once, whatever its rows did: an import whose
// rows were all unchanged is still a write the audit trail keeps (who sent which file, and what came
// of it), and the per-row events alone would leave it unrecorded.
const CompletedType = "import.completed"

// SubjectType names an import in its events (no vendor: an import spans many).
const SubjectType = "import"

// Completion is the data of import.completed: what was imported, from which file, with what outcome.
type Completion struct {
	Kind       string // the importer: "vendors", "engagements"
	JobID      string // the job that ran the import ("" for one run in its request)
	Mode       Mode
	Format     string // csv, xlsx
	Charset    string // how a CSV was decoded
	FileSHA256 string // hex SHA-256 of the uploaded file, when known
	Total      int
	Created    int
	Updated    int
	Unchanged  int
	Failed     int // rows with errors, left out (valid_rows)
}

// Completed returns the step that records import.completed for rep, for Write's done: called in the
// import's last transaction, never in a dry run. The subject is the job, or a new id for an import
// run in its request.
func Completed(rec event.Recorder, kind string, rep Report, opt Options) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		id := opt.JobID
		if id == "" {
			id = domain.NewID()
		}
		mode := rep.Mode
		if mode == "" {
			mode = AllOrNothing
		}
		c := Completion{Kind: kind, JobID: opt.JobID, Mode: mode, Format: opt.Source.Format, Charset: opt.Source.Charset,
			FileSHA256: opt.Source.SHA256, Total: rep.Total, Created: rep.Created, Updated: rep.Updated,
			Unchanged: rep.Unchanged, Failed: rep.Bad}
		if err := rec.Record(ctx, event.New(CompletedType, event.Subject{Type: SubjectType, ID: id}, nil, c)); err != nil {
			return fmt.Errorf("record %s: %w", CompletedType, err)
		}
		return nil
	}
}

// FailedType is the event a job's import records when it ends in failure: its committed chunks kept
// their rows' events, and without it the trail would not say the import stopped halfway.
const FailedType = "import.failed"

// Failure is the data of import.failed.
type Failure struct {
	Kind       string
	JobID      string
	Mode       Mode
	Format     string
	Charset    string
	FileSHA256 string
	Total      int
	Committed  int    // rows whose chunk committed before the failure (their events are in the trail)
	Error      string // why the job failed, as the job shows it
}
