// Package outbound sends webhook requests over HTTP. Every connection is checked against the SSRF
// guard after the name is resolved (a net.Dialer Control hook sees the address actually dialled, so
// DNS rebinding cannot slip an internal address past a check made earlier), redirects are not
// followed, and no proxy from the environment is used.
package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// maxResponse is how much of an answer is kept for the deliveries list.
const maxResponse = 1 << 10

// Client implements webhook.Sender.
type Client struct {
	guard webhook.Guard
	http  *http.Client
}

var _ webhook.Sender = (*Client)(nil)

// ErrBlocked marks a target the guard refused.
var ErrBlocked = errors.New("blocked by the webhook SSRF guard")

// New returns a client that refuses what guard refuses; timeout bounds each request.
func New(guard webhook.Guard, timeout time.Duration) *Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if err := guard.CheckHostPort(address); err != nil {
				return fmt.Errorf("%w: %s %v", ErrBlocked, address, err)
			}
			return nil
		}}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf, past the guard
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          20,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Client{guard: guard, http: &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Send posts the request; a redirect is an answer like any other (not 2xx: a failure).
func (c *Client) Send(ctx context.Context, r webhook.Request) (webhook.Response, error) {
	if err := c.guard.CheckURL(r.URL); err != nil {
		return webhook.Response{}, fmt.Errorf("%w: url %v", ErrBlocked, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return webhook.Response{}, fmt.Errorf("build request: %w", err)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return webhook.Response{}, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	return webhook.Response{StatusCode: res.StatusCode, Body: string(body)}, nil
}

// CloseIdle closes idle connections (at shutdown).
func (c *Client) CloseIdle() { c.http.CloseIdleConnections() }
