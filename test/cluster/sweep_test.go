//go:build cluster

package cluster

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"
)

// sweepRun is one "sweep ran" or "sweep failed" line of a replica's JSON log.
type sweepRun struct {
	Msg     string    `json:"msg"`
	Started time.Time `json:"started"`
	Ran     *bool     `json:"ran"`
	Holder  string    `json:"holder"`
}

// sweepRuns reads the sweep runs started in [from, to) from the replicas' logs, in order; a failed
// attempt that had the lease counts as a run.
func sweepRuns(t *testing.T, logs []string, from, to time.Time) []sweepRun {
	t.Helper()
	var runs []sweepRun
	for _, path := range logs {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r sweepRun
			if json.Unmarshal(sc.Bytes(), &r) != nil || r.Started.Before(from) || !r.Started.Before(to) {
				continue
			}
			if r.Msg == "sweep ran" || (r.Msg == "sweep failed" && r.Ran != nil && *r.Ran) {
				runs = append(runs, r)
			}
		}
		f.Close()
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Started.Before(runs[j].Started) })
	return runs
}

// checkSweepSchedule: the sweep ran once per interval across the replicas: no two runs closer than
// the interval (less the ticker's jitter), and no interval without a run except while a holder's
// lease ran out after it was killed (at most two intervals).
func checkSweepSchedule(t *testing.T, runs []sweepRun, interval, over time.Duration) {
	t.Helper()
	if len(runs) < 2 {
		t.Errorf("sweep: %d runs in %v, want about %d", len(runs), over, over/interval)
		return
	}
	minGap, maxGap := time.Duration(1<<62), time.Duration(0)
	by := map[string]int{}
	for i, r := range runs {
		by[r.Holder]++
		if i == 0 {
			continue
		}
		gap := r.Started.Sub(runs[i-1].Started)
		minGap, maxGap = min(minGap, gap), max(maxGap, gap)
	}
	t.Logf("sweep: %d runs in %v at a %v interval (%d intervals), gaps %v to %v, runs by replica %v",
		len(runs), over.Round(time.Second), interval, over/interval, minGap.Round(time.Millisecond), maxGap.Round(time.Millisecond), by)
	if minGap < interval*9/10 {
		t.Errorf("sweep: two runs %v apart, within one %v interval", minGap, interval)
	}
	if want := int(over / interval); len(runs) < want/2 {
		t.Errorf("sweep: %d runs in %d intervals", len(runs), want)
	}
}
