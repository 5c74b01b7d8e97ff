package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// TestAssessmentConcurrentSaves: suppliers saving different answers at the same moment, without
// If-Match, lose nothing, on both dialects.
func TestAssessmentConcurrentSaves(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Concurrent KK")
		id := asm.ID
		version := 1

		// Two writers, ten rounds, each round started together.
		const rounds = 10
		for i := range rounds {
			batches := [][]map[string]any{
				{av("notes", "notes of round "+strconv.Itoa(i))},
				{av("staff_count", strconv.Itoa(100+i))},
			}
			statuses := a.together(t, secret, id, batches)
			for w, s := range statuses {
				if s != http.StatusOK {
					t.Fatalf("round %d writer %d: status %d", i, w, s)
				}
			}
			version += 2
			v := a.supplierGet(t, secret, id)
			if got := questionOf(t, v, "notes").Answer; got == nil || got.Value != "notes of round "+strconv.Itoa(i) {
				t.Fatalf("round %d: notes = %+v (lost)", i, got)
			}
			if got := questionOf(t, v, "staff_count").Answer; got == nil || got.Value != strconv.Itoa(100+i) {
				t.Fatalf("round %d: staff_count = %+v (lost)", i, got)
			}
			if v.AnswersVersion != version {
				t.Fatalf("round %d: answers version %d, want %d", i, v.AnswersVersion, version)
			}
		}

		// Seven writers at once, each a different question (two supplier keys of the vendor).
		other := a.key(t, "supplier", asm.VendorID)
		batches := [][]map[string]any{
			{av("has_policy", "no")}, {av("uses_subs", "no")}, {av("hosting", "gcp")}, {al("certs", "pci")},
			{av("staff_count", "7")}, {av("notes", "final")}, {av("pentest", "no")},
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(batches))
		start := make(chan struct{})
		for i, b := range batches {
			key := secret
			if i%2 == 1 {
				key = other
			}
			wg.Go(func() {
				<-start
				statuses[i] = a.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", key, map[string]any{"answers": b}).Status
			})
		}
		close(start)
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusOK {
				t.Errorf("writer %d: status %d", i, s)
			}
		}
		v := a.supplierGet(t, secret, id)
		for _, b := range batches {
			k := b[0]["key"].(string)
			if questionOf(t, v, k).Answer == nil {
				t.Errorf("%s lost", k)
			}
		}
		if v.AnswersVersion != version+len(batches) {
			t.Errorf("answers version %d, want %d", v.AnswersVersion, version+len(batches))
		}
		// All of it is complete now: submit works.
		must(t, a.submit(t, secret, id), http.StatusOK)
	})
}

// together sends each batch from its own goroutine, released at once, and returns the statuses.
func (a *asmEnv) together(t *testing.T, secret, id string, batches [][]map[string]any) []int {
	t.Helper()
	var wg sync.WaitGroup
	statuses := make([]int, len(batches))
	start := make(chan struct{})
	for i, b := range batches {
		wg.Go(func() {
			<-start
			statuses[i] = a.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", secret, map[string]any{"answers": b}).Status
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// TestAssessmentConcurrentIssue: two requests issuing the same template to the same engagement at once
// give one 201 and one 409, and one assessment.
func TestAssessmentConcurrentIssue(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		for round := range 5 {
			_, eng := a.engagement(t, fmt.Sprintf("Race %d KK", round))
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			start := make(chan struct{})
			for i := range statuses {
				wg.Go(func() {
					<-start
					statuses[i] = a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng)).Status
				})
			}
			close(start)
			wg.Wait()
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{http.StatusCreated, http.StatusConflict}) {
				t.Errorf("round %d: statuses %v, want one 201 and one 409", round, statuses)
			}
			if n := len(must(t, a.do(t, "GET", "/api/v1/assessments?engagement_id="+eng, a.admin, nil), http.StatusOK).items(t)); n != 1 {
				t.Errorf("round %d: %d assessments on the engagement, want 1", round, n)
			}
		}
	})
}
