package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/s3gw"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// s3Store opens a fresh bucket on gw as a replica would: its own client.
func s3Store(t *testing.T, cfg repository.S3Config) assessment.BlobStore {
	t.Helper()
	b, err := repository.NewS3Blobs(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReplicasShareEvidence: two replicas of the API, each wired on its own (its own services,
// handler and S3 client), share only the MySQL database and the S3 bucket. Evidence uploaded
// through one downloads, hash checked, through the other; with the local directory it would not.
func TestReplicasShareEvidence(t *testing.T) {
	gw := s3gw.Start(t)
	bucket := gw.Bucket(t.Context())
	db := testdb.Open(t, repository.DialectMySQL)
	a := newAsmEnv(t, newEnvWithBlobs(t, db, api.Config{}, s3Store(t, bucket)))
	b := newAsmEnv(t, newEnvWithBlobs(t, db, api.Config{}, s3Store(t, bucket)))
	b.clock = a.clock

	asm, secret := a.sent(t, "Replicated Evidence KK")
	big := bytes.Repeat([]byte("evidence line that repeats\n"), 300_000) // 8 MiB: more than one 5 MiB part
	files := map[string][]byte{"report.pdf": pdfFile, "controls.txt": big}
	for name, data := range files {
		var ev api.EvidenceResponse
		must(t, a.uploadFile(t, secret, asm.ID, name, data, "notes"), http.StatusCreated).into(t, &ev)
		for _, r := range []*asmEnv{b, a} {
			got := must(t, r.do(t, "GET", ev.ContentURL, r.auditor, nil), http.StatusOK)
			if !bytes.Equal(got.Raw, data) || sha256Hex(got.Raw) != ev.SHA256 {
				t.Errorf("%s downloaded: %d bytes, want the %d uploaded", name, len(got.Raw), len(data))
			}
		}
	}
	// The supplier sees its uploads through the other replica too.
	got := b.supplierGet(t, secret, asm.ID)
	if len(got.Evidence) != len(files) {
		t.Errorf("replica b lists %d evidence files, want %d", len(got.Evidence), len(files))
	}
}

// TestEvidenceOrphanSweep: a stored file that no evidence record names (its upload's record was
// never committed) is removed by the sweep once older than the grace period, on both stores; files
// that records name are kept.
func TestEvidenceOrphanSweep(t *testing.T) {
	stores := map[string]func(t *testing.T) assessment.BlobStore{
		"local": func(t *testing.T) assessment.BlobStore {
			b, err := repository.NewLocalBlobs(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		"s3": func(t *testing.T) assessment.BlobStore {
			gw := s3gw.Start(t)
			return s3Store(t, gw.Bucket(t.Context()))
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			blobs := open(t)
			e := newEnvWithBlobs(t, testdb.Open(t, repository.DialectSQLite), api.Config{}, blobs)
			a := newAsmEnv(t, e)
			asm, secret := a.sent(t, "Orphans KK")
			var ev api.EvidenceResponse
			must(t, a.uploadFile(t, secret, asm.ID, "kept.pdf", pdfFile, "notes"), http.StatusCreated).into(t, &ev)
			orphan := []byte("%PDF-1.4\nstored, but its record was never committed\n")
			if err := blobs.Put(t.Context(), sha256Hex(orphan), bytes.NewReader(orphan), int64(len(orphan))); err != nil {
				t.Fatal(err)
			}
			sweepOrphans := func() int {
				t.Helper()
				svc := wiring.WireWith(e.db, e.clock.Now, blobs, wiring.Options{Observe: produced, Secrets: testSecrets()})
				svc.OrphanGrace = time.Hour
				res, err := svc.Sweeper(e.db, "orphans", e.clock.Now, testdb.Logger()).RunOnce(t.Context())
				if err != nil || !res.Ran {
					t.Fatalf("sweep: ran %v, %v", res.Ran, err)
				}
				return res.Changed["evidence_orphans"]
			}
			stored := func() map[string]bool {
				out := map[string]bool{}
				if err := blobs.List(t.Context(), func(b assessment.BlobInfo) error { out[b.SHA256] = true; return nil }); err != nil {
					t.Fatal(err)
				}
				return out
			}
			e.clock.Advance(time.Since(e.clock.Now()) + time.Minute) // the real now: the files' times
			if n := sweepOrphans(); n != 0 || !stored()[sha256Hex(orphan)] {
				t.Fatalf("within the grace period the sweep removed %d file(s)", n)
			}
			e.clock.Advance(time.Hour)
			if n := sweepOrphans(); n != 1 {
				t.Errorf("past the grace period the sweep removed %d file(s), want the 1 orphan", n)
			}
			if s := stored(); s[sha256Hex(orphan)] || !s[ev.SHA256] || len(s) != 1 {
				t.Errorf("stored after the sweep: %v; want only %s", s, ev.SHA256)
			}
			got := must(t, a.do(t, "GET", ev.ContentURL, a.auditor, nil), http.StatusOK)
			if !bytes.Equal(got.Raw, pdfFile) {
				t.Error("the kept file no longer downloads")
			}
			if !strings.HasPrefix(got.Header.Get("Repr-Digest"), "sha-256=:") {
				t.Errorf("Repr-Digest %q", got.Header.Get("Repr-Digest"))
			}
		})
	}
}
