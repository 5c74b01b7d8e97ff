package api

import (
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
)

// TextDTO carries both languages of a catalog text.
type TextDTO struct {
	EN string `json:"en" binding:"required"`
	JA string `json:"ja"`
}

// FrameworkResponse is a control framework. title/description are in the language asked for with
// Accept-Language (en or ja; English where no Japanese exists); *_i18n carry both.
type FrameworkResponse struct {
	ID              string          `json:"id" binding:"required" example:"iso27001-2022"`
	Name            string          `json:"name" binding:"required" example:"ISO/IEC 27001:2022 Annex A"`
	Edition         string          `json:"edition" binding:"required" example:"2022"`
	Publisher       string          `json:"publisher" binding:"required" example:"ISO/IEC"`
	Description     string          `json:"description" binding:"required"`
	DescriptionI18n TextDTO         `json:"description_i18n" binding:"required"`
	Source          string          `json:"source" binding:"required" enums:"builtin,custom,oscal"`
	SourceUUID      string          `json:"source_uuid,omitempty"`
	Levels          []string        `json:"levels" binding:"required" example:"theme"`
	GroupCounts     []LevelCountDTO `json:"group_counts" binding:"required"`
	ControlCount    int             `json:"control_count" binding:"required" example:"93"`
	Groups          []GroupDTO      `json:"groups,omitempty"`
	ContentHash     string          `json:"content_hash" binding:"required"`
	CreatedAt       time.Time       `json:"created_at" binding:"required" format:"date-time"`
}

// LevelCountDTO is the number of groups at one level of the hierarchy.
type LevelCountDTO struct {
	Level  string `json:"level" binding:"required" example:"theme"`
	Groups int    `json:"groups" binding:"required" example:"4"`
}

// GroupDTO is a node of the hierarchy (domain, objective, theme, OSCAL group).
type GroupDTO struct {
	Ref       string  `json:"ref" binding:"required" example:"A.6.2"`
	Parent    string  `json:"parent,omitempty" example:"A.6"`
	Level     int     `json:"level" binding:"required" example:"2"`
	Title     string  `json:"title" binding:"required"`
	TitleI18n TextDTO `json:"title_i18n" binding:"required"`
}

