package oscalout

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/finding"
)

// space is the UUIDv5 namespace of every UUID in our OSCAL documents. UUIDs are derived from our ids
// (name "kind/id"), so exporting the same content twice gives the same UUIDs, and an OSCAL tool can
// follow one finding or observation from one export to the next.
var space = uuid.MustParse("5b0c9a52-3f0e-5d7a-9a43-6b2f1c8e4d10")

// id is the stable UUID of one of our objects of a kind.
func id(kind string, parts ...string) string {
	return uuid.NewSHA1(space, []byte(kind+"/"+strings.Join(parts, "/"))).String()
}

// ts is a time as OSCAL wants it: RFC 3339 with a zone, UTC.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

var notToken = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// ControlToken is the OSCAL token for one of our control references ("framework:ref", e.g.
// "iso27001-2022:5.19" → "iso27001-2022_5.19"): OSCAL control ids are NCNames, which allow no colon and
// must start with a letter or underscore. The original reference travels beside it as a prop.
func ControlToken(ref string) string {
	t := notToken.ReplaceAllString(strings.ReplaceAll(ref, ":", "_"), "-")
	if t == "" {
		return "_"
	}
	if r := []rune(t)[0]; !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r > 127) {
		t = "_" + t
	}
	return t
}

// line makes s fit OSCAL's one-line strings (props, titles): no line breaks, no outer spaces.
func line(s string) string { return strings.Join(strings.Fields(s), " ") }

func prop(name, value string) []Prop {
	if v := line(value); v != "" {
		return []Prop{{Name: name, NS: NS, Value: v}}
	}
	return nil
}

