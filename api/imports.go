package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/api/sheet"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// ImportProblem is one thing wrong with a row.
type ImportProblem struct {
	// Column is the canonical column name ("" when the problem is the row as a whole).
	Column string `json:"column" binding:"required" example:"corporate_number"`
	// Header is the column's header as the file wrote it (e.g. 法人番号).
	Header  string `json:"header,omitempty" example:"法人番号"`
	Message string `json:"message" binding:"required" example:"must be a 13-digit Japanese corporate number with a valid check digit"`
}

// ImportRowResult is what the import did (or, in a dry run, would do) with one row.
type ImportRowResult struct {
	// Row is the row number in the file (the header is row 1).
	Row     int    `json:"row" binding:"required" example:"2"`
	Outcome string `json:"outcome" binding:"required" enums:"created,updated,unchanged,error"`
	// ID is the record created, updated or matched (in a dry run, the id a creation would have had).
	ID     string          `json:"id,omitempty"`
	Errors []ImportProblem `json:"errors,omitempty"`
}

// ImportReport lists every row of an import with its outcome.
type ImportReport struct {
	Mode   string `json:"mode" binding:"required" enums:"all_or_nothing,valid_rows"`
	DryRun bool   `json:"dry_run" binding:"required"`
	// Applied says whether changes were written (false for a dry run and for a refused file).
	Applied bool   `json:"applied" binding:"required"`
	Format  string `json:"format" binding:"required" enums:"csv,xlsx"`
	// Charset is how a CSV was decoded (absent for XLSX).
	Charset   string            `json:"charset,omitempty" enums:"utf-8,shift_jis"`
	Total     int               `json:"total" binding:"required"`
	Created   int               `json:"created" binding:"required"`
	Updated   int               `json:"updated" binding:"required"`
	Unchanged int               `json:"unchanged" binding:"required"`
	Errors    int               `json:"errors" binding:"required"`
	Rows      []ImportRowResult `json:"rows" binding:"required"`
}

// ImportRefusal is the 422 of an all-or-nothing import with errors: the problem, whose errors name
// rows[row].column, and the whole report as an extension member (RFC 9457 §3.2). The import
// annotations name it as their 422 (docs/specgen keeps an error response that extends Problem), so
// that the spec declares the report the handler sends.
type ImportRefusal struct {
	Problem
	// Report is the import's report: every row with its outcome and errors; applied is false. Present
	// when the rows were read and some have errors (not for a bad header, mode or unreadable file).
	Report ImportReport `json:"report"`
}

// MaxImportRows bounds the data rows of one file.
const MaxImportRows = 100_000

// importer runs one kind of import on a file's rows.
type importer func(ctx context.Context, rows []bulk.Row, opt bulk.Options) (bulk.Report, error)

