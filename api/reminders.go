package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// SupplierReminderResponse is one thing the supplier must still do.
type SupplierReminderResponse struct {
	Kind     string `json:"kind" binding:"required" enums:"assessment,remediation"`
	ID       string `json:"id" binding:"required"`
	ParentID string `json:"parent_id" binding:"required"`
	DueDate  string `json:"due_date" binding:"required" format:"date" example:"2025-06-30"`
	DaysLeft int    `json:"days_left" binding:"required" example:"6"`
	Overdue  bool   `json:"overdue" binding:"required"`
	Status   string `json:"status" binding:"required" example:"in_progress"`
}

// SupplierReminderList is what the supplier must still do, soonest due first.
type SupplierReminderList struct {
	Items []SupplierReminderResponse `json:"items" binding:"required"`
}

// supplierReminders godoc
//
//	@Summary		What the supplier must still do, and by when
//	@ID		listSupplierReminders
//	@Description	The calling supplier's assessments waiting on it (sent, in progress, returned) and the remediation items it owns not yet done, soonest due first (at most 200 of each). Reminders are sent on the days before an assessment or remediation item is due that the risk policy names for the engagement's tier (reminder_days), as assessment.reminder and remediation.reminder events.
//	@Tags			supplier
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	SupplierReminderList
//	@Router			/api/v1/supplier/reminders [get]
func (s *Server) supplierReminders(c *gin.Context) {
	rs, err := s.notices.Pending(c.Request.Context())
	if err != nil {
		respondError(c, err)
		return
	}
	out := SupplierReminderList{Items: make([]SupplierReminderResponse, len(rs))}
	for i, r := range rs {
		out.Items[i] = SupplierReminderResponse{Kind: r.Kind, ID: r.ID, ParentID: r.ParentID, DueDate: r.DueOn.Format("2006-01-02"),
			DaysLeft: r.DaysLeft, Overdue: r.DaysLeft < 0, Status: r.Status}
	}
	c.JSON(http.StatusOK, out)
}
