package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/s3gw"
)

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestEvidenceMigrate: "evidence migrate" copies the local directory into the S3 store, refuses a
// local file that no longer matches its name (and says so, exit 1), and on a second run finds the
// copies there and checks them again.
func TestEvidenceMigrate(t *testing.T) {
	gw := s3gw.Start(t)
	bucket := gw.Bucket(t.Context())
	dir := t.TempDir()
	local, err := repository.NewLocalBlobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	good := [][]byte{[]byte("%PDF-1.4\nfirst\n"), bytes.Repeat([]byte("second file\n"), 700_000)} // 8 MB: in parts
	for _, d := range good {
		if err := local.Put(t.Context(), shaOf(d), bytes.NewReader(d), int64(len(d))); err != nil {
			t.Fatal(err)
		}
	}
	bad := []byte("%PDF-1.4\nthird\n")
	badSHA := shaOf(bad)
	if err := local.Put(t.Context(), badSHA, bytes.NewReader(bad), int64(len(bad))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, badSHA[:2], badSHA), []byte("%PDF-1.4\nTHIRD\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envFrom(map[string]string{
		"VENDORRISK_EVIDENCE_DIR": dir, "VENDORRISK_EVIDENCE_STORE": "s3://" + bucket.Bucket + "/migrated/",
		"VENDORRISK_S3_ENDPOINT": gw.Endpoint, "VENDORRISK_S3_PATH_STYLE": "true", "VENDORRISK_S3_PART_SIZE": "5242880",
		"AWS_ACCESS_KEY_ID": s3gw.AccessKey, "AWS_SECRET_ACCESS_KEY": s3gw.SecretKey, "AWS_REGION": "us-east-1",
	})
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"evidence", "migrate"}, env, &out, &errOut); code != 1 {
		t.Fatalf("with a damaged local file: exit %d, want 1; %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "3 file(s), 2 copied, 0 already there") || !strings.Contains(out.String(), "1 failed") ||
		!strings.Contains(errOut.String(), badSHA) {
		t.Errorf("summary %q, log %q", out.String(), errOut.String())
	}
	bucket.Prefix = "migrated"
	s3, err := repository.NewS3Blobs(t.Context(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range good {
		r, err := s3.Open(t.Context(), shaOf(d))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, d) {
			t.Errorf("copy of %s: %d bytes, %v", shaOf(d)[:8], len(got), err)
		}
	}
	if _, err := s3.Open(t.Context(), badSHA); err == nil {
		t.Error("the damaged file was copied")
	}
	if err := local.Delete(t.Context(), badSHA); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(t.Context(), []string{"evidence", "migrate"}, env, &out, io.Discard); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, out.String())
	}
	if !strings.Contains(out.String(), "2 file(s), 0 copied, 2 already there") {
		t.Errorf("second run: %q", out.String())
	}
}

func TestEvidenceStoreConfig(t *testing.T) {
	for name, tt := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"not s3":           {[]string{"serve"}, map[string]string{"VENDORRISK_EVIDENCE_STORE": "gs://bucket"}, "evidence store"},
		"no bucket":        {[]string{"serve"}, map[string]string{"VENDORRISK_EVIDENCE_STORE": "s3:///prefix"}, "evidence store"},
		"bad sse":          {[]string{"serve", "--evidence-store", "s3://b", "--s3-sse", "des"}, nil, "server-side encryption"},
		"kms without key":  {[]string{"serve", "--evidence-store", "s3://b", "--s3-sse", "aws:kms"}, nil, "KMS_KEY_ID"},
		"small parts":      {[]string{"serve"}, map[string]string{"VENDORRISK_S3_PART_SIZE": "1024"}, "part size"},
		"bad path style":   {[]string{"serve"}, map[string]string{"VENDORRISK_S3_PATH_STYLE": "sometimes"}, "path style"},
		"bad endpoint":     {[]string{"serve", "--evidence-store", "s3://b", "--s3-endpoint", "minio:9000"}, nil, "s3 endpoint"},
		"short grace":      {[]string{"serve"}, map[string]string{"VENDORRISK_EVIDENCE_ORPHAN_GRACE": "10s"}, "orphan grace"},
		"migrate to local": {[]string{"evidence", "migrate"}, nil, "VENDORRISK_EVIDENCE_STORE"},
		"evidence what":    {[]string{"evidence", "copy"}, nil, "evidence needs migrate"},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(t.Context(), tt.args, envFrom(tt.env), io.Discard, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.want)
			}
		})
	}
	// The effective configuration names the store, never the credentials.
	cfg := &config{Addr: "127.0.0.1:8080", DBDriver: "sqlite", LogFormat: "json", LogLevel: "info",
		EvidenceStore: "s3://bucket/evidence", S3: repository.S3Config{Endpoint: "https://s3.amazonaws.com", AccessKey: "AKIAEXAMPLE", SecretKey: "very-secret"}}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.parseEvidenceStore(); err != nil || cfg.S3.Bucket != "bucket" || cfg.S3.Prefix != "evidence" {
		t.Fatalf("parsed %+v, %v", cfg.S3, err)
	}
	var buf bytes.Buffer
	cfg.logger(&buf).Info("starting", cfg.logAttrs()...)
	if strings.Contains(buf.String(), "very-secret") || strings.Contains(buf.String(), "AKIAEXAMPLE") || !strings.Contains(buf.String(), "s3://bucket/evidence") {
		t.Errorf("log %s", buf.String())
	}
}
