package bench

import (
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// exportRows is how many vendors BenchmarkExport100k streams (VENDORRISK_BENCH_EXPORT_ROWS, default
// 100,000: a smaller count shows whether the peak heap grows with the rows).
func exportRows(b *testing.B) int {
	if v := os.Getenv("VENDORRISK_BENCH_EXPORT_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("VENDORRISK_BENCH_EXPORT_ROWS=%q: want a positive integer", v)
		}
		return n
	}
	return 100_000
}

// BenchmarkExport100k streams all 100,000 vendors of a database (seeded by direct inserts) through
// GET /api/v1/vendors/export as CSV and as XLSX, in-process, into a writer that counts and drops the
// bytes (a recorder would hold the file and hide what the server holds). It reports the seconds per
// export, the peak heap in use while it runs (runtime.MemStats.HeapInuse sampled every 5 ms, minus the
// heap before it), and the bytes allocated per row.
func BenchmarkExport100k(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			rows := exportRows(b)
			db := testdb.Open(b, dialect)
			start := time.Now()
			seedVendors(b, db.SQL(), rows, 2)
			b.Logf("%s: seeded %d vendors in %s", dialect, rows, time.Since(start).Round(time.Millisecond))
			h, secret := productHandler(b, db)
			for _, format := range []string{"csv", "xlsx"} {
				b.Run(format, func(b *testing.B) {
					var secs, peak, perRow, size float64
					for b.Loop() {
						s, p, a, n := exportOnce(b, h, secret, format, rows)
						secs, peak, perRow, size = secs+s, max(peak, p), perRow+a, n
					}
					runs := float64(b.N)
					b.ReportMetric(secs/runs, "s/export")
					b.ReportMetric(peak/(1<<20), "peak-heap-MiB")
					b.ReportMetric(perRow/runs, "alloc-B/row")
					b.ReportMetric(size/(1<<20), "file-MiB")
				})
			}
		})
	}
}

// exportOnce runs one export and returns its seconds, the peak heap growth in bytes, the bytes
// allocated per row and the file's size.
func exportOnce(b *testing.B, h http.Handler, secret, format string, rows int) (secs, peak, allocPerRow, size float64) {
	b.Helper()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var high atomic.Uint64
	high.Store(before.HeapInuse)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > high.Load() {
					high.Store(m.HeapInuse)
				}
			}
		}
	})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/vendors/export?format="+format, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	w := &discard{header: http.Header{}}
	t0 := time.Now()
	h.ServeHTTP(w, req)
	secs = time.Since(t0).Seconds()
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if w.status != http.StatusOK || w.n == 0 {
		b.Fatalf("export %s: status %d, %d bytes", format, w.status, w.n)
	}
	return secs, float64(high.Load() - before.HeapInuse), float64(after.TotalAlloc-before.TotalAlloc) / float64(rows), float64(w.n)
}

// discard is a ResponseWriter that counts the body and keeps none of it.
type discard struct {
	header http.Header
	status int
	n      int64
}

func (d *discard) Header() http.Header { return d.header }

func (d *discard) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func (d *discard) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	d.n += int64(len(p))
	return len(p), nil
}
