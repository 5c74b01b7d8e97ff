package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
)

// JobResponse is an import job: its progress, and the report once it is done.
type JobResponse struct {
	ID    string `json:"id" binding:"required"`
	Kind  string `json:"kind" binding:"required" enums:"vendors,engagements"`
	State string `json:"state" binding:"required" enums:"queued,running,done,failed"`
	// RowsDone counts the rows written (or, in a dry run, tried) so far, by chunks of 500.
	RowsDone  int `json:"rows_done" binding:"required"`
	RowsTotal int `json:"rows_total" binding:"required"`
	// Report is the import's report once the job is done (also when an all-or-nothing file was refused:
	// then applied is false and errors counts the rows with errors).
	Report *ImportReport `json:"report,omitempty"`
	// Error says why a failed job failed.
	Error     string     `json:"error,omitempty"`
	CreatedAt time.Time  `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt time.Time  `json:"updated_at" binding:"required" format:"date-time"`
	EndedAt   *time.Time `json:"ended_at,omitempty" format:"date-time"`
}

func jobResponse(j bulk.Job, lang i18n.Lang) JobResponse {
	out := JobResponse{ID: j.ID, Kind: j.Kind, State: string(j.State), RowsDone: j.RowsDone, RowsTotal: j.RowsTotal,
		Error: j.Error, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, EndedAt: j.EndedAt}
	if j.Report != nil {
		r := importReport(*j.Report, j.Source, lang)
		out.Report = &r
	}
	return out
}

// getJob godoc
//
//	@Summary		Get an import job
//	@ID				getJob
//	@Description	A large import (see POST /api/v1/vendors/import) runs as a job: its state, rows_done of rows_total, and the report when done. Jobs are stored in the database and survive a restart; one replica at a time runs a job, under its lease. A job is visible to the roles that may run its import (admin and procurement); to others it does not exist (404).
//	@Tags			jobs
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"job id"
//	@Success		200	{object}	JobResponse
//	@Router			/api/v1/jobs/{id} [get]
func (s *Server) getJob(c *gin.Context) {
	if s.jobs == nil {
		respondError(c, errNoJobs)
		return
	}
	j, err := s.jobs.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, jobResponse(j, localized(c)))
}

var errNoJobs = &httpError{status: http.StatusNotFound, slug: "not-found", title: "Not found", detail: "this server runs no import jobs"}