// LastOf is the latest of the times. A document's last-modified is the latest change of what decides
// its content (never the time of the request), so that unchanged content exports to the same bytes.
func LastOf(ts ...time.Time) time.Time {
	var last time.Time
	for _, t := range ts {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// ARInput is what an assessment-results document is made of.
type ARInput struct {
	Assessment     assessment.Assessment
	Evidence       []assessment.Evidence
	Findings       []finding.Stored // the findings the assessment raised or last confirmed
	VendorName     string
	EngagementName string
	JA             bool // question texts in Japanese
	// Around is the latest change of the records around the assessment that decide the document too
	// (the vendor's and engagement's names, findings that moved on to a later assessment).
	Around time.Time
}

// BuildAssessmentResults builds the OSCAL assessment results of one assessment: the assessment is the
// result, each answer an observation (its evidence files as relevant evidence, their SHA-256 in the
// back matter), each finding a finding targeting the first control its question maps to.
func BuildAssessmentResults(in ARInput) AssessmentResultsDocument {
	a := in.Assessment
	vendorParty := id("party", a.VendorID)
	tplRes := id("template", a.ID, a.Template.ID)
	back := []Resource{{UUID: tplRes, Title: line(a.Template.Name.Pick(in.JA)),
		Description: "The questionnaire template the assessment froze: vendorrisk's assessment plan.",
		Props:       slices.Concat(prop("template-id", a.Template.ID), prop("template-version", strconv.Itoa(a.Template.Number))),
		RLinks:      []RLink{{Href: "/api/v1/questionnaire-templates/" + a.Template.ID, MediaType: "application/json"}}}}

	byQuestion := map[string][]assessment.Evidence{}
	evidence := slices.Clone(in.Evidence)
	slices.SortFunc(evidence, func(x, y assessment.Evidence) int { return cmp.Compare(x.ID, y.ID) })
	last := []time.Time{a.UpdatedAt, in.Around}
	for _, ev := range evidence {
		for _, k := range ev.QuestionKeys {
			byQuestion[k] = append(byQuestion[k], ev)
		}
		last = append(last, ev.CreatedAt)
		back = append(back, Resource{UUID: id("evidence", ev.ID), Title: line(ev.FileName),
			Props: slices.Concat(prop("evidence-id", ev.ID), prop("size", strconv.FormatInt(ev.Size, 10))),
			RLinks: []RLink{{Href: "/api/v1/evidence/" + ev.ID + "/content", MediaType: ev.ContentType,
				Hashes: []Hash{{Algorithm: "SHA-256", Value: ev.SHA256}}}}})
	}

	var observations []Observation
	var refs []string
	for _, q := range a.Template.Questions() {
		refs = append(refs, q.ControlRefs...)
		ans, ok := a.Answers[q.Key]
		if !ok {
			continue
		}
		observations = append(observations, observation(a.ID, q.Key, q.Text.Pick(in.JA), ans, byQuestion[q.Key], vendorParty))
		last = append(last, ans.UpdatedAt)
	}

	findings := make([]Finding, 0, len(in.Findings))
	for _, f := range sortedFindings(in.Findings) {
		of := findingOf(f)
		if _, ok := a.Answers[f.QuestionKey]; ok {
			of.RelatedObservations = []RelatedObs{{ObservationUUID: id("observation", a.ID, f.QuestionKey)}}
		}
		findings = append(findings, of)
		last = append(last, f.UpdatedAt)
	}

	result := Result{UUID: id("result", a.ID), Title: line("Assessment " + a.ID),
		Description: fmt.Sprintf("Questionnaire %q answered by %s for the engagement %q.",
			a.Template.Name.Pick(in.JA), in.VendorName, in.EngagementName),
		Start: ts(cmpOr(a.SentAt, a.CreatedAt)), Props: slices.Concat(prop("assessment-id", a.ID),
			prop("engagement-id", a.EngagementID), prop("status", string(a.Status)), prop("depth", string(a.Depth))),
		ReviewedControls: reviewed(refs), Observations: observations, Findings: findings}
	if a.CompletedAt != nil {
		result.End = ts(*a.CompletedAt)
	}
	if len(findings) == 0 {
		result.Findings = nil
	}
	modified := LastOf(last...)
	return AssessmentResultsDocument{AssessmentResults: AssessmentResults{
		UUID: id("assessment-results", a.ID),
		Metadata: Metadata{Title: line("Assessment results: " + in.VendorName + " — " + in.EngagementName),
			LastModified: ts(modified), Version: ts(modified), OSCALVersion: Version,
			Parties: []Party{{UUID: vendorParty, Type: "organization", Name: line(in.VendorName), Props: prop("vendor-id", a.VendorID)}}},
		ImportAP:   ImportAP{Href: "#" + tplRes},
		Results:    []Result{result},
		BackMatter: &BackMatter{Resources: back},
	}}
}

func cmpOr(p *time.Time, t time.Time) time.Time {
	if p != nil {
		return *p
	}
	return t
}

// reviewed lists the distinct controls the questions map to, or every control when none is mapped.
func reviewed(refs []string) ReviewedControls {
	seen := map[string]bool{}
	var sel []SelectControl
	for _, r := range refs {
		if t := ControlToken(r); !seen[t] {
			seen[t] = true
			sel = append(sel, SelectControl{ControlID: t})
		}
	}
	slices.SortFunc(sel, func(x, y SelectControl) int { return cmp.Compare(x.ControlID, y.ControlID) })
	if len(sel) == 0 {
		return ReviewedControls{ControlSelections: []ControlSelection{{IncludeAll: &struct{}{}}}}
	}
	return ReviewedControls{Description: "The controls the questionnaire's questions map to.",
		ControlSelections: []ControlSelection{{IncludeControls: sel}}}
}

func observation(asmID, key, text string, ans assessment.Answer, evidence []assessment.Evidence, vendorParty string) Observation {
	value := ans.Value
	if len(ans.Values) > 0 {
		value = strings.Join(ans.Values, ", ")
	}
	o := Observation{UUID: id("observation", asmID, key), Title: line(key),
		Description: cmp.Or(strings.TrimSpace(text), key), Props: prop("question-key", key),
		Methods: []string{"INTERVIEW"}, Origins: []Origin{{Actors: []Actor{{Type: "party", ActorUUID: vendorParty}}}},
		Collected: ts(ans.UpdatedAt), Remarks: "Answer: " + value}
	if ans.Review != nil {
		o.Props = append(o.Props, prop("review", string(ans.Review.Flag))...)
	}
	for _, ev := range evidence {
		o.RelevantEvidence = append(o.RelevantEvidence, RelevantEvidence{Href: "#" + id("evidence", ev.ID),
			Description: fmt.Sprintf("%s (%s, %d bytes, SHA-256 %s)", line(ev.FileName), ev.ContentType, ev.Size, ev.SHA256),
			Props:       slices.Concat(prop("evidence-id", ev.ID), prop("sha256", ev.SHA256))})
	}
	if len(evidence) > 0 {
		o.Methods = []string{"EXAMINE", "INTERVIEW"}
	}
	return o
}

func sortedFindings(in []finding.Stored) []finding.Stored {
	out := slices.Clone(in)
	slices.SortFunc(out, func(x, y finding.Stored) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// findingOf is a finding against its target: the first control its question maps to (every reference
// is listed as a control-ref prop), or the question itself when it maps to none.
func findingOf(f finding.Stored) Finding {
	target := Target{Type: "objective-id", TargetID: ControlToken(cmp.Or(f.QuestionKey, "finding-"+f.ID)),
		Status: TargetStatus{State: "not-satisfied", Reason: "fail"}}
	if len(f.ControlRefs) > 0 {
		target.TargetID, target.Title = ControlToken(f.ControlRefs[0]), f.ControlRefs[0]
		target.Props = prop("control-ref", f.ControlRefs[0])
	}
	if f.Status == finding.StatusClosed {
		target.Status = TargetStatus{State: "satisfied", Reason: "pass"}
	}
	props := slices.Concat(prop("finding-id", f.ID), prop("severity", string(f.Severity)),
		prop("priority", strconv.Itoa(f.Priority)), prop("status", string(f.Status)),
		prop("question-key", f.QuestionKey), prop("threat-category", f.ThreatCategory))
	for _, r := range f.ControlRefs {
		props = append(props, prop("control-ref", r)...)
	}
	desc := f.Title
	if f.Answer != "" {
		desc += "\n\nAnswer given: " + f.Answer
	}
	return Finding{UUID: id("finding", f.ID), Title: line(cmp.Or(f.Title, f.ID)), Description: desc, Props: props,
		Target: target}
}

// POAMInput is what a POA&M is made of: the engagement's findings that are open or risk accepted,
// their remediation items, and the active acceptances of the accepted ones.
type POAMInput struct {
	EngagementID   string
	EngagementName string
	VendorID       string
	VendorName     string
	Findings       []finding.Stored
	Remediations   map[string][]finding.Remediation // by finding id
	Acceptances    map[string]acceptance.Acceptance // the active acceptance, by finding id
	// Around is the latest change of the records that decide the plan besides its items: the vendor, the
	// engagement, and every finding of it, open or not (closing one drops its item).
	Around time.Time
}

// BuildPOAM builds the plan of action and milestones of an engagement: one poam-item per finding that
// is open or risk accepted, each with an OSCAL risk (status, severity, deadline) whose responses are
// the remediation items; an accepted risk is deviation-approved, its deadline the acceptance's expiry
// and its approval in the risk log. OSCAL requires at least one poam-item; the caller refuses an
// engagement with neither.
func BuildPOAM(in POAMInput) POAMDocument {
	party := id("party", in.VendorID)
	last := []time.Time{in.Around}
	doc := POAM{UUID: id("poam", in.EngagementID),
		SystemID: &SystemID{IdentifierType: NS + "/engagement", ID: in.EngagementID}}
	for _, f := range sortedFindings(in.Findings) {
		last = append(last, f.UpdatedAt)
		rems := slices.Clone(in.Remediations[f.ID])
		slices.SortFunc(rems, func(x, y finding.Remediation) int {
			return cmp.Or(x.DueDate.Compare(y.DueDate), cmp.Compare(x.ID, y.ID))
		})
		for _, r := range rems {
			last = append(last, r.UpdatedAt)
		}
		of := findingOf(f)
		of.RelatedRisks = []RelatedRisk{{RiskUUID: id("risk", f.ID)}} // the POA&M carries the risks
		doc.Findings = append(doc.Findings, of)
		r := riskOf(f, rems, party)
		itemProps := slices.Concat(prop("finding-id", f.ID), prop("severity", string(f.Severity)),
			prop("status", string(f.Status)), dueProp(f))
		if a, ok := in.Acceptances[f.ID]; ok && f.Status == finding.StatusRiskAccepted {
			last = append(last, a.UpdatedAt)
			accepted(&r, a)
			itemProps = append(itemProps, slices.Concat(prop("risk-acceptance-id", a.ID),
				prop("accepted-until", a.ExpiresOn.Format(time.DateOnly)))...)
		}
		doc.Risks = append(doc.Risks, r)
		doc.POAMItems = append(doc.POAMItems, POAMItem{UUID: id("poam-item", f.ID), Title: line(cmp.Or(f.Title, f.ID)),
			Description:     cmp.Or(strings.TrimSpace(f.SupplierResponse), f.Title, f.ID),
			Props:           itemProps,
			RelatedFindings: []RelatedFinding{{FindingUUID: id("finding", f.ID)}},
			RelatedRisks:    []RelatedRisk{{RiskUUID: id("risk", f.ID)}}})
	}
	modified := LastOf(last...)
	doc.Metadata = Metadata{Title: line("Plan of action and milestones: " + in.VendorName + " — " + in.EngagementName),
		LastModified: ts(modified), Version: ts(modified), OSCALVersion: Version,
		Parties: []Party{{UUID: party, Type: "organization", Name: line(in.VendorName), Props: prop("vendor-id", in.VendorID)}}}
	return POAMDocument{POAM: doc}
}

// InPOAM reports whether a finding of this status is a poam-item: it still needs work, or its risk is
// accepted for a while (a deviation the plan keeps until the acceptance ends).
func InPOAM(s finding.Status) bool { return !s.Closed() || s == finding.StatusRiskAccepted }

// accepted marks r as the risk an active acceptance approved: deviation-approved until the acceptance's
// last day (the deadline, midnight UTC like every due date here), with the approval in the risk log.
func accepted(r *Risk, a acceptance.Acceptance) {
	r.Status = "deviation-approved"
	r.Deadline = ts(a.ExpiresOn)
	r.Props = append(r.Props, slices.Concat(prop("risk-acceptance-id", a.ID),
		prop("accepted-until", a.ExpiresOn.Format(time.DateOnly)))...)
	at := a.CreatedAt
	if a.ApprovedAt != nil {
		at = *a.ApprovedAt
	}
	entry := RiskLogEntry{UUID: id("risk-log", a.ID), Title: line("Risk accepted until " + a.ExpiresOn.Format(time.DateOnly)),
		Description: strings.TrimSpace(a.Justification), Start: ts(at), StatusChange: "deviation-approved",
		Props: slices.Concat(prop("risk-acceptance-id", a.ID), prop("requested-by", a.RequestedBy.Name))}
	if a.ApprovedBy != nil {
		entry.Props = append(entry.Props, prop("approved-by", a.ApprovedBy.Name)...)
	}
	r.RiskLog = &RiskLog{Entries: []RiskLogEntry{entry}}
}

func dueProp(f finding.Stored) []Prop {
	if d := f.DueDate(); d != nil {
		return prop("due-date", d.Format(time.DateOnly))
	}
	return nil
}

// riskStatus maps a finding's state to OSCAL's risk status.
func riskStatus(s finding.Status) string {
	switch s {
	case finding.StatusOpen:
		return "open"
	case finding.StatusRiskAccepted:
		return "deviation-approved"
	case finding.StatusClosed:
		return "closed"
	}
	return "remediating" // planned, in progress, resolved awaiting verification
}

func riskOf(f finding.Stored, rems []finding.Remediation, party string) Risk {
	r := Risk{UUID: id("risk", f.ID), Title: line(cmp.Or(f.Title, f.ID)),
		Description: cmp.Or(strings.TrimSpace(f.Title), f.ID),
		Statement:   cmp.Or(strings.TrimSpace(f.Answer), "No answer recorded: the finding was raised by hand."),
		Props:       slices.Concat(prop("finding-id", f.ID), prop("priority", strconv.Itoa(f.Priority))),
		Status:      riskStatus(f.Status),
		Characterizations: []Characterization{{Origin: Origin{Actors: []Actor{{Type: "party", ActorUUID: party}}},
			Facets: []Facet{{Name: "severity", System: NS, Value: string(f.Severity)}}}}}
	if f.Answer != "" {
		r.Statement = "Answer given: " + f.Answer
	}
	if d := f.DueDate(); d != nil {
		r.Deadline = ts(*d)
	}
	for _, rem := range rems {
		r.Remediations = append(r.Remediations, responseOf(rem))
	}
	return r
}

func responseOf(rem finding.Remediation) Response {
	lifecycle := "planned"
	if rem.Status == finding.RemDone || rem.Status == finding.RemVerified {
		lifecycle = "completed"
	}
	return Response{UUID: id("remediation", rem.ID), Lifecycle: lifecycle,
		Title:       line(cmp.Or(rem.Type, "remediation") + " (" + cmp.Or(rem.Owner, "unassigned") + ")"),
		Description: cmp.Or(strings.TrimSpace(rem.Description), rem.ID),
		Props: slices.Concat(prop("remediation-id", rem.ID), prop("status", string(rem.Status)),
			prop("owner", rem.Owner), prop("type", rem.Type), prop("due-date", rem.DueDate.Format(time.DateOnly))),
		Tasks: []Task{{UUID: id("task", rem.ID), Type: "milestone", Title: "Due " + rem.DueDate.Format(time.DateOnly),
			Timing: &Timing{OnDate: &OnDate{Date: ts(rem.DueDate)}}}}}
}
