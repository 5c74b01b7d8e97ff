//go:build cluster

package cluster

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// storyClient runs the e2e story's steps through the load balancer, each step on whichever replica
// HAProxy picks: every read depends on the write before it, made through another replica.
type storyClient struct {
	lb    client
	steps int
}

func (s *storyClient) call(method, path, key string, body any, want int, headers ...string) (map[string]any, error) {
	s.steps++
	st, raw, err := s.lb.do(method, path, key, body, "", headers...)
	if err != nil || st != want {
		return nil, fmt.Errorf("step %d, %s %s: %d %s %v (want %d)", s.steps, method, path, st, raw, err, want)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("step %d, %s %s: %w", s.steps, method, path, err)
	}
	return m, nil
}

// story is the rest of the e2e story on the engagement: a contract and its gaps, an assessment
// answered with two weak answers, submitted and completed, its score, the findings it raised, one
// remediated (plan, acceptance, done, verified) and one risk accepted, then the outsourcing decision
// approved by the two risk owners a tier-1 engagement needs. It returns how many requests it made.
func story(lb client, admin, proc, eng string) (int, error) {
	s := &storyClient{lb: lb}
	key := func(role, name string) (string, error) {
		m, err := s.call("POST", "/api/v1/api-keys", admin, map[string]any{"role": role, "name": name}, 201)
		if err != nil {
			return "", err
		}
		return m["secret"].(string), nil
	}
	ken, err := key("risk_owner", "Ken Ito (CISO)")
	if err != nil {
		return s.steps, err
	}
	yui, err := key("risk_owner", "Yui Mori (DPO)")
	if err != nil {
		return s.steps, err
	}
	k, err := s.call("POST", "/api/v1/engagements/"+eng+"/contracts", proc,
		map[string]any{"title": "Master services agreement", "starts_on": "2025-01-01"}, 201, "Idempotency-Key", "story-contract")
	if err != nil {
		return s.steps, err
	}
	gaps, err := s.call("GET", "/api/v1/contracts/"+k["id"].(string)+"/gaps", proc, nil, 200)
	if err != nil {
		return s.steps, err
	}
	if g, _ := gaps["gaps"].([]any); len(g) == 0 {
		return s.steps, fmt.Errorf("a bare contract shows no gaps: %v", gaps)
	}
	tpl, err := s.call("POST", "/api/v1/questionnaire-templates", proc, storyTemplate(), 201, "Idempotency-Key", "story-template")
	if err != nil {
		return s.steps, err
	}
	if _, err := s.call("POST", "/api/v1/questionnaire-templates/"+tpl["id"].(string)+"/publish", proc, nil, 200); err != nil {
		return s.steps, err
	}
	asm, err := s.call("POST", "/api/v1/assessments", proc, map[string]any{"engagement_id": eng, "template_id": tpl["id"],
		"due_date": "2030-06-30"}, 201, "Idempotency-Key", "story-assessment")
	if err != nil {
		return s.steps, err
	}
	id := asm["id"].(string)
	sent, err := s.call("POST", "/api/v1/assessments/"+id+"/send", proc, nil, 200)
	if err != nil {
		return s.steps, err
	}
	sup := sent["supplier_key"].(map[string]any)["secret"].(string)
	if _, err := s.call("PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
		{"key": "q1", "value": "no"}, {"key": "q2", "value": "partial"}, {"key": "q3", "value": "yes"}}}, 200); err != nil {
		return s.steps, err
	}
	if _, err := s.call("POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil, 200); err != nil {
		return s.steps, err
	}
	if _, err := s.call("POST", "/api/v1/assessments/"+id+"/review", proc, map[string]any{"decision": "complete"}, 200); err != nil {
		return s.steps, err
	}
	score, err := s.call("GET", "/api/v1/assessments/"+id+"/score", ken, nil, 200)
	if err != nil {
		return s.steps, err
	}
	sum := 0.0
	for _, q := range score["questions"].([]any) {
		sum += q.(map[string]any)["contribution_bp"].(float64)
	}
	if sum != score["overall_bp"].(float64) || score["state"] != "final" {
		return s.steps, fmt.Errorf("score %v (%v): contributions add up to %v", score["overall_bp"], score["state"], sum)
	}
	list, err := s.call("GET", "/api/v1/findings?sort=priority&engagement_id="+eng, proc, nil, 200)
	if err != nil {
		return s.steps, err
	}
	byQ := map[string]string{}
	for _, f := range list["items"].([]any) {
		f := f.(map[string]any)
		byQ[f["question_key"].(string)] = f["id"].(string)
	}
	if byQ["q1"] == "" || byQ["q2"] == "" || byQ["q3"] != "" {
		return s.steps, fmt.Errorf("findings by question %v, want q1 and q2", byQ)
	}
	if err := s.remediate(sup, proc, byQ["q1"]); err != nil {
		return s.steps, err
	}
	acc, err := s.call("POST", "/api/v1/findings/"+byQ["q2"]+"/risk-acceptances", proc, map[string]any{
		"justification": "Partial logging is compensated by the provider's SOC",
		"expires_on":    time.Now().AddDate(0, 3, 0).Format(time.DateOnly)}, 201,
		"Idempotency-Key", "story-acceptance")
	if err != nil {
		return s.steps, err
	}
	if _, err := s.call("POST", "/api/v1/risk-acceptances/"+acc["id"].(string)+"/approve", ken, nil, 200); err != nil {
		return s.steps, err
	}
	dec, err := s.call("POST", "/api/v1/decisions", proc, map[string]any{"engagement_id": eng,
		"purpose": "Customer portal hosting from July"}, 201, "Idempotency-Key", "story-decision")
	if err != nil {
		return s.steps, err
	}
	need := int(dec["inputs"].(map[string]any)["required_approvals"].(float64))
	var last map[string]any
	for _, approver := range []string{ken, yui}[:min(need, 2)] {
		if last, err = s.call("POST", "/api/v1/decisions/"+dec["id"].(string)+"/approve", approver, map[string]any{}, 200); err != nil {
			return s.steps, err
		}
	}
	if last["status"] != "approved" {
		return s.steps, fmt.Errorf("decision after %d approvals: %v", need, last)
	}
	return s.steps, nil
}