// FrameworkList lists frameworks by id.
type FrameworkList struct {
	Items      []FrameworkResponse `json:"items" binding:"required"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

// PartDTO is a piece of a control's text, possibly nested.
type PartDTO struct {
	ID    string    `json:"id,omitempty"`
	Name  string    `json:"name" binding:"required" example:"statement"`
	Title string    `json:"title,omitempty"`
	Prose string    `json:"prose,omitempty"`
	Parts []PartDTO `json:"parts,omitempty"`
}

// PropDTO is a name/value property.
type PropDTO struct {
	Name  string `json:"name" binding:"required" example:"label"`
	Value string `json:"value" binding:"required" example:"AC-2(1)"`
	Class string `json:"class,omitempty"`
	NS    string `json:"ns,omitempty"`
}

// ControlResponse is a control; id is the qualified reference used in URLs and questionnaires.
type ControlResponse struct {
	ID              string    `json:"id" binding:"required" example:"iso27001-2022:5.19"`
	FrameworkID     string    `json:"framework_id" binding:"required" example:"iso27001-2022"`
	Ref             string    `json:"ref" binding:"required" example:"5.19"`
	Title           string    `json:"title" binding:"required"`
	TitleI18n       TextDTO   `json:"title_i18n" binding:"required"`
	GroupPath       []string  `json:"group_path" binding:"required" example:"5"`
	ParentRef       string    `json:"parent_ref,omitempty"`
	SupplierRelated bool      `json:"supplier_related" binding:"required"`
	Tags            []string  `json:"tags" binding:"required"`
	Class           string    `json:"class,omitempty"`
	Parts           []PartDTO `json:"parts,omitempty"`
	Props           []PropDTO `json:"props,omitempty"`
}

// ControlDetailResponse is a control with its crosswalk to other frameworks.
type ControlDetailResponse struct {
	ControlResponse
	Mappings []MappingDTO `json:"mappings" binding:"required"`
}

// MappingDTO relates the control to one of another framework; relation reads from this control to
// the other (subset: this control is narrower).
type MappingDTO struct {
	ControlID   string `json:"control_id" binding:"required" example:"iso27001-2013:A.15.1.1"`
	FrameworkID string `json:"framework_id" binding:"required" example:"iso27001-2013"`
	Ref         string `json:"ref" binding:"required" example:"A.15.1.1"`
	Relation    string `json:"relation" binding:"required" enums:"equal,subset,superset,intersects"`
	Direction   string `json:"direction" binding:"required" enums:"forward,inverse"`
	Via         string `json:"via,omitempty"`
	Note        string `json:"note,omitempty"`
}

// ControlList is one page of a framework's controls in document order.
type ControlList struct {
	Items      []ControlResponse `json:"items" binding:"required"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// CustomGroupRequest is a group of a custom framework.
type CustomGroupRequest struct {
	Ref    string  `json:"ref" validate:"required,max=64" example:"ops"`
	Parent string  `json:"parent" validate:"max=64"`
	Title  TextDTO `json:"title"`
}

// CustomControlRequest is a control of a custom framework.
type CustomControlRequest struct {
	Ref             string    `json:"ref" validate:"required,max=64" example:"ops-1"`
	Group           string    `json:"group" validate:"max=64" example:"ops"`
	ParentRef       string    `json:"parent_ref" validate:"max=64"`
	Title           TextDTO   `json:"title"`
	SupplierRelated bool      `json:"supplier_related"`
	Tags            []string  `json:"tags" validate:"max=20"`
	Parts           []PartDTO `json:"parts"`
}

// CustomFrameworkRequest creates a custom framework (e.g. an internal security standard).
type CustomFrameworkRequest struct {
	ID          string                 `json:"id" validate:"required,max=64" example:"acme-supplier-standard"`
	Name        string                 `json:"name" validate:"required,max=300" example:"ACME supplier security standard"`
	Edition     string                 `json:"edition" validate:"max=100" example:"2026"`
	Publisher   string                 `json:"publisher" validate:"max=200" example:"ACME"`
	Description TextDTO                `json:"description"`
	Levels      []string               `json:"levels" validate:"max=5"`
	Groups      []CustomGroupRequest   `json:"groups" validate:"max=1000,dive"`
	Controls    []CustomControlRequest `json:"controls" validate:"required,min=1,max=5000,dive"`
}

// preferJA reports whether Accept-Language ranks Japanese above English (i18n.Negotiate).
func preferJA(header string) bool { return i18n.Negotiate(header) == i18n.JA }

func pick(t catalog.Text, ja bool) string {
	if ja && t.JA != "" {
		return t.JA
	}
	return t.EN
}

func frameworkResponse(s catalog.Summary, ja, withGroups bool) FrameworkResponse {
	f := s.Framework
	out := FrameworkResponse{ID: f.ID, Name: f.Name, Edition: f.Edition, Publisher: f.Publisher,
		Description: pick(f.Description, ja), DescriptionI18n: TextDTO(f.Description), Source: string(f.Source),
		SourceUUID: f.SourceUUID, Levels: nonNilStrings(f.Levels), ControlCount: s.ControlCount, ContentHash: f.ContentHash,
		CreatedAt: f.CreatedAt, GroupCounts: []LevelCountDTO{}}
	for i, l := range f.Levels {
		out.GroupCounts = append(out.GroupCounts, LevelCountDTO{Level: l, Groups: s.GroupCounts[i+1]})
	}
	if withGroups {
		out.Groups = []GroupDTO{}
		for _, g := range f.Groups {
			out.Groups = append(out.Groups, GroupDTO{Ref: g.Ref, Parent: g.Parent, Level: g.Level, Title: pick(g.Title, ja), TitleI18n: TextDTO(g.Title)})
		}
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func partDTOs(ps []catalog.Part) []PartDTO {
	if len(ps) == 0 {
		return nil
	}
	out := make([]PartDTO, len(ps))
	for i, p := range ps {
		out[i] = PartDTO{ID: p.ID, Name: p.Name, Title: p.Title, Prose: p.Prose, Parts: partDTOs(p.Parts)}
	}
	return out
}

func toParts(ps []PartDTO) []catalog.Part {
	if len(ps) == 0 {
		return nil
	}
	out := make([]catalog.Part, len(ps))
	for i, p := range ps {
		out[i] = catalog.Part{ID: p.ID, Name: p.Name, Title: p.Title, Prose: p.Prose, Parts: toParts(p.Parts)}
	}
	return out
}

func controlResponse(c catalog.Control, ja bool) ControlResponse {
	out := ControlResponse{ID: c.QualifiedRef(), FrameworkID: c.FrameworkID, Ref: c.Ref, Title: pick(c.Title, ja),
		TitleI18n: TextDTO(c.Title), GroupPath: nonNilStrings(c.GroupPath), ParentRef: c.ParentRef,
		SupplierRelated: c.SupplierRelated, Tags: nonNilStrings(c.Tags), Class: c.Class, Parts: partDTOs(c.Parts)}
	for _, p := range c.Props {
		out.Props = append(out.Props, PropDTO(p))
	}
	return out
}

// listFrameworks godoc
//
//	@Summary		List control frameworks
//	@ID		listFrameworks
//	@Description	The built-in ISO/IEC 27001 Annex A editions (2005, 2013, 2022), the contract-clause framework, and custom or imported ones.
//	@Tags			catalog
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Accept-Language	header		string	false	"ja for Japanese texts"
//	@Param			limit			query		int		false	"page size (1-200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Success		200				{object}	FrameworkList
//	@Router			/api/v1/frameworks [get]
func (s *Server) listFrameworks(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.catalog.List(c.Request.Context(), limit, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	ja := preferJA(c.GetHeader("Accept-Language"))
	out := FrameworkList{Items: []FrameworkResponse{}, NextCursor: page.NextCursor}
	for _, f := range page.Items {
		out.Items = append(out.Items, frameworkResponse(f, ja, false))
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, out)
}

// getFramework godoc
//
//	@Summary	Get a framework with its hierarchy and counts
//	@ID	getFramework
//	@Tags		catalog
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id				path		string	true	"framework id, e.g. iso27001-2022"
//	@Param		Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success	200				{object}	FrameworkResponse
//	@Router		/api/v1/frameworks/{id} [get]
func (s *Server) getFramework(c *gin.Context) {
	f, err := s.catalog.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, frameworkResponse(f, preferJA(c.GetHeader("Accept-Language")), true))
}

// listControls godoc
//
//	@Summary		List a framework's controls in document order
//	@ID		listFrameworkControls
//	@Description	Filters combine (and). A query parameter this list does not know is 400, never ignored.
//	@Tags			catalog
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id					path		string	true	"framework id"
//	@Param			supplier_related	query		bool	false	"only controls flagged (true) or not flagged (false) as supplier-related"
//	@Param			group				query		string	false	"only controls under this group ref, at any level (e.g. A.15 or 5)"
//	@Param			q					query		string	false	"substring of the ref or the English or Japanese title"
//	@Param			Accept-Language		header		string	false	"ja for Japanese texts"
//	@Param			limit				query		int		false	"page size (1-200, default 50)"
//	@Param			cursor				query		string	false	"next_cursor of the previous page"
//	@Success		200					{object}	ControlList
//	@Router			/api/v1/frameworks/{id}/controls [get]
func (s *Server) listControls(c *gin.Context) {
	if err := onlyQuery(c, "supplier_related", "group", "q", "limit", "cursor"); err != nil {
		respondError(c, err)
		return
	}
	f, limit, err := controlQuery(c)
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.catalog.Controls(c.Request.Context(), c.Param("id"), f, limit, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondControls(c, page)
}

// listAllControls godoc
//
//	@Summary		List the controls of every framework
//	@ID		listControls
//	@Description	Ordered by framework id, then document order. Filters combine (and); an unknown framework selects nothing. A query parameter this list does not know is 400, never ignored.
//	@Tags			catalog
//	@Produce		json
//	@Security		BearerAuth
//	@Param			framework			query		string	false	"only this framework's controls (framework id, e.g. iso27001-2022)"
//	@Param			supplier_related	query		bool	false	"only controls flagged (true) or not flagged (false) as supplier-related"
//	@Param			group				query		string	false	"only controls under this group ref, at any level (e.g. A.15 or 5)"
//	@Param			q					query		string	false	"substring of the ref or the English or Japanese title"
//	@Param			Accept-Language		header		string	false	"ja for Japanese texts"
//	@Param			limit				query		int		false	"page size (1-200, default 50)"
//	@Param			cursor				query		string	false	"next_cursor of the previous page"
//	@Success		200					{object}	ControlList
//	@Router			/api/v1/controls [get]
func (s *Server) listAllControls(c *gin.Context) {
	if err := onlyQuery(c, "framework", "supplier_related", "group", "q", "limit", "cursor"); err != nil {
		respondError(c, err)
		return
	}
	f, limit, err := controlQuery(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f.Framework = c.Query("framework")
	page, err := s.catalog.AllControls(c.Request.Context(), f, limit, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	s.respondControls(c, page)
}

// controlQuery reads the filters and page size the control lists share.
func controlQuery(c *gin.Context) (catalog.ControlFilter, int, error) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		return catalog.ControlFilter{}, 0, err
	}
	f := catalog.ControlFilter{Group: c.Query("group"), Query: c.Query("q")}
	switch c.Query("supplier_related") {
	case "":
	case "true", "false":
		related := c.Query("supplier_related") == "true"
		f.SupplierRelated = &related
	default:
		return catalog.ControlFilter{}, 0, invalidQuery("supplier_related", "must be true or false")
	}
	return f, limit, nil
}

func (s *Server) respondControls(c *gin.Context, page domain.Page[catalog.Control]) {
	ja := preferJA(c.GetHeader("Accept-Language"))
	out := ControlList{Items: []ControlResponse{}, NextCursor: page.NextCursor}
	for _, ctl := range page.Items {
		out.Items = append(out.Items, controlResponse(ctl, ja))
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, out)
}

// getControl godoc
//
//	@Summary		Get a control with its crosswalk
//	@ID		getControl
//	@Description	id is the qualified reference framework:ref (e.g. iso27001-2005:A.6.2.3). mappings lists the corresponding controls of other frameworks in both directions of the crosswalk data (direction inverse: derived from a mapping written the other way).
//	@Tags			catalog
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"qualified control id, e.g. iso27001-2022:5.19"
//	@Param			Accept-Language	header		string	false	"ja for Japanese texts"
//	@Success		200				{object}	ControlDetailResponse
//	@Router			/api/v1/controls/{id} [get]
func (s *Server) getControl(c *gin.Context) {
	d, err := s.catalog.Control(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := ControlDetailResponse{ControlResponse: controlResponse(d.Control, preferJA(c.GetHeader("Accept-Language"))),
		Mappings: []MappingDTO{}}
	for _, m := range d.Mappings {
		dir := "forward"
		if m.Inverse {
			dir = "inverse"
		}
		out.Mappings = append(out.Mappings, MappingDTO{ControlID: catalog.QualifiedRef(m.ToFramework, m.ToRef),
			FrameworkID: m.ToFramework, Ref: m.ToRef, Relation: string(m.Relation), Direction: dir, Via: m.Via, Note: m.Note})
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, out)
}

// createFramework godoc
//
//	@Summary		Create a custom framework
//	@ID		createFramework
//	@Description	Groups are listed parents first; a control names its innermost group and, for an enhancement, its parent control listed before it.
//	@Tags			catalog
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		CustomFrameworkRequest	true	"the framework"
//	@Success		201		{object}	FrameworkResponse
//	@Router			/api/v1/frameworks [post]
func (s *Server) createFramework(c *gin.Context) {
	var req CustomFrameworkRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	f := catalog.Framework{ID: req.ID, Name: req.Name, Edition: req.Edition, Publisher: req.Publisher,
		Description: catalog.Text(req.Description), Levels: req.Levels}
	for _, g := range req.Groups {
		f.Groups = append(f.Groups, catalog.Group{Ref: g.Ref, Parent: g.Parent, Title: catalog.Text(g.Title)})
	}
	for _, ctl := range req.Controls {
		cc := catalog.Control{Ref: ctl.Ref, ParentRef: ctl.ParentRef, Title: catalog.Text(ctl.Title),
			SupplierRelated: ctl.SupplierRelated, Tags: ctl.Tags, Parts: toParts(ctl.Parts)}
		if ctl.Group != "" {
			cc.GroupPath = []string{ctl.Group}
		}
		f.Controls = append(f.Controls, cc)
	}
	created, err := s.catalog.Create(c.Request.Context(), f)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/frameworks/"+created.ID)
	summary, err := s.catalog.Get(c.Request.Context(), created.ID)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusCreated, frameworkResponse(summary, preferJA(c.GetHeader("Accept-Language")), true))
}

// importFramework godoc
//
//	@Summary		Import an OSCAL catalog
//	@ID		importFramework
//	@Description	An OSCAL 1.x catalog as the JSON body, or as the file field of a multipart/form-data upload. Groups, nested groups, controls and their enhancements (nested controls), titles, parts and props are kept. The body is decoded as a stream, up to the import size limit (413 above). Problems are 422 with the JSON path (e.g. catalog.groups[3].controls[2].id); nothing is stored then. The same catalog (uuid and content) imported again returns the stored framework with 200; other content under an imported uuid is 409.
//	@Tags			catalog
//	@Accept			json
//	@Accept			mpfd
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		query		string	false	"framework id to use (default: from the catalog title)"
//	@Param			file	formData	file	false	"the OSCAL catalog JSON (multipart uploads)"
//	@Success		200		{object}	FrameworkResponse	"already imported"
//	@Success		201		{object}	FrameworkResponse	"imported"
//	@Router			/api/v1/frameworks/import [post]
func (s *Server) importFramework(c *gin.Context) {
	body := c.Request.Body
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch {
	case mt == "multipart/form-data":
		fh, err := c.FormFile("file")
		if err != nil {
			respondError(c, decodeUploadError(err))
			return
		}
		file, err := fh.Open()
		if err != nil {
			respondError(c, badRequest("the uploaded file cannot be read"))
			return
		}
		defer file.Close()
		body = file
	case !isJSONMediaType(c.GetHeader("Content-Type")):
		respondError(c, &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported-media-type",
			title: "Unsupported media type", detail: "send the catalog as application/json (UTF-8) or as the file field of multipart/form-data"})
		return
	}
	f, err := parseOSCAL(body, c.Query("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	stored, created, err := s.catalog.Import(c.Request.Context(), f)
	if err != nil {
		respondError(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/api/v1/frameworks/"+stored.ID)
	}
	summary, err := s.catalog.Get(c.Request.Context(), stored.ID)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(status, frameworkResponse(summary, preferJA(c.GetHeader("Accept-Language")), true))
}
