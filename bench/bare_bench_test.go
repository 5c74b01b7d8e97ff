package bench

// The ratio benchmark states the product's hot reads as a share of a bare handler: net/http and
// database/sql, no framework, no middleware, no authentication, serving the same rows with the same
// statement from the same database (the same *sql.DB pool). Both are served over loopback TCP and
// loaded by the same client, interleaved round by round, so that the noise of a shared machine falls
// on both alike. Run with `make bench` or
//
//	go test -run '^$' -bench Ratio -benchtime 1x ./bench/
//
// The list depth benchmark reads the first page and a deep cursor page at 1,000 and at
// VENDORRISK_BENCH_LARGE vendors (default 1,000,000), seeded by direct inserts.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// Load shape: like wrk -c16 on the measurement.
const (
	ratioVendors = 10_000
	concurrency  = 16
	rounds       = 10
	roundTime    = time.Second
	warmTime     = 500 * time.Millisecond
)

// seedVendors inserts n vendors (and tagsEach tags of each) with multi-row INSERTs, in transactions
// of 10,000 rows, and returns their IDs in ID order.
func seedVendors(b *testing.B, db *sql.DB, n, tagsEach int) []string {
	b.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = domain.NewID()
	}
	slices.Sort(ids)
	now := time.Now().UTC().Truncate(time.Microsecond)
	countries := []string{"JP", "US", "DE", "SG", "IE"}
	const batch = 500
	for start := 0; start < n; start += 10_000 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for lo := start; lo < min(start+10_000, n); lo += batch {
			hi := min(lo+batch, n)
			var vq, tq strings.Builder
			vargs := make([]any, 0, (hi-lo)*12)
			targs := make([]any, 0, (hi-lo)*tagsEach*2)
			vq.WriteString("INSERT INTO vendors (id, kind, name, legal_name, corporate_number, registration_ids, country, website, description, internal_owner, status, version, created_at, updated_at) VALUES ")
			tq.WriteString("INSERT INTO vendor_tags (vendor_id, tag) VALUES ")
			for i := lo; i < hi; i++ {
				if i > lo {
					vq.WriteString(",")
				}
				vq.WriteString("(?,?,?,?,NULL,'[]',?,?,?,?,?,1,?,?)")
				vargs = append(vargs, ids[i], string(register.Kinds[i%len(register.Kinds)]), fmt.Sprintf("Vendor %07d", (i*7919)%n),
					fmt.Sprintf("Vendor %07d Ltd.", i), countries[i%len(countries)], "https://example.com", "seeded for the benchmarks",
					"owner@example.com", "active", now, now)
				for t := range tagsEach {
					if len(targs) > 0 {
						tq.WriteString(",")
					}
					tq.WriteString("(?,?)")
					targs = append(targs, ids[i], fmt.Sprintf("group-%d", (i+t)%10))
				}
			}
			if _, err := tx.ExecContext(ctx, vq.String(), vargs...); err != nil {
				b.Fatal(err)
			}
			if tagsEach > 0 {
				if _, err := tx.ExecContext(ctx, tq.String(), targs...); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// productHandler is the real handler as cmd/vendorrisk wires it, rate limit and in-flight cap off
// (one key sends everything), with a procurement key.
func productHandler(b *testing.B, db *repository.DB) (http.Handler, string) {
	b.Helper()
	svc := wiring.Wire(db, domain.SystemClock, nil)
	_, secret, err := svc.Keys.Create(context.Background(), apikey.NewKey{Name: "bench", Role: auth.RoleProcurement, CreatedBy: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return api.NewHandler(api.Config{RateLimit: 0}, svc.APIDeps(db, testdb.Logger(), domain.SystemClock)), secret
}

// bareColumns is the statement shape of the repository's vendor read: the row and its tags.
const bareColumns = `id, kind, name, legal_name, corporate_number, registration_ids, country, website,
description, internal_owner, status, version, created_at, updated_at,
(SELECT GROUP_CONCAT(t.tag ORDER BY t.tag) FROM vendor_tags t WHERE t.vendor_id = vendors.id) AS tags`

type bareVendor struct {
	ID              string          `json:"id"`
	Kind            string          `json:"kind"`
	Name            string          `json:"name"`
	LegalName       string          `json:"legal_name"`
	CorporateNumber string          `json:"corporate_number,omitempty"`
	RegistrationIDs json.RawMessage `json:"registration_ids"`
	Country         string          `json:"country,omitempty"`
	Website         string          `json:"website,omitempty"`
	Description     string          `json:"description,omitempty"`
	InternalOwner   string          `json:"internal_owner,omitempty"`
	Tags            []string        `json:"tags,omitempty"`
	Status          string          `json:"status"`
	Version         int             `json:"version"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

func scanBare(rows *sql.Rows) ([]bareVendor, error) {
	defer rows.Close()
	var out []bareVendor
	for rows.Next() {
		var (
			v          bareVendor
			corp, tags sql.NullString
			regs       string
		)
		if err := rows.Scan(&v.ID, &v.Kind, &v.Name, &v.LegalName, &corp, &regs, &v.Country, &v.Website, &v.Description,
			&v.InternalOwner, &v.Status, &v.Version, &v.CreatedAt, &v.UpdatedAt, &tags); err != nil {
			return nil, err
		}
		v.CorporateNumber, v.RegistrationIDs = corp.String, json.RawMessage(regs)
		if tags.String != "" {
			v.Tags = strings.Split(tags.String, ",")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// bareHandler serves GET /vendors/{id} and GET /vendors?limit=N from db with nothing else, with its
// two statements prepared once (as the repository keeps its vendor reads prepared).
func bareHandler(b *testing.B, db *sql.DB) http.Handler {
	b.Helper()
	one, err := db.Prepare("SELECT " + bareColumns + " FROM vendors WHERE id = ?")
	if err != nil {
		b.Fatal(err)
	}
	page, err := db.Prepare("SELECT " + bareColumns + " FROM vendors ORDER BY id ASC LIMIT ?")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = one.Close(), page.Close() })
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /vendors/{id}", func(w http.ResponseWriter, r *http.Request) {
		rows, err := one.QueryContext(r.Context(), r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		vs, err := scanBare(rows)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case len(vs) == 0:
			http.NotFound(w, r)
		default:
			writeJSON(w, vs[0])
		}
	})
	mux.HandleFunc("GET /vendors", func(w http.ResponseWriter, r *http.Request) {
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || limit < 1 || limit > 200 {
			limit = 50
		}
		rows, err := page.QueryContext(r.Context(), limit+1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		vs, err := scanBare(rows)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page := struct {
			Items      []bareVendor `json:"items"`
			NextCursor string       `json:"next_cursor,omitempty"`
		}{Items: vs}
		if len(vs) > limit {
			page.Items, page.NextCursor = vs[:limit], vs[limit-1].ID
		}
		writeJSON(w, page)
	})
	return mux
}

// target is one side of the comparison: a base URL and the header it needs.
type target struct {
	base, auth string
}

// load sends GETs of paths (taken in turn) from concurrency workers for d and returns the number of
// successful answers.
func load(client *http.Client, tg target, paths []string, d time.Duration) (int64, error) {
	var (
		n     atomic.Int64
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	stop := time.Now().Add(d)
	for range concurrency {
		wg.Go(func() {
			for time.Now().Before(stop) {
				p := paths[int(next.Add(1))%len(paths)]
				req, _ := http.NewRequest(http.MethodGet, tg.base+p, nil)
				if tg.auth != "" {
					req.Header.Set("Authorization", tg.auth)
				}
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: status %d", p, resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load(), first
}

// allocsPerRequest measures the allocations of one request served in-process (no network, no client).
func allocsPerRequest(b *testing.B, h http.Handler, path, authz string) float64 {
	b.Helper()
	return testing.AllocsPerRun(200, func() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	})
}

// BenchmarkRatio measures GET one vendor and the first page of 50 on each database, product against
// bare, interleaved: warm-up, then rounds of product then bare, each roundTime long.
func BenchmarkRatio(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db := testdb.Open(b, dialect)
			start := time.Now()
			ids := seedVendors(b, db.SQL(), ratioVendors, 2)
			b.Logf("%s: seeded %d vendors in %s", dialect, ratioVendors, time.Since(start).Round(time.Millisecond))
			prod, secret := productHandler(b, db)
			bare := bareHandler(b, db.SQL())
			ps, bs := httptest.NewServer(prod), httptest.NewServer(bare)
			defer ps.Close()
			defer bs.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: 2 * concurrency}}
			defer client.CloseIdleConnections()
			one := make([]string, 1000)
			for i := range one {
				one[i] = "/vendors/" + ids[(i*7919)%len(ids)]
			}
			for _, c := range []struct {
				name  string
				paths []string
			}{{"get-one", one}, {"list-50", []string{"/vendors?limit=50"}}} {
				b.Run(c.name, func(b *testing.B) {
					product := target{base: ps.URL + "/api/v1", auth: "Bearer " + secret}
					plain := target{base: bs.URL}
					var pn, bn int64
					var pt, bt time.Duration
					var ratios []float64                          // per round: product/bare of the pair
					for _, tg := range []target{product, plain} { // warm-up: connections, caches, pools
						if _, err := load(client, tg, c.paths, warmTime); err != nil {
							b.Fatal(err)
						}
					}
					for i := range rounds {
						pair := []target{product, plain}
						if i%2 == 1 { // alternate which side goes first
							pair = []target{plain, product}
						}
						var rate [2]float64
						for _, tg := range pair {
							t0 := time.Now()
							n, err := load(client, tg, c.paths, roundTime)
							if err != nil {
								b.Fatal(err)
							}
							d := time.Since(t0)
							if tg == product {
								pn, pt, rate[0] = pn+n, pt+d, float64(n)/d.Seconds()
							} else {
								bn, bt, rate[1] = bn+n, bt+d, float64(n)/d.Seconds()
							}
						}
						ratios = append(ratios, rate[0]/rate[1])
					}
					slices.Sort(ratios)
					median := (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
					prps, brps := float64(pn)/pt.Seconds(), float64(bn)/bt.Seconds()
					pa := allocsPerRequest(b, prod, "/api/v1"+c.paths[0], "Bearer "+secret)
					ba := allocsPerRequest(b, bare, c.paths[0], "")
					b.ReportMetric(prps, "product-req/s")
					b.ReportMetric(brps, "bare-req/s")
					b.ReportMetric(100*prps/brps, "%-of-bare")
					b.ReportMetric(100*median, "median-%-of-bare")
					b.ReportMetric(pa, "product-allocs/req")
					b.ReportMetric(ba, "bare-allocs/req")
					b.Logf("| %s | %s | %.0f / %.0f req/s = %.0f %% (median of rounds %.0f %%) | %.0f / %.0f allocs/req |",
						dialect, c.name, prps, brps, 100*prps/brps, 100*median, pa, ba)
				})
			}
		})
	}
}

// BenchmarkListDepth reads the first page and a deep cursor page (50 rows before the end), by
// creation order and by name, from a database of 1,000 vendors and one of VENDORRISK_BENCH_LARGE
// (default 1,000,000), through the product handler in-process. Requests alternate between the two
// databases, so that the machine's noise falls on both alike; it reports p50 and p99 of each and the
// ratio of the p99s.
func BenchmarkListDepth(b *testing.B) {
	large := 1_000_000
	if v := os.Getenv("VENDORRISK_BENCH_LARGE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("VENDORRISK_BENCH_LARGE=%q: want an integer of at least 1000", v)
		}
		large = n
	}
	type side struct {
		h       http.Handler
		secret  string
		queries map[string]string
	}
	open := func(b *testing.B, dialect string, n int) side {
		db := testdb.Open(b, dialect)
		start := time.Now()
		ids := seedVendors(b, db.SQL(), n, 1)
		b.Logf("%s: seeded %d vendors in %s", dialect, n, time.Since(start).Round(time.Millisecond))
		h, secret := productHandler(b, db)
		var deepName, nameID string
		err := db.SQL().QueryRowContext(context.Background(),
			"SELECT name, id FROM vendors ORDER BY name, id LIMIT 1 OFFSET ?", n-100).Scan(&deepName, &nameID)
		if err != nil {
			b.Fatal(err)
		}
		return side{h: h, secret: secret, queries: map[string]string{
			"first":      "limit=50",
			"deep":       "limit=50&cursor=" + url.QueryEscape(domain.Cursor{Sort: "created_at", ID: ids[len(ids)-100]}.Encode()),
			"name-first": "limit=50&sort=name",
			"name-deep":  "limit=50&sort=name&cursor=" + url.QueryEscape(domain.Cursor{Sort: "name", Value: deepName, ID: nameID}.Encode()),
		}}
	}
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			small, big := open(b, dialect, 1000), open(b, dialect, large)
			for _, q := range []string{"first", "deep", "name-first", "name-deep"} {
				b.Run(q, func(b *testing.B) {
					var ls, lb []time.Duration
					b.ReportAllocs()
					for b.Loop() {
						ls = append(ls, serveList(b, small.h, "/api/v1/vendors?"+small.queries[q], small.secret))
						lb = append(lb, serveList(b, big.h, "/api/v1/vendors?"+big.queries[q], big.secret))
					}
					b.StopTimer()
					s50, s99 := percentiles(ls)
					l50, l99 := percentiles(lb)
					b.ReportMetric(s50, "p50-ms-1k")
					b.ReportMetric(s99, "p99-ms-1k")
					b.ReportMetric(l50, "p50-ms-large")
					b.ReportMetric(l99, "p99-ms-large")
					b.ReportMetric(l99/s99, "p99-large/1k")
				})
			}
		})
	}
}

// serveList serves one list request in-process, checks it returned a full page, and returns its latency.
func serveList(b *testing.B, h http.Handler, path, secret string) time.Duration {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := httptest.NewRecorder()
	t0 := time.Now()
	h.ServeHTTP(rec, req)
	d := time.Since(t0)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Items) != 50 {
		b.Fatal(errors.Join(err, fmt.Errorf("%s: %d items, want 50", path, len(page.Items))))
	}
	return d
}

// percentiles returns p50 and p99 in milliseconds.
func percentiles(lat []time.Duration) (p50, p99 float64) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	return pct(0.50), pct(0.99)
}
