package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// syncBuffer is a log sink safe for the handler's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPanicRecovery registers panicking routes on the engine NewHandler builds, so that they run behind
// the server's own middleware, which is not reachable from outside the package.
func TestPanicRecovery(t *testing.T) {
	var logs syncBuffer
	h := NewHandler(Config{}, Deps{
		Log:   slog.New(slog.NewJSONHandler(&logs, nil)),
		Clock: func() time.Time { return time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC) },
	})
	e, ok := h.(*gin.Engine)
	if !ok {
		t.Fatalf("NewHandler returns %T, not the gin engine", h)
	}
	const secret = "dsn=root:hunter2@tcp(10.0.0.5:3306)"
	e.GET("/test/boom", func(*gin.Context) { panic(secret) })
	e.GET("/test/boom-error", func(*gin.Context) { panic(fmt.Errorf("query failed: %w", errors.New(secret))) })
	e.GET("/test/late-boom", func(c *gin.Context) {
		c.String(http.StatusOK, "partial")
		panic(secret)
	})
	e.GET("/test/abort", func(*gin.Context) { panic(http.ErrAbortHandler) })

	serve := func(path, requestID string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequestWithContext(t.Context(), "GET", path, nil)
		if requestID != "" {
			req.Header.Set("X-Request-ID", requestID)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, path := range []string{"/test/boom", "/test/boom-error"} {
		t.Run(path, func(t *testing.T) {
			id := "req-" + strings.TrimPrefix(path, "/test/")
			rec := serve(path, id)
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if p.Status != 500 || p.Title == "" || !strings.HasPrefix(p.Type, "https://") || p.RequestID != id ||
				rec.Header().Get("X-Request-ID") != id {
				t.Errorf("problem %+v, X-Request-ID %q", p, rec.Header().Get("X-Request-ID"))
			}
			if !strings.Contains(p.Detail, "internal error") {
				t.Errorf("detail %q", p.Detail)
			}
			for _, leak := range []string{"hunter2", "10.0.0.5", "goroutine", "panic", ".go:"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("the 500 reveals %q: %s", leak, rec.Body)
				}
			}
			// The details go to the log, with the request id.
			var found bool
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"msg":"panic"`) && strings.Contains(line, id) && strings.Contains(line, "hunter2") &&
					strings.Contains(line, "goroutine") {
					found = true
				}
			}
			if !found {
				t.Errorf("no panic log line with request id %s, the value and the stack:\n%s", id, logs.String())
			}
		})
	}

	t.Run("after the response started", func(t *testing.T) {
		rec := serve("/test/late-boom", "")
		if rec.Body.String() != "partial" {
			t.Errorf("body %q: the recovery wrote into a started response", rec.Body)
		}
	})

	t.Run("http.ErrAbortHandler is not swallowed", func(t *testing.T) {
		defer func() {
			if rec := recover(); rec != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler to reach net/http", rec)
			}
		}()
		serve("/test/abort", "")
	})

	t.Run("the server keeps serving and counts the 500s", func(t *testing.T) {
		if rec := serve("/healthz", ""); rec.Code != http.StatusOK {
			t.Errorf("healthz after panics: %d", rec.Code)
		}
		m := serve("/metrics", "").Body.String()
		for _, want := range []string{
			`vendorrisk_http_requests_total{method="GET",route="/test/boom",status="500"} 1`,
			`vendorrisk_http_requests_total{method="GET",route="/test/boom-error",status="500"} 1`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}
