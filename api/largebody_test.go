package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestRefusedLargeBodyIsAnsweredWhole: a role that may not import posting a 12 MB catalog over a real
// connection reads its 403 problem, every time, instead of a reset connection or a broken pipe (the
// body is read, bounded, before the refusal, so the server never closes on a client still sending).
func TestRefusedLargeBodyIsAnsweredWhole(t *testing.T) {
	e := sqliteOnly(t, api.Config{RateLimit: 0})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	auditor := e.key(t, auth.RoleAuditor, "")
	body := bytes.Repeat([]byte(" "), 12<<20) // beyond what socket buffers hold on loopback
	copy(body, `{"catalog": {}}`)
	for i := range 5 {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
		head := fmt.Sprintf("POST /api/v1/frameworks/import HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", auditor, len(body))
		if _, err := conn.Write([]byte(head)); err != nil {
			t.Fatalf("attempt %d: write headers: %v", i, err)
		}
		// Sent in small pieces, as a slow uplink would: the answer must still wait for the whole body.
		for off := 0; off < len(body); off += 64 << 10 {
			if _, err := conn.Write(body[off:min(off+64<<10, len(body))]); err != nil {
				t.Fatalf("attempt %d: the server stopped reading at byte %d: %v", i, off, err)
			}
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("attempt %d: no answer: %v", i, err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		var p struct {
			Status int `json:"status"`
		}
		if err != nil || resp.StatusCode != http.StatusForbidden || json.Unmarshal(raw, &p) != nil || p.Status != http.StatusForbidden ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("attempt %d: %d %s %s (%v), want a whole 403 problem", i, resp.StatusCode, resp.Header.Get("Content-Type"), raw, err)
		}
	}
}
