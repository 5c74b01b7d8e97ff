// Package oscalout writes vendorrisk's assessments and findings as OSCAL 1.1.3 JSON documents:
// assessment results (an assessment, its answers as observations, its findings) and a plan of action and
// milestones (an engagement's open and risk-accepted findings with their remediation items). The types below are the parts
// of the OSCAL model we fill; members left empty are omitted, since OSCAL arrays must not be empty.
// (api/oscal.go reads OSCAL catalogs; this package only writes.)
package oscalout

// Version is the OSCAL version the documents claim and are tested against (testdata/oscal-schemas).
const Version = "1.1.3"

// NS is the namespace of vendorrisk's own properties (prop "ns"), so they never clash with NIST's names.
const NS = "https://github.com/vendorrisk/vendorrisk/ns/oscal"

// AssessmentResultsDocument is the root of an OSCAL assessment-results file.
type AssessmentResultsDocument struct {
	AssessmentResults AssessmentResults `json:"assessment-results" binding:"required"`
}

// AssessmentResults is OSCAL's assessment-results model.
type AssessmentResults struct {
	UUID       string      `json:"uuid" binding:"required" format:"uuid"`
	Metadata   Metadata    `json:"metadata" binding:"required"`
	ImportAP   ImportAP    `json:"import-ap" binding:"required"`
	Results    []Result    `json:"results" binding:"required"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// POAMDocument is the root of an OSCAL plan-of-action-and-milestones file.
type POAMDocument struct {
	POAM POAM `json:"plan-of-action-and-milestones" binding:"required"`
}

// POAM is OSCAL's plan-of-action-and-milestones model.
type POAM struct {
	UUID       string      `json:"uuid" binding:"required" format:"uuid"`
	Metadata   Metadata    `json:"metadata" binding:"required"`
	SystemID   *SystemID   `json:"system-id,omitempty"`
	Risks      []Risk      `json:"risks,omitempty"`
	Findings   []Finding   `json:"findings,omitempty"`
	POAMItems  []POAMItem  `json:"poam-items" binding:"required"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// Metadata is the document's title, dates, version and parties.
type Metadata struct {
	Title        string  `json:"title" binding:"required"`
	LastModified string  `json:"last-modified" binding:"required" format:"date-time"`
	Version      string  `json:"version" binding:"required"`
	OSCALVersion string  `json:"oscal-version" binding:"required" example:"1.1.3"`
	Props        []Prop  `json:"props,omitempty"`
	Parties      []Party `json:"parties,omitempty"`
	Remarks      string  `json:"remarks,omitempty"`
}

// Party is an organization named in the document (the vendor assessed).
type Party struct {
	UUID  string `json:"uuid" binding:"required" format:"uuid"`
	Type  string `json:"type" binding:"required" enums:"person,organization"`
	Name  string `json:"name,omitempty"`
	Props []Prop `json:"props,omitempty"`
}

// Prop is an OSCAL property: a token name in a namespace and a one-line value.
type Prop struct {
	Name  string `json:"name" binding:"required"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value" binding:"required"`
}

// Link points at a related resource.
type Link struct {
	Href      string `json:"href" binding:"required"`
	Rel       string `json:"rel,omitempty"`
	MediaType string `json:"media-type,omitempty"`
	Text      string `json:"text,omitempty"`
}

// ImportAP names the assessment plan the results answer: here the back-matter resource describing
// the questionnaire template the assessment froze.
type ImportAP struct {
	Href string `json:"href" binding:"required"`
}

// SystemID identifies what a POA&M is about: the engagement.
type SystemID struct {
	IdentifierType string `json:"identifier-type,omitempty"`
	ID             string `json:"id" binding:"required"`
}

// Result is one assessment's results.
type Result struct {
	UUID             string           `json:"uuid" binding:"required" format:"uuid"`
	Title            string           `json:"title" binding:"required"`
	Description      string           `json:"description" binding:"required"`
	Start            string           `json:"start" binding:"required" format:"date-time"`
	End              string           `json:"end,omitempty" format:"date-time"`
	Props            []Prop           `json:"props,omitempty"`
	ReviewedControls ReviewedControls `json:"reviewed-controls" binding:"required"`
	Observations     []Observation    `json:"observations,omitempty"`
	Findings         []Finding        `json:"findings,omitempty"`
	Remarks          string           `json:"remarks,omitempty"`
}

// ReviewedControls are the controls the questionnaire's questions map to.
type ReviewedControls struct {
	Description       string             `json:"description,omitempty"`
	ControlSelections []ControlSelection `json:"control-selections" binding:"required"`
}

// ControlSelection selects every control (IncludeAll) or the listed ones.
type ControlSelection struct {
	IncludeAll      *struct{}       `json:"include-all,omitempty"`
	IncludeControls []SelectControl `json:"include-controls,omitempty"`
}

// SelectControl names one control by its OSCAL token (see ControlToken).
type SelectControl struct {
	ControlID string `json:"control-id" binding:"required"`
}

// Observation is one answer of the supplier.
type Observation struct {
	UUID             string             `json:"uuid" binding:"required" format:"uuid"`
	Title            string             `json:"title,omitempty"`
	Description      string             `json:"description" binding:"required"`
	Props            []Prop             `json:"props,omitempty"`
	Methods          []string           `json:"methods" binding:"required"`
	Origins          []Origin           `json:"origins,omitempty"`
	RelevantEvidence []RelevantEvidence `json:"relevant-evidence,omitempty"`
	Collected        string             `json:"collected" binding:"required" format:"date-time"`
	Remarks          string             `json:"remarks,omitempty"`
}

// Origin says who produced an observation or a characterization.
type Origin struct {
	Actors []Actor `json:"actors" binding:"required"`
}

// Actor is a party (or tool) acting as an origin.
type Actor struct {
	Type      string `json:"type" binding:"required" enums:"tool,assessment-platform,party"`
	ActorUUID string `json:"actor-uuid" binding:"required" format:"uuid"`
}

// RelevantEvidence is an evidence file; Href points at the back-matter resource carrying its SHA-256.
type RelevantEvidence struct {
	Href        string `json:"href,omitempty"`
	Description string `json:"description" binding:"required"`
	Props       []Prop `json:"props,omitempty"`
}

// Finding is a finding: a weakness against its target control.
type Finding struct {
	UUID                string        `json:"uuid" binding:"required" format:"uuid"`
	Title               string        `json:"title" binding:"required"`
	Description         string        `json:"description" binding:"required"`
	Props               []Prop        `json:"props,omitempty"`
	Target              Target        `json:"target" binding:"required"`
	RelatedObservations []RelatedObs  `json:"related-observations,omitempty"`
	RelatedRisks        []RelatedRisk `json:"related-risks,omitempty"`
	Remarks             string        `json:"remarks,omitempty"`
}

// Target is the control a finding is about and whether it is satisfied.
type Target struct {
	Type     string       `json:"type" binding:"required" enums:"statement-id,objective-id"`
	TargetID string       `json:"target-id" binding:"required"`
	Title    string       `json:"title,omitempty"`
	Props    []Prop       `json:"props,omitempty"`
	Status   TargetStatus `json:"status" binding:"required"`
}

// TargetStatus says whether the target is satisfied.
type TargetStatus struct {
	State  string `json:"state" binding:"required" enums:"satisfied,not-satisfied"`
	Reason string `json:"reason,omitempty" enums:"pass,fail,other"`
}

// RelatedObs points at an observation.
type RelatedObs struct {
	ObservationUUID string `json:"observation-uuid" binding:"required" format:"uuid"`
}

// RelatedRisk points at a risk.
type RelatedRisk struct {
	RiskUUID string `json:"risk-uuid" binding:"required" format:"uuid"`
}

// RelatedFinding points at a finding.
type RelatedFinding struct {
	FindingUUID string `json:"finding-uuid" binding:"required" format:"uuid"`
}

// Risk is the risk an open or risk-accepted finding carries, with its remediation items as responses
// and, for an accepted one, the acceptance in its log.
type Risk struct {
	UUID               string             `json:"uuid" binding:"required" format:"uuid"`
	Title              string             `json:"title" binding:"required"`
	Description        string             `json:"description" binding:"required"`
	Statement          string             `json:"statement" binding:"required"`
	Props              []Prop             `json:"props,omitempty"`
	Status             string             `json:"status" binding:"required" enums:"open,investigating,remediating,deviation-requested,deviation-approved,closed"`
	Characterizations  []Characterization `json:"characterizations,omitempty"`
	Deadline           string             `json:"deadline,omitempty" format:"date-time"`
	Remediations       []Response         `json:"remediations,omitempty"`
	RiskLog            *RiskLog           `json:"risk-log,omitempty"`
	RelatedObservation []RelatedObs       `json:"related-observations,omitempty"`
}

// RiskLog is what was done about a risk: here, the approval of its acceptance.
type RiskLog struct {
	Entries []RiskLogEntry `json:"entries" binding:"required"`
}

// RiskLogEntry is one thing done about a risk, and the status it moved the risk to.
type RiskLogEntry struct {
	UUID         string `json:"uuid" binding:"required" format:"uuid"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
	Start        string `json:"start" binding:"required" format:"date-time"`
	Props        []Prop `json:"props,omitempty"`
	StatusChange string `json:"status-change,omitempty" enums:"open,investigating,remediating,deviation-requested,deviation-approved,closed"`
}

// Characterization rates a risk (facet "severity" in vendorrisk's namespace).
type Characterization struct {
	Origin Origin  `json:"origin" binding:"required"`
	Facets []Facet `json:"facets" binding:"required"`
}

// Facet is one rating of a risk.
type Facet struct {
	Name   string `json:"name" binding:"required"`
	System string `json:"system" binding:"required"`
	Value  string `json:"value" binding:"required"`
}

// Response is a remediation item.
type Response struct {
	UUID        string `json:"uuid" binding:"required" format:"uuid"`
	Lifecycle   string `json:"lifecycle" binding:"required" enums:"recommendation,planned,completed"`
	Title       string `json:"title" binding:"required"`
	Description string `json:"description" binding:"required"`
	Props       []Prop `json:"props,omitempty"`
	Tasks       []Task `json:"tasks,omitempty"`
}

// Task is the milestone of a remediation item: its due date.
type Task struct {
	UUID   string  `json:"uuid" binding:"required" format:"uuid"`
	Type   string  `json:"type" binding:"required" enums:"milestone,action"`
	Title  string  `json:"title" binding:"required"`
	Timing *Timing `json:"timing,omitempty"`
}

// Timing is when a task is due.
type Timing struct {
	OnDate *OnDate `json:"on-date,omitempty"`
}

// OnDate is a due date (as a date-time at midnight UTC, which OSCAL requires).
type OnDate struct {
	Date string `json:"date" binding:"required" format:"date-time"`
}

// POAMItem is one open or risk-accepted finding in the plan.
type POAMItem struct {
	UUID            string           `json:"uuid" binding:"required" format:"uuid"`
	Title           string           `json:"title" binding:"required"`
	Description     string           `json:"description" binding:"required"`
	Props           []Prop           `json:"props,omitempty"`
	RelatedFindings []RelatedFinding `json:"related-findings,omitempty"`
	RelatedRisks    []RelatedRisk    `json:"related-risks,omitempty"`
}

// BackMatter holds the resources the document points at (the template, the evidence files).
type BackMatter struct {
	Resources []Resource `json:"resources" binding:"required"`
}

// Resource is a document the export refers to.
type Resource struct {
	UUID        string  `json:"uuid" binding:"required" format:"uuid"`
	Title       string  `json:"title,omitempty"`
	Description string  `json:"description,omitempty"`
	Props       []Prop  `json:"props,omitempty"`
	RLinks      []RLink `json:"rlinks,omitempty"`
}

// RLink is where a resource can be fetched, with its hash.
type RLink struct {
	Href      string `json:"href" binding:"required"`
	MediaType string `json:"media-type,omitempty"`
	Hashes    []Hash `json:"hashes,omitempty"`
}

// Hash is a digest of a resource.
type Hash struct {
	Algorithm string `json:"algorithm" binding:"required" example:"SHA-256"`
	Value     string `json:"value" binding:"required"`
}