// importFile reads the uploaded file, resolves its header against cols and runs the import: in the
// request, or as a job when the file has more rows than ImportJobRows.
func (s *Server) importFile(c *gin.Context, kind string, cols []bulk.Column, run importer) {
	opt, charset, err := importOptions(c)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Set(ctxDryRun, opt.DryRun)
	fh, err := c.FormFile("file")
	if err != nil {
		respondError(c, decodeUploadError(err))
		return
	}
	f, err := fh.Open()
	if err != nil {
		respondError(c, badRequest("the uploaded file cannot be read"))
		return
	}
	defer f.Close()
	sum := sha256.New()
	t, err := sheet.Read(io.TeeReader(f, sum), charset)
	if err != nil {
		respondError(c, unreadable(err))
		return
	}
	rows, headers, err := importRows(t, cols)
	if err != nil {
		respondError(c, err)
		return
	}
	src := bulk.Source{Format: string(t.Format), Charset: t.Charset, Headers: headers, SHA256: hex.EncodeToString(sum.Sum(nil))}
	if s.jobs != nil && s.cfg.ImportJobRows > 0 && len(rows) > s.cfg.ImportJobRows {
		j, err := s.jobs.Start(c.Request.Context(), kind, rows, opt, src)
		if err != nil {
			respondError(c, err)
			return
		}
		c.Header("Location", "/api/v1/jobs/"+j.ID)
		c.JSON(http.StatusAccepted, jobResponse(j, localized(c)))
		return
	}
	opt.Source = src
	rep, err := run(c.Request.Context(), rows, opt)
	out := importReport(rep, src, localized(c))
	if err != nil {
		if rep.Total > 0 && domain.KindOf(err) == domain.KindInvalid {
			refuse(c, err, out)
			return
		}
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func importOptions(c *gin.Context) (bulk.Options, string, error) {
	dry, err := queryBool(c, "dry_run")
	if err != nil {
		return bulk.Options{}, "", err
	}
	mode, err := bulk.ParseMode(c.Query("mode"))
	if err != nil {
		return bulk.Options{}, "", err
	}
	charset, err := sheet.ParseCharset(c.Query("charset"))
	if err != nil {
		return bulk.Options{}, "", invalidQuery("charset", "must be utf-8 or shift_jis")
	}
	return bulk.Options{Mode: mode, DryRun: dry}, charset, nil
}

func unreadable(err error) error {
	if errors.Is(err, sheet.ErrUnreadable) {
		return domain.Invalid("file", err.Error())
	}
	return fmt.Errorf("read the uploaded file: %w", err)
}

// importRows maps the table's header to canonical columns and its rows to bulk rows; a header with
// unknown or repeated columns, or a file without rows, is 422.
func importRows(t sheet.Table, cols []bulk.Column) ([]bulk.Row, map[string]string, error) {
	var v domain.Validator
	v.Check(t.Header != nil, "file", "is empty: the first row must be the header")
	v.Checkf(len(t.Rows) <= MaxImportRows, "file", "has %d rows; at most %d are imported at once", len(t.Rows), MaxImportRows)
	names, probs := bulk.Columns(t.Header, cols)
	probs = append(probs, bulk.Missing(names, cols)...)
	for _, p := range probs {
		v.Addf("header", "%q %s", domain.Literal(p.Column), p.Text())
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	headers := map[string]string{}
	for i, n := range names {
		if n != "" {
			headers[n] = t.Header[i]
		}
	}
	rows := make([]bulk.Row, len(t.Rows))
	for i, rec := range t.Rows {
		cells := make(map[string]string, len(headers))
		for j, n := range names {
			if n != "" && j < len(rec.Cells) {
				cells[n] = rec.Cells[j]
			} else if n != "" {
				cells[n] = ""
			}
		}
		rows[i] = bulk.Row{Line: rec.Line, Cells: cells}
	}
	return rows, headers, nil
}

func importReport(r bulk.Report, src bulk.Source, lang i18n.Lang) ImportReport {
	mode, headers := r.Mode, src.Headers
	if mode == "" {
		mode = bulk.AllOrNothing
	}
	out := ImportReport{Mode: string(mode), DryRun: r.DryRun, Applied: r.Applied, Format: src.Format, Charset: src.Charset,
		Total: r.Total, Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, Errors: r.Bad,
		Rows: make([]ImportRowResult, len(r.Rows))}
	for i, row := range r.Rows {
		res := ImportRowResult{Row: row.Line, Outcome: string(row.Outcome), ID: row.ID}
		for _, p := range row.Problems {
			res.Errors = append(res.Errors, ImportProblem{Column: p.Column, Header: headers[p.Column], Message: lang.Text(p.Text())})
		}
		out.Rows[i] = res
	}
	return out
}

// refuse answers 422 with the problem and the report.
func refuse(c *gin.Context, err error, report ImportReport) {
	p := toProblem(err)
	lang := requestLang(c)
	if lang != i18n.EN {
		p.localize(lang)
	}
	c.Header("Content-Language", string(lang))
	p.Instance, p.RequestID = c.Request.URL.Path, requestIDFrom(c)
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(p.Status, ImportRefusal{Problem: p, Report: report})
}

// importVendors godoc
//
//	@Summary		Import vendors from CSV or XLSX
//	@ID				importVendors
//	@Description	The file is the multipart field file: CSV (UTF-8 with or without byte-order mark, or Shift_JIS as Japanese Excel writes it; detected, or say so with charset) or XLSX (first sheet); the format is told by the content. The first row is the header: columns by name, in English or Japanese (see GET /api/v1/vendors/import/template); unknown columns are 422. A row matches a vendor by corporate_number, else by external_ref, else it creates one; an empty cell keeps the stored value. Every row is checked by the rules of POST and PATCH /vendors and reported: created, updated, unchanged or error with the column and message (every error of the file). mode=all_or_nothing (default) writes nothing when any row has an error and answers 422 with the report as the member report; mode=valid_rows writes the rows without errors. dry_run=true answers the report a real run would give and changes nothing. Each created or updated vendor records vendor.created or vendor.updated, as the API would. Importing the same file again changes nothing. See docs/import.md.
//	@Tags			vendors
//	@Accept			mpfd
//	@Produce		json
//	@Security		BearerAuth
//	@Param			file	formData	file	true	"the CSV or XLSX file"
//	@Param			dry_run	query		bool	false	"report what would happen, change nothing"
//	@Param			mode	query		string	false	"what to do with a file that has errors"	Enums(all_or_nothing, valid_rows)
//	@Param			charset	query		string	false	"a CSV's character set (default: detected)"	Enums(utf-8, shift_jis)
//	@Success		200		{object}	ImportReport
//	@Success		202		{object}	JobResponse	"the file has more rows than VENDORRISK_IMPORT_JOB_ROWS (default 2000): it runs as a job; Location names it"
//	@Header			202		{string}	Location	"/api/v1/jobs/{id}"
//	@Failure		422		{object}	ImportRefusal	"mode=all_or_nothing and rows have errors: nothing was written; errors names rows[row].column and report lists every row. Other 422s (a bad header, mode or charset, an unreadable file) carry no report."
//	@Router			/api/v1/vendors/import [post]
func (s *Server) importVendors(c *gin.Context) {
	s.importFile(c, "vendors", register.ImportColumns, s.vendors.Import)
}

// importEngagements godoc
//
//	@Summary		Import engagements from CSV or XLSX
//	@ID				importEngagements
//	@Description	The file, modes, dry run and report are those of POST /api/v1/vendors/import; columns in English or Japanese (see GET /api/v1/engagements/import/template). A row names its vendor by vendor_corporate_number or vendor_external_ref. It matches an engagement by external_ref, else by its vendor and name, else it creates one; an empty cell keeps the stored value. Lists (data_locations, data_categories) are separated by ; and a data category may carry its records as personal:120000. Every row is checked by the rules of POST and PATCH /engagements (the risk is evaluated as there) and each created or updated engagement records engagement.created or engagement.updated.
//	@Tags			engagements
//	@Accept			mpfd
//	@Produce		json
//	@Security		BearerAuth
//	@Param			file	formData	file	true	"the CSV or XLSX file"
//	@Param			dry_run	query		bool	false	"report what would happen, change nothing"
//	@Param			mode	query		string	false	"what to do with a file that has errors"	Enums(all_or_nothing, valid_rows)
//	@Param			charset	query		string	false	"a CSV's character set (default: detected)"	Enums(utf-8, shift_jis)
//	@Success		200		{object}	ImportReport
//	@Success		202		{object}	JobResponse	"the file has more rows than VENDORRISK_IMPORT_JOB_ROWS (default 2000): it runs as a job; Location names it"
//	@Header			202		{string}	Location	"/api/v1/jobs/{id}"
//	@Failure		422		{object}	ImportRefusal	"mode=all_or_nothing and rows have errors: nothing was written; errors names rows[row].column and report lists every row. Other 422s (a bad header, mode or charset, an unreadable file) carry no report."
//	@Router			/api/v1/engagements/import [post]
func (s *Server) importEngagements(c *gin.Context) {
	s.importFile(c, "engagements", engagement.ImportColumns, s.engagements.Import)
}

// writeImportTemplate writes the header row of an import in the requested format and language.
func (s *Server) writeImportTemplate(c *gin.Context, what string, cols []bulk.Column) {
	f, err := sheet.ParseFormat(c.Query("format"))
	if err != nil {
		respondError(c, invalidQuery("format", "must be csv or xlsx"))
		return
	}
	lang := c.DefaultQuery("lang", "en")
	if lang != "en" && lang != "ja" {
		respondError(c, invalidQuery("lang", "must be en or ja"))
		return
	}
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.Header(lang)
	}
	var buf bytes.Buffer // one row: small
	w, err := sheet.NewWriter(&buf, f, what)
	if err == nil {
		err = w.WriteRow(header)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		respondError(c, fmt.Errorf("write the %s import template: %w", what, err))
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-import-%s.%s"`, what, lang, f))
	c.Data(http.StatusOK, f.ContentType(), buf.Bytes())
}

// vendorImportTemplate godoc
//
//	@Summary		Download the vendor import template
//	@ID				vendorImportTemplate
//	@Description	The header row of a vendor import (POST /api/v1/vendors/import) as CSV (UTF-8 with a byte-order mark, for Excel) or XLSX, with the headers in English (the canonical column names) or Japanese. Both languages are accepted on import. See docs/import.md for what each column holds.
//	@Tags			vendors
//	@Produce		text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			format	query	string	false	"file format (default csv)"	Enums(csv, xlsx)
//	@Param			lang	query	string	false	"header language (default en)"	Enums(en, ja)
//	@Success		200		{file}	file	"the template"
//	@Router			/api/v1/vendors/import/template [get]
func (s *Server) vendorImportTemplate(c *gin.Context) {
	s.writeImportTemplate(c, "vendors", register.ImportColumns)
}

// engagementImportTemplate godoc
//
//	@Summary		Download the engagement import template
//	@ID				engagementImportTemplate
//	@Description	The header row of an engagement import (POST /api/v1/engagements/import) as CSV or XLSX, headers in English or Japanese. See docs/import.md.
//	@Tags			engagements
//	@Produce		text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			format	query	string	false	"file format (default csv)"	Enums(csv, xlsx)
//	@Param			lang	query	string	false	"header language (default en)"	Enums(en, ja)
//	@Success		200		{file}	file	"the template"
//	@Router			/api/v1/engagements/import/template [get]
func (s *Server) engagementImportTemplate(c *gin.Context) {
	s.writeImportTemplate(c, "engagements", engagement.ImportColumns)
}
