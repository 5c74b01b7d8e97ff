// Package s3gw starts a real S3-compatible server for tests: the Versity S3 Gateway (versitygw)
// serving a temporary folder, on a free loopback port. Tests that need it are skipped when the
// binary is not installed, unless VENDORRISK_REQUIRE_S3=1 (set by CI), which turns the skip into a
// failure. Install it with: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
package s3gw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vendorrisk/vendorrisk/repository"
)

// Credentials of every gateway the tests start.
const (
	AccessKey = "vendorrisk-test"
	SecretKey = "vendorrisk-test-secret"
)

// Gateway is a running versitygw.
type Gateway struct {
	Endpoint string // http://127.0.0.1:PORT
	Root     string // the folder it serves: one sub-folder per bucket
	addr     string
	bin      string
	t        testing.TB
	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
}

// Binary finds versitygw on PATH or in GOBIN / GOPATH/bin; "" when absent.
func Binary() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(string(trimNL(out))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Start runs a gateway for the test, stopped when it ends.
func Start(t testing.TB) *Gateway {
	t.Helper()
	bin := Binary()
	if bin == "" {
		msg := "versitygw not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)"
		if os.Getenv("VENDORRISK_REQUIRE_S3") == "1" {
			t.Fatalf("an S3 server is required (VENDORRISK_REQUIRE_S3=1): %s", msg)
		}
		t.Skip(msg + "; set VENDORRISK_REQUIRE_S3=1 to fail instead")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	g := &Gateway{Endpoint: "http://" + addr, Root: t.TempDir(), addr: addr, bin: bin, t: t}
	g.start()
	t.Cleanup(g.Stop)
	return g
}

func (g *Gateway) start() {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	cmd := exec.Command(g.bin, "--access", AccessKey, "--secret", SecretKey, "--port", g.addr, "posix", g.Root)
	log, err := os.Create(filepath.Join(g.t.TempDir(), "versitygw.log"))
	if err != nil {
		g.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		g.t.Fatalf("start versitygw: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	g.cmd, g.done = cmd, done
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", g.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			out, _ := os.ReadFile(log.Name())
			g.t.Fatalf("versitygw exited at start: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("versitygw did not listen on %s within 30 s", g.addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the gateway (a no-op when stopped).
func (g *Gateway) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd == nil {
		return
	}
	_ = g.cmd.Process.Kill()
	<-g.done
	g.cmd = nil
}

// Restart stops the gateway and starts it again on the same port and folder.
func (g *Gateway) Restart() {
	g.Stop()
	g.start()
}

// Client is a raw S3 client of the gateway, for setting up and for reaching past the store.
func (g *Gateway) Client() *minio.Client {
	g.t.Helper()
	c, err := minio.New(g.addr, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		g.t.Fatal(err)
	}
	return c
}

// Bucket creates a bucket with a fresh name and returns the store configuration for it.
func (g *Gateway) Bucket(ctx context.Context) repository.S3Config {
	g.t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "vr-" + hex.EncodeToString(b)
	if err := g.Client().MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		g.t.Fatalf("create bucket %s: %v", name, err)
	}
	return repository.S3Config{Bucket: name, Prefix: "evidence", Endpoint: g.Endpoint, Region: "us-east-1",
		PathStyle: true, AccessKey: AccessKey, SecretKey: SecretKey}
}
