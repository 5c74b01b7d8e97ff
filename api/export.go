package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/sheet"
	"github.com/vendorrisk/vendorrisk/domain"
)

// exportRoutes stream a whole list as a file. The request as a whole has no database deadline (100,000
// rows take longer than one): each page is its own short read under the ordinary deadline, finished
// before a byte of it is written, so no transaction or pooled connection waits on a client that reads
// slowly (see streamExport). The server's write timeout and the client's disconnect bound the rest.
var exportRoutes = map[string]bool{"/api/v1/vendors/export": true, "/api/v1/engagements/export": true,
	"/api/v1/findings/export": true}

// column is one column of an export: its header in English and Japanese and its cell. Internal columns
// are left out for supplier credentials, as the list DTOs leave out their fields.
type column[T any] struct {
	en, ja   string
	internal bool
	cell     func(T) string
}

// export is one exportable list: the file's base name and the columns of its rows.
type export[T any] struct {
	name    string
	columns []column[T]
	// page reads one page of rows of at most domain.MaxPageLimit after cursor ("" first).
	page func(ctx context.Context, cursor string) (domain.Page[T], error)
}

// streamExport writes every row of the list as CSV or XLSX (?format=), one page at a time. Errors before
// the first byte (a bad filter, the first page) are problems; an error later aborts the connection, so
// the client sees a broken download rather than a file that looks whole.
func streamExport[T any](s *Server, c *gin.Context, ex export[T]) {
	format, err := sheet.ParseFormat(c.Query("format"))
	if err != nil {
		respondError(c, domain.Invalid("format", "must be csv or xlsx"))
		return
	}
	cols := ex.columns[:0:0]
	for _, col := range ex.columns {
		if !col.internal || principalOf(c).SeesInternalFields() {
			cols = append(cols, col)
		}
	}
	page, err := exportPage(s, c, ex.page, "")
	if err != nil {
		respondError(c, err)
		return
	}
	name := fmt.Sprintf("%s-%s.%s", ex.name, s.now().UTC().Format("20060102"), format)
	c.Header("Content-Type", format.ContentType())
	c.Header("Content-Disposition", contentDisposition(name))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Vary", "Accept-Language")
	c.Status(http.StatusOK)
	if err := writeExport(c, s, ex, cols, format, page); err != nil {
		loggerFrom(c).ErrorContext(c.Request.Context(), "export aborted", "export", ex.name, "error", err)
		panic(http.ErrAbortHandler)
	}
}

func writeExport[T any](c *gin.Context, s *Server, ex export[T], cols []column[T], format sheet.Format, page domain.Page[T]) error {
	w, err := sheet.NewWriter(c.Writer, format, ex.name)
	if err != nil {
		return err
	}
	ja := preferJA(c.GetHeader("Accept-Language"))
	cells := make([]string, len(cols))
	for i, col := range cols {
		cells[i] = col.en
		if ja {
			cells[i] = col.ja
		}
	}
	if err := w.WriteRow(cells); err != nil {
		return err
	}
	for {
		for _, row := range page.Items {
			for i, col := range cols {
				cells[i] = col.cell(row)
			}
			if err := w.WriteRow(cells); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return w.Close()
		}
		if page, err = exportPage(s, c, ex.page, page.NextCursor); err != nil {
			return err
		}
	}
}

// exportPage reads one page under its own database deadline (the route has none as a whole).
func exportPage[T any](s *Server, c *gin.Context, read func(context.Context, string) (domain.Page[T], error), cursor string) (domain.Page[T], error) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.DBTimeout)
	defer cancel()
	return read(ctx, cursor)
}

// Cell formats shared by the exports.
func cellTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func cellTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return cellTime(*t)
}

func cellStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func cellInt(n int) string { return strconv.Itoa(n) }

func cellBool(b bool) string { return strconv.FormatBool(b) }

func cellList(items []string) string { return strings.Join(items, "; ") }
