package api_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/docs"
)

// Every exchange of the api test suite goes through specCheck: the request and the response are
// validated against the published OpenAPI 3 document (docs/openapi.yaml), and a response the spec does
// not declare (status, media type, body, headers), or a success answering a request the spec refuses,
// fails the test that sent it.

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error

	specExchanges atomic.Int64 // validated request/response pairs, reported by TestMain
	specSkipped   atomic.Int64 // requests to paths the spec does not describe (/swagger, /metrics, 404s)
)

func loadSpec() (routers.Router, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(docs.OpenAPIYAML)
		if err != nil {
			specErr = fmt.Errorf("load docs/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("docs/openapi.yaml is invalid: %w", err)
			return
		}
		specRouter, specErr = legacy.NewRouter(doc)
	})
	return specRouter, specErr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if n := specExchanges.Load(); n > 0 {
		fmt.Printf("spec: %d exchanges validated against docs/openapi.yaml (%d to undocumented paths)\n", n, specSkipped.Load())
	}
	if code == 0 && !produced.checkCatalog() {
		code = 1
	}
	os.Exit(code)
}

// specCheck wraps h so that every exchange is validated against the spec; violations are reported
// on t (Errorf, so requests from other goroutines may report too).
func specCheck(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	router, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return &specHandler{t: t, h: h, router: router}
}

type specHandler struct {
	t      *testing.T
	h      http.Handler
	router routers.Router
	off    atomic.Bool // set by specUnchecked
}

// specUnchecked turns the spec check off for the rest of a test that breaks the contract on purpose
// behind the server's back (a database row tampered with outside the API), saying why.
func (e *env) specUnchecked(t *testing.T, why string) {
	t.Helper()
	if s, ok := e.h.(*specHandler); ok {
		t.Logf("spec check off: %s", why)
		s.off.Store(true)
	}
}

// Unwrap gives the handler under the check (tests that need the *gin.Engine).
func (s *specHandler) Unwrap() http.Handler { return s.h }

var specOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            true,
}

func (s *specHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.off.Load() {
		s.h.ServeHTTP(w, r)
		return
	}
	route, params, err := s.router.FindRoute(r)
	if err != nil { // a path or method the spec does not describe: the server must refuse it
		specSkipped.Add(1)
		s.h.ServeHTTP(w, r)
		return
	}
	// The request body is copied as the server reads it, so that slow or failing bodies reach the
	// server as they were sent; the request is validated afterwards against what was read.
	var reqBody bytes.Buffer
	hasBody := r.Body != nil && r.Body != http.NoBody
	if hasBody {
		r.Body = &teeBody{ReadCloser: r.Body, copy: &reqBody}
	}
	tee := &teeWriter{ResponseWriter: w}
	s.h.ServeHTTP(tee, r)
	specExchanges.Add(1)

	status := tee.status
	if status == 0 {
		status = http.StatusOK
	}
	what := fmt.Sprintf("%s %s → %d", r.Method, r.URL.RequestURI(), status)
	check := r.Clone(context.WithoutCancel(r.Context()))
	check.Body = http.NoBody
	if hasBody {
		check.Body = io.NopCloser(bytes.NewReader(reqBody.Bytes()))
	}
	reqInput := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route, Options: specOptions}
	if status < 400 {
		if err := openapi3filter.ValidateRequest(check.Context(), reqInput); err != nil {
			s.t.Errorf("spec: %s accepted a request the spec refuses: %v", what, err)
		}
	}
	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput, Status: status, Header: tee.Header().Clone(), Options: specOptions,
	}
	respInput.SetBodyBytes(tee.body.Bytes())
	if err := openapi3filter.ValidateResponse(check.Context(), respInput); err != nil {
		s.t.Errorf("spec: %s: the response breaks the spec: %v\nbody: %.600s", what, err, tee.body.Bytes())
	}
}

// teeBody copies a request body as it is read.
type teeBody struct {
	io.ReadCloser
	copy *bytes.Buffer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.copy.Write(p[:n])
	return n, err
}

// teeWriter passes a response through and keeps a copy of its status and body.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestOpenAPIServed checks /openapi.yaml serves the published OpenAPI 3 document without credentials.
func TestOpenAPIServed(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	r := must(t, e.do(t, "GET", "/openapi.yaml", "", nil), http.StatusOK)
	if !bytes.Equal(r.Raw, docs.OpenAPIYAML) || r.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openapi.yaml: %s, %d bytes", r.Header.Get("Content-Type"), len(r.Raw))
	}
	if _, err := openapi3.NewLoader().LoadFromData(r.Raw); err != nil {
		t.Fatal(err)
	}
}