// remediate takes a finding through a plan the supplier proposes and procurement accepts, the item
// done by the supplier and verified by procurement, to closed.
func (s *storyClient) remediate(sup, proc, finding string) error {
	if _, err := s.call("POST", "/api/v1/supplier/findings/"+finding+"/response", sup, map[string]any{
		"response": "We will enforce MFA", "plans": []map[string]any{{"type": "corrective", "description": "Enforce MFA"}}}, 200); err != nil {
		return err
	}
	if _, err := s.call("POST", "/api/v1/findings/"+finding+"/remediation-plan/accept", proc, nil, 200); err != nil {
		return err
	}
	items, err := s.call("GET", "/api/v1/findings/"+finding+"/remediations", proc, nil, 200)
	if err != nil {
		return err
	}
	list := items["items"].([]any)
	if len(list) != 1 {
		return fmt.Errorf("remediation items %v, want one", list)
	}
	item := list[0].(map[string]any)["id"].(string)
	if _, err := s.call("POST", "/api/v1/supplier/findings/"+finding+"/response", sup, map[string]any{
		"response": "MFA enforced for all staff", "done": []string{item}}, 200); err != nil {
		return err
	}
	if _, err := s.call("POST", "/api/v1/remediations/"+item+"/verify", proc, map[string]any{"passed": true}, 200); err != nil {
		return err
	}
	f, err := s.call("GET", "/api/v1/findings/"+finding, proc, nil, 200)
	if err != nil {
		return err
	}
	if f["status"] != "closed" {
		return fmt.Errorf("remediated finding is %v, want closed", f["status"])
	}
	return nil
}

// storyTemplate is three questions mapped to ISO/IEC 27001:2022 5.19 (supplier relationships).
func storyTemplate() map[string]any {
	t := func(en string) map[string]any { return map[string]any{"en": en, "ja": en} }
	q := func(key, typ string, weight int, options []map[string]any) map[string]any {
		return map[string]any{"key": key, "text": t(strings.ToUpper(key) + "?"), "type": typ, "weight": weight, "required": true,
			"severity": "high", "threat_category": "external", "control_refs": []string{"iso27001-2022:5.19"}, "depth": "core",
			"options": options}
	}
	return map[string]any{"name": t("Cluster story"), "vendor_kinds": []string{"cloud_provider"},
		"sections": []map[string]any{{"key": "s1", "title": t("S1"), "questions": []map[string]any{
			q("q1", "yes_no", 5, nil),
			q("q2", "single_choice", 3, []map[string]any{
				{"value": "none", "label": t("None"), "score": 0},
				{"value": "partial", "label": t("Partial"), "score": 50},
				{"value": "full", "label": t("Full"), "score": 100}}),
			q("q3", "yes_no_na", 2, nil),
		}}}}
}
