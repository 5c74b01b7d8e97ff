package api

import (
	"context"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// The export columns are cells of the list DTOs (vendorResponse, engagementResponse, findingResponse),
// so an export says what the list says; a column marked internal is dropped for supplier credentials,
// as vendorResponse drops its fields.

var vendorColumns = []column[VendorResponse]{
	{en: "id", ja: "ID", cell: func(v VendorResponse) string { return v.ID }},
	{en: "name", ja: "名称", cell: func(v VendorResponse) string { return v.Name }},
	{en: "legal_name", ja: "正式名称", cell: func(v VendorResponse) string { return v.LegalName }},
	{en: "kind", ja: "種別", cell: func(v VendorResponse) string { return v.Kind }},
	{en: "status", ja: "ステータス", cell: func(v VendorResponse) string { return v.Status }},
	{en: "corporate_number", ja: "法人番号", cell: func(v VendorResponse) string { return v.CorporateNumber }},
	{en: "registration_ids", ja: "登録ID", cell: func(v VendorResponse) string {
		ids := make([]string, len(v.RegistrationIDs))
		for i, r := range v.RegistrationIDs {
			ids[i] = r.Scheme + ":" + r.Value
		}
		return cellList(ids)
	}},
	{en: "country", ja: "国", cell: func(v VendorResponse) string { return v.Country }},
	{en: "website", ja: "ウェブサイト", cell: func(v VendorResponse) string { return v.Website }},
	{en: "description", ja: "説明", internal: true, cell: func(v VendorResponse) string { return cellStr(v.Description) }},
	{en: "internal_owner", ja: "社内担当", internal: true, cell: func(v VendorResponse) string { return cellStr(v.InternalOwner) }},
	{en: "tags", ja: "タグ", internal: true, cell: func(v VendorResponse) string { return cellList(v.Tags) }},
	{en: "version", ja: "バージョン", cell: func(v VendorResponse) string { return cellInt(v.Version) }},
	{en: "created_at", ja: "作成日時", cell: func(v VendorResponse) string { return cellTime(v.CreatedAt) }},
	{en: "updated_at", ja: "更新日時", cell: func(v VendorResponse) string { return cellTime(v.UpdatedAt) }},
}

var engagementColumns = []column[EngagementResponse]{
	{en: "id", ja: "ID", cell: func(e EngagementResponse) string { return e.ID }},
	{en: "vendor_id", ja: "委託先ID", cell: func(e EngagementResponse) string { return e.Vendor.ID }},
	{en: "name", ja: "名称", cell: func(e EngagementResponse) string { return e.Name }},
	{en: "service_type", ja: "サービス種別", cell: func(e EngagementResponse) string { return e.ServiceType }},
	{en: "status", ja: "ステータス", cell: func(e EngagementResponse) string { return e.Status }},
	{en: "business_owner", ja: "事業責任者", cell: func(e EngagementResponse) string { return e.BusinessOwner }},
	{en: "risk_score", ja: "リスクスコア", cell: func(e EngagementResponse) string { return cellInt(e.Risk.Score) }},
	{en: "recommended_tier", ja: "推奨ティア", cell: func(e EngagementResponse) string { return cellInt(e.Risk.RecommendedTier) }},
	{en: "effective_tier", ja: "適用ティア", cell: func(e EngagementResponse) string { return cellInt(e.Risk.EffectiveTier) }},
	{en: "access_type", ja: "アクセス種別", cell: func(e EngagementResponse) string { return e.AccessType }},
	{en: "internet_facing", ja: "インターネット公開", cell: func(e EngagementResponse) string { return cellBool(e.InternetFacing) }},
	{en: "critical_process", ja: "重要業務", cell: func(e EngagementResponse) string { return cellBool(e.CriticalProcess) }},
	{en: "data_locations", ja: "データ所在地", cell: func(e EngagementResponse) string { return cellList(e.DataLocations) }},
	{en: "annual_spend", ja: "年間支出", cell: func(e EngagementResponse) string {
		if e.AnnualSpend == nil {
			return ""
		}
		return strconv.FormatInt(e.AnnualSpend.Amount, 10)
	}},
	{en: "annual_spend_currency", ja: "通貨", cell: func(e EngagementResponse) string {
		if e.AnnualSpend == nil {
			return ""
		}
		return e.AnnualSpend.Currency
	}},
	{en: "last_assessed_at", ja: "最終評価日時", cell: func(e EngagementResponse) string { return cellTimePtr(e.LastAssessedAt) }},
	{en: "next_review_on", ja: "次回見直し日", cell: func(e EngagementResponse) string { return cellStr(e.NextReviewOn) }},
	{en: "review_status", ja: "見直し状況", cell: func(e EngagementResponse) string { return e.ReviewStatus }},
	{en: "created_at", ja: "作成日時", cell: func(e EngagementResponse) string { return cellTime(e.CreatedAt) }},
	{en: "updated_at", ja: "更新日時", cell: func(e EngagementResponse) string { return cellTime(e.UpdatedAt) }},
}

var findingColumns = []column[FindingResponse]{
	{en: "id", ja: "ID", cell: func(f FindingResponse) string { return f.ID }},
	{en: "engagement_id", ja: "委託業務ID", cell: func(f FindingResponse) string { return f.EngagementID }},
	{en: "vendor_id", ja: "委託先ID", cell: func(f FindingResponse) string { return f.VendorID }},
	{en: "title", ja: "タイトル", cell: func(f FindingResponse) string { return f.Title }},
	{en: "severity", ja: "重大度", cell: func(f FindingResponse) string { return f.Severity }},
	{en: "priority", ja: "優先度", cell: func(f FindingResponse) string { return cellInt(f.Priority) }},
	{en: "status", ja: "ステータス", cell: func(f FindingResponse) string { return f.Status }},
	{en: "source", ja: "発生元", cell: func(f FindingResponse) string { return f.Source }},
	{en: "due_date", ja: "期限", cell: func(f FindingResponse) string { return cellStr(f.DueDate) }},
	{en: "overdue", ja: "期限超過", cell: func(f FindingResponse) string { return cellBool(f.Overdue) }},
	{en: "assessment_id", ja: "評価ID", cell: func(f FindingResponse) string { return f.AssessmentID }},
	{en: "question_key", ja: "設問キー", cell: func(f FindingResponse) string { return f.QuestionKey }},
	{en: "answer", ja: "回答", cell: func(f FindingResponse) string { return f.Answer }},
	{en: "score_bp", ja: "スコア(bp)", internal: true, cell: func(f FindingResponse) string { return cellInt(f.ScoreBP) }},
	{en: "control_refs", ja: "管理策", cell: func(f FindingResponse) string { return cellList(f.ControlRefs) }},
	{en: "threat_category", ja: "脅威区分", cell: func(f FindingResponse) string { return f.ThreatCategory }},
	{en: "supplier_response", ja: "委託先の回答", cell: func(f FindingResponse) string { return f.SupplierResponse }},
	{en: "internal_notes", ja: "社内メモ", internal: true, cell: func(f FindingResponse) string { return f.InternalNotes }},
	{en: "created_at", ja: "作成日時", cell: func(f FindingResponse) string { return cellTime(f.CreatedAt) }},
	{en: "updated_at", ja: "更新日時", cell: func(f FindingResponse) string { return cellTime(f.UpdatedAt) }},
	{en: "closed_at", ja: "完了日時", cell: func(f FindingResponse) string { return cellTimePtr(f.ClosedAt) }},
	{en: "close_reason", ja: "完了理由", cell: func(f FindingResponse) string { return f.CloseReason }},
}

// mapPage turns a page of domain rows into a page of DTOs.
func mapPage[D, T any](p domain.Page[D], to func(D) T) domain.Page[T] {
	out := domain.Page[T]{Items: make([]T, len(p.Items)), NextCursor: p.NextCursor}
	for i, it := range p.Items {
		out.Items[i] = to(it)
	}
	return out
}

// exportVendors godoc
//
//	@Summary		Export vendors as CSV or XLSX
//	@ID				exportVendors
//	@Description	Every vendor the list's filters select, streamed page by page (100,000 rows are never held in memory): CSV (UTF-8 with a byte-order mark for Excel; cells that would start a formula are prefixed with ') or XLSX. One header row in the language of Accept-Language (en or ja). A supplier credential exports only its own vendor, without the internal columns (description, internal_owner, tags). limit and cursor are ignored.
//	@Tags			vendors
//	@Produce		text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			format			query		string	false	"file format (default csv)"	Enums(csv, xlsx)
//	@Param			kind			query		string	false	"filter by kind"	Enums(contractor, cloud_provider, other)
//	@Param			status			query		string	false	"filter by status"	Enums(proposed, active, suspended, offboarding, terminated)
//	@Param			tag				query		string	false	"filter by tag (internal: 422 for supplier credentials)"
//	@Param			country			query		string	false	"filter by ISO 3166-1 alpha-2 country"
//	@Param			q				query		string	false	"substring of name or legal name"
//	@Param			sort			query		string	false	"sort order (created_at is creation order)"	Enums(created_at, -created_at, name, -name)
//	@Param			Accept-Language	header		string	false	"ja for Japanese column headers"
//	@Success		200				{file}		file	"the vendors, with Content-Disposition: attachment"
//	@Router			/api/v1/vendors/export [get]
func (s *Server) exportVendors(c *gin.Context) {
	f, err := vendorFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f.Limit = domain.MaxPageLimit
	p := principalOf(c)
	streamExport(s, c, export[VendorResponse]{name: "vendors", columns: vendorColumns,
		page: func(ctx context.Context, cursor string) (domain.Page[VendorResponse], error) {
			page, err := s.vendors.List(ctx, f, cursor)
			return mapPage(page, func(v register.Vendor) VendorResponse { return vendorResponse(v, p) }), err
		}})
}

// exportEngagements godoc
//
//	@Summary		Export engagements as CSV or XLSX
//	@ID				exportEngagements
//	@Description	Every engagement the list's filters select, streamed page by page, as CSV or XLSX (see exportVendors). Internal roles only.
//	@Tags			engagements
//	@Produce		text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			format			query		string	false	"file format (default csv)"	Enums(csv, xlsx)
//	@Param			vendor_id		query		string	false	"filter by vendor"
//	@Param			status			query		string	false	"filter by status"			Enums(intake, assessing, decided, active, ended)
//	@Param			tier			query		int		false	"filter by effective tier"	Enums(1, 2, 3, 4)
//	@Param			service_type	query		string	false	"filter by service type"	Enums(saas, iaas, paas, outsourced_development, operations_outsourcing, consulting, onsite_maintenance, other)
//	@Param			review			query		string	false	"filter by review status today"	Enums(overdue, due_soon, ok, never_assessed, not_required)
//	@Param			q				query		string	false	"substring of the name"
//	@Param			sort			query		string	false	"sort order"	Enums(created_at, -created_at, name, -name, risk_score, -risk_score)
//	@Param			Accept-Language	header		string	false	"ja for Japanese column headers"
//	@Success		200				{file}		file	"the engagements, with Content-Disposition: attachment"
//	@Router			/api/v1/engagements/export [get]
func (s *Server) exportEngagements(c *gin.Context) {
	f, err := engagementFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f.Limit = domain.MaxPageLimit
	now, lang := s.now(), requestLang(c)
	streamExport(s, c, export[EngagementResponse]{name: "engagements", columns: engagementColumns,
		page: func(ctx context.Context, cursor string) (domain.Page[EngagementResponse], error) {
			page, err := s.engagements.List(ctx, f, cursor)
			return mapPage(page, func(e engagement.Engagement) EngagementResponse { return engagementResponse(e, nil, now, lang) }), err
		}})
}

// exportFindings godoc
//
//	@Summary		Export findings as CSV or XLSX
//	@ID				exportFindings
//	@Description	Every finding the list's filters select, streamed page by page, as CSV or XLSX (see exportVendors). Internal roles only.
//	@Tags			findings
//	@Produce		text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		BearerAuth
//	@Param			format			query		string	false	"file format (default csv)"	Enums(csv, xlsx)
//	@Param			engagement_id	query		string	false	"filter by engagement"
//	@Param			vendor_id		query		string	false	"filter by vendor"
//	@Param			status			query		string	false	"filter by status"	Enums(open, remediation_planned, in_progress, resolved, closed, risk_accepted)
//	@Param			severity		query		string	false	"filter by severity"	Enums(critical, high, medium, low)
//	@Param			open			query		bool	false	"only findings that still need work"
//	@Param			overdue			query		bool	false	"only unfinished findings with a remediation item past its due date"
//	@Param			sort			query		string	false	"sort order"	Enums(created_at, priority)
//	@Param			Accept-Language	header		string	false	"ja for Japanese column headers"
//	@Success		200				{file}		file	"the findings, with Content-Disposition: attachment"
//	@Router			/api/v1/findings/export [get]
func (s *Server) exportFindings(c *gin.Context) {
	f, err := findingFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	f.Limit = domain.MaxPageLimit
	now, lang := s.now(), requestLang(c)
	streamExport(s, c, export[FindingResponse]{name: "findings", columns: findingColumns,
		page: func(ctx context.Context, cursor string) (domain.Page[FindingResponse], error) {
			page, err := s.findings.List(ctx, f, cursor)
			return mapPage(page, func(f finding.Stored) FindingResponse { return findingResponse(f, now, lang) }), err
		}})
}
