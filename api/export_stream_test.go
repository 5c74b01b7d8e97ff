package api_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// smallBuffers makes every accepted connection's kernel send buffer tiny, so that a server writing to
// a client that does not read blocks after a few kilobytes instead of filling megabytes of buffers.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// An export outlives the database deadline and holds nothing while its client does not read: with a
// 1 s deadline, a client that stops reading for 2.5 s after the first kilobyte still gets all 1,000
// vendors (each page is read under its own deadline, after the client took the previous one), and
// meanwhile other requests are served at once (no pooled connection waits on the stalled client).
func TestExportOutlivesTheDeadline(t *testing.T) {
	eachDBWith(t, api.Config{DBTimeout: time.Second}, func(t *testing.T, e *env) {
		seedVendors(t, e, 1000, register.KindContractor, "bulk")
		srv := httptest.NewUnstartedServer(e.h)
		srv.Listener = smallBuffers{srv.Listener}
		srv.Start()
		t.Cleanup(srv.Close)

		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(conn, "GET /api/v1/vendors/export?sort=name HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\n\r\n", e.admin)
		br := bufio.NewReaderSize(conn, 1024)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		head := make([]byte, 1024)
		if _, err := io.ReadFull(res.Body, head); err != nil {
			t.Fatal(err)
		}

		stall := time.Now()
		for time.Since(stall) < 2500*time.Millisecond {
			t0 := time.Now()
			r, err := http.Get(srv.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/vendors?limit=5", nil)
			req.Header.Set("Authorization", "Bearer "+e.admin)
			r, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusOK || time.Since(t0) > 900*time.Millisecond {
				t.Fatalf("while an export stalls, a list took %s with status %d", time.Since(t0), r.StatusCode)
			}
			time.Sleep(250 * time.Millisecond)
		}

		rest, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("the export broke off after the stall: %v", err)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(append(head, rest...), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1001 {
			t.Errorf("%d rows after the stall, want the header and 1,000 vendors", len(rows))
		}
	})
}
