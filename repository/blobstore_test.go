package repository_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/s3gw"
)

// blobFixture is one store under test, with a way to damage a stored blob behind its back.
type blobFixture struct {
	store assessment.BlobStore
	// overwrite replaces the stored content of sha without any check (a disk or bucket gone bad).
	overwrite func(t *testing.T, sha string, data []byte)
}

// TestBlobStores runs one behaviour suite on every evidence store: the local directory always, and
// an S3 bucket on a real S3 server (versitygw on a loopback port; skipped when it is not installed,
// unless VENDORRISK_REQUIRE_S3=1).
func TestBlobStores(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "evidence", "nested") // created when missing
		b, err := repository.NewLocalBlobs(dir)
		if err != nil {
			t.Fatal(err)
		}
		blobSuite(t, blobFixture{store: b, overwrite: func(t *testing.T, sha string, data []byte) {
			if err := os.WriteFile(filepath.Join(dir, sha[:2], sha), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}})
		// Named by hash, fanned out by its first two characters, and no temporary file left behind.
		for _, f := range files(t, dir) {
			base := filepath.Base(f)
			if !assessment.ValidSHA256(base) || filepath.Dir(f) != base[:2] {
				t.Errorf("file %s is not <2 hex>/<sha256>", f)
			}
		}
	})
	t.Run("s3", func(t *testing.T) {
		gw := s3gw.Start(t)
		cfg := gw.Bucket(t.Context())
		cfg.PartSize = repository.MinPartSize // so that the large blob goes in parts
		b, err := repository.NewS3Blobs(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		raw := gw.Client()
		blobSuite(t, blobFixture{store: b, overwrite: func(t *testing.T, sha string, data []byte) {
			_, err := raw.PutObject(t.Context(), cfg.Bucket, cfg.Prefix+"/"+sha[:2]+"/"+sha, bytes.NewReader(data),
				int64(len(data)), minio.PutObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
		}})
		// Objects that are not blobs under the prefix, or outside it, are not listed (nor swept).
		for _, key := range []string{"evidence/readme.txt", "other/" + blobSHA([]byte("x"))[:2] + "/" + blobSHA([]byte("x"))} {
			if _, err := raw.PutObject(t.Context(), cfg.Bucket, key, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, info := range listBlobs(t, b) {
			if info.SHA256 == blobSHA([]byte("x")) {
				t.Error("an object outside the prefix was listed")
			}
		}
		t.Run("gateway down", func(t *testing.T) {
			gw.Stop()
			defer gw.Restart()
			d := []byte("%PDF-1.4\nwhile the gateway is down\n")
			if err := b.Put(t.Context(), blobSHA(d), bytes.NewReader(d), int64(len(d))); !errors.Is(err, domain.ErrUnavailable) {
				t.Errorf("Put with the gateway down: %v, want ErrUnavailable (503)", err)
			}
			if _, err := b.Open(t.Context(), blobSHA(helloPDF())); !errors.Is(err, domain.ErrUnavailable) {
				t.Errorf("Open with the gateway down: %v, want ErrUnavailable (503)", err)
			}
		})
		t.Run("bad configuration", func(t *testing.T) {
			for name, c := range map[string]repository.S3Config{
				"missing bucket": {Bucket: "no-such-bucket", Endpoint: gw.Endpoint, PathStyle: true, AccessKey: s3gw.AccessKey, SecretKey: s3gw.SecretKey, Region: "us-east-1"},
				"wrong secret":   {Bucket: cfg.Bucket, Endpoint: gw.Endpoint, PathStyle: true, AccessKey: s3gw.AccessKey, SecretKey: "wrong", Region: "us-east-1"},
				"endpoint path":  {Bucket: cfg.Bucket, Endpoint: gw.Endpoint + "/x", PathStyle: true},
				"small parts":    {Bucket: cfg.Bucket, Endpoint: gw.Endpoint, PartSize: 1 << 20},
				"unknown sse":    {Bucket: cfg.Bucket, Endpoint: gw.Endpoint, SSE: "rot13"},
			} {
				if _, err := repository.NewS3Blobs(t.Context(), c); err == nil {
					t.Errorf("%s: accepted", name)
				}
			}
		})
	})
}

func helloPDF() []byte { return []byte("%PDF-1.4\nhello\n") }

func listBlobs(t *testing.T, s assessment.BlobStore) map[string]assessment.BlobInfo {
	t.Helper()
	out := map[string]assessment.BlobInfo{}
	if err := s.List(t.Context(), func(b assessment.BlobInfo) error {
		if _, dup := out[b.SHA256]; dup {
			t.Errorf("blob %s listed twice", b.SHA256)
		}
		out[b.SHA256] = b
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

func readBlob(ctx context.Context, s assessment.BlobStore, sha string) ([]byte, error) {
	r, err := s.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// pattern is a deterministic stream of n bytes that is never in memory as a whole.
func pattern(n int64, seed byte) io.Reader {
	block := make([]byte, 4096)
	for i := range block {
		block[i] = byte(i*7) ^ seed
	}
	return io.LimitReader(&repeat{block: block}, n)
}

type repeat struct {
	block []byte
	off   int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	return n, nil
}

func blobSuite(t *testing.T, f blobFixture) {
	s := f.store
	ctx := t.Context()
	data := []byte("%PDF-1.4\nhello\n")
	sum := blobSHA(data)

	t.Run("put and open", func(t *testing.T) {
		if err := s.Put(ctx, sum, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		got, err := readBlob(ctx, s, sum)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %q, %v", got, err)
		}
		info, ok := listBlobs(t, s)[sum]
		if !ok || info.Size != int64(len(data)) || info.ModTime.IsZero() {
			t.Errorf("listed %+v (found %v)", info, ok)
		}
	})
	t.Run("same content twice renews it", func(t *testing.T) {
		before := listBlobs(t, s)[sum].ModTime
		time.Sleep(1100 * time.Millisecond) // S3 times have second precision
		if err := s.Put(ctx, sum, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		all := listBlobs(t, s)
		if len(all) != 1 {
			t.Errorf("%d blobs after storing one content twice", len(all))
		}
		if after := all[sum].ModTime; !after.After(before) {
			t.Errorf("time %v not renewed (was %v): the orphan sweep could remove a blob just uploaded again", after, before)
		}
	})
	t.Run("content that does not match its name is refused", func(t *testing.T) {
		other := []byte("%PDF-1.4\nnot hello\n")
		wrong := blobSHA([]byte("something else"))
		if err := s.Put(ctx, wrong, bytes.NewReader(other), int64(len(other))); !errors.Is(err, assessment.ErrCorrupt) {
			t.Errorf("Put under another hash: %v, want ErrCorrupt", err)
		}
		if _, err := s.Open(ctx, wrong); !errors.Is(err, assessment.ErrBlobNotFound) {
			t.Errorf("after a refused Put, Open = %v, want ErrBlobNotFound", err)
		}
		short := blobSHA(other)
		if err := s.Put(ctx, short, bytes.NewReader(other[:5]), int64(len(other))); err == nil {
			t.Error("Put of fewer bytes than announced succeeded")
		}
		if err := s.Put(ctx, short, bytes.NewReader(other), int64(len(other)-1)); err == nil {
			t.Error("Put of more bytes than announced succeeded")
		}
		if _, ok := listBlobs(t, s)[short]; ok {
			t.Error("a refused Put left a blob")
		}
	})
	t.Run("names that are not a SHA-256", func(t *testing.T) {
		for _, bad := range []string{"", "../../etc/passwd", strings.ToUpper(sum), sum[:63], sum + "0", "zz" + sum[2:]} {
			if err := s.Put(ctx, bad, bytes.NewReader(data), int64(len(data))); err == nil {
				t.Errorf("Put(%q) accepted", bad)
			}
			if _, err := s.Open(ctx, bad); err == nil {
				t.Errorf("Open(%q) accepted", bad)
			}
			if err := s.Delete(ctx, bad); err == nil {
				t.Errorf("Delete(%q) accepted", bad)
			}
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := s.Open(ctx, blobSHA([]byte("never stored"))); !errors.Is(err, assessment.ErrBlobNotFound) {
			t.Errorf("Open of a missing blob: %v, want ErrBlobNotFound", err)
		}
		if err := s.Delete(ctx, blobSHA([]byte("never stored"))); err != nil {
			t.Errorf("Delete of a missing blob: %v", err)
		}
	})
	t.Run("large content streams both ways", func(t *testing.T) {
		const n = 12<<20 + 12345 // three parts on S3 at the 5 MiB part size
		h := sha256.New()
		if _, err := io.Copy(h, pattern(n, 1)); err != nil {
			t.Fatal(err)
		}
		big := hex.EncodeToString(h.Sum(nil))
		if err := s.Put(ctx, big, pattern(n, 1), n); err != nil {
			t.Fatal(err)
		}
		r, err := s.Open(ctx, big)
		if err != nil {
			t.Fatal(err)
		}
		h.Reset()
		got, err := io.Copy(h, r)
		r.Close()
		if err != nil || got != n || hex.EncodeToString(h.Sum(nil)) != big {
			t.Fatalf("read back %d bytes, %v", got, err)
		}
		// The wrong content of the same size is refused after the last part, and leaves nothing.
		wrong := blobSHA([]byte("not the big one"))
		if err := s.Put(ctx, wrong, pattern(n, 2), n); !errors.Is(err, assessment.ErrCorrupt) {
			t.Errorf("large Put under another hash: %v, want ErrCorrupt", err)
		}
		if _, ok := listBlobs(t, s)[wrong]; ok {
			t.Error("a refused large Put left a blob")
		}
		if err := s.Delete(ctx, big); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a damaged blob fails its read", func(t *testing.T) {
		d := []byte("%PDF-1.4\ndamaged later\n")
		sha := blobSHA(d)
		if err := s.Put(ctx, sha, bytes.NewReader(d), int64(len(d))); err != nil {
			t.Fatal(err)
		}
		f.overwrite(t, sha, []byte("%PDF-1.4\ndamaged LATER\n"))
		if _, err := readBlob(ctx, s, sha); !errors.Is(err, assessment.ErrCorrupt) {
			t.Errorf("reading a damaged blob: %v, want ErrCorrupt", err)
		}
		if err := s.Delete(ctx, sha); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, sha); !errors.Is(err, assessment.ErrBlobNotFound) {
			t.Errorf("after Delete, Open = %v", err)
		}
	})
	t.Run("concurrent writers", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() {
				d := []byte(strings.Repeat("x", 1000+i%2))
				errs <- s.Put(ctx, blobSHA(d), bytes.NewReader(d), int64(len(d)))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent Put: %v", err)
			}
		}
		all := listBlobs(t, s)
		var names []string
		for sha := range all {
			names = append(names, sha)
		}
		slices.Sort(names)
		want := []string{sum, blobSHA([]byte(strings.Repeat("x", 1000))), blobSHA([]byte(strings.Repeat("x", 1001)))}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("blobs %v, want %v", names, want)
		}
	})
	t.Run("list stops on the callback's error", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := s.List(ctx, func(assessment.BlobInfo) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("List = %v after %d calls", err, calls)
		}
	})
}
