// Package webhook publishes the domain events to subscribers over HTTP: a transactional outbox written
// in the use case's own transaction, webhook endpoints an admin subscribes, and a delivery worker that
// signs each message per the Standard Webhooks specification and retries with backoff. The domain
// decides what is sent when; the transport (a Sender) and the storage are adapters.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
)

// SecretPrefix marks a Standard Webhooks signing secret; the rest is the base64 key.
const SecretPrefix = "whsec_"

// Endpoint is a subscriber: where to send which events, and the secret that signs them.
type Endpoint struct {
	ID          string
	URL         string
	Description string
	// EventTypes selects the events sent: an exact type ("vendor.updated"), a prefix ("assessment.*")
	// or "*" for every event.
	EventTypes []string
	// VendorID scopes the endpoint to a supplier: it receives only that vendor's events a supplier may
	// see, without internal fields (supplier.go). "" is an internal consumer that receives everything.
	VendorID string
	Enabled  bool
	// DisabledReason says why the service disabled the endpoint on its own ("" otherwise).
	DisabledReason string
	Secret         string `event:"-"` // never in an event
	// PreviousSecret still signs, next to Secret, until PreviousSecretUntil (a rotation's grace period).
	PreviousSecret      string `event:"-"`
	PreviousSecretUntil *time.Time
	// ConsecutiveFailures counts failed attempts since the last success.
	ConsecutiveFailures int
	Version             int
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Wants reports whether the endpoint subscribes to events of type typ.
func (e Endpoint) Wants(typ string) bool {
	for _, f := range e.EventTypes {
		switch {
		case f == "*" || f == typ:
			return true
		case strings.HasSuffix(f, ".*") && strings.HasPrefix(typ, strings.TrimSuffix(f, "*")):
			return true
		}
	}
	return false
}

// Secrets are the secrets that sign a message at now: the current one, and the previous one during
// its grace period.
func (e Endpoint) Secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != "" && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

var typeFilter = regexp.MustCompile(`^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$`)

// validate checks what a caller gave; guard decides which URLs are allowed.
func (e *Endpoint) validate(g Guard) error {
	e.URL = strings.TrimSpace(e.URL)
	e.Description = strings.TrimSpace(e.Description)
	var v domain.Validator
	if err := g.CheckURL(e.URL); err != nil {
		v.Add("url", err.Error())
	}
	v.Check(utf8.RuneCountInString(e.Description) <= 500, "description", "must be at most 500 characters")
	v.Check(len(e.EventTypes) > 0, "event_types", "must name at least one event type, a prefix such as assessment.* or *")
	v.Check(len(e.EventTypes) <= 100, "event_types", "must name at most 100 filters")
	seen := map[string]bool{}
	for i, f := range e.EventTypes {
		f = strings.TrimSpace(f)
		e.EventTypes[i] = f
		field := "event_types[" + strconv.Itoa(i) + "]"
		switch {
		case !typeFilter.MatchString(f) || len(f) > 200:
			v.Add(field, "must be an event type (vendor.updated), a prefix ending in .* (assessment.*) or *")
		case seen[f]:
			v.Add(field, "is listed twice")
		}
		seen[f] = true
	}
	return v.Err()
}

// Guard is the SSRF policy: which targets a webhook may reach. The zero value is the strict one.
type Guard struct {
	// AllowHTTP permits plain http URLs (VENDORRISK_WEBHOOK_ALLOW_HTTP).
	AllowHTTP bool
	// AllowPrivate permits loopback, private, link-local and other internal addresses
	// (VENDORRISK_WEBHOOK_ALLOW_PRIVATE), for tests and closed networks.
	AllowPrivate bool
}

// CheckURL checks a target URL when it is saved: scheme, no credentials, and a literal address that is
// not internal. Names are checked again when they are resolved at delivery (CheckAddr), since DNS may
// answer differently then.
func (g Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("is required")
	case len(raw) > 2000:
		return errors.New("must be at most 2000 characters")
	case err != nil || u.Host == "" || !u.IsAbs():
		return errors.New("must be an absolute URL such as https://hooks.example.com/vendorrisk")
	case u.Scheme != "https" && !(g.AllowHTTP && u.Scheme == "http"):
		if g.AllowHTTP {
			return errors.New("must be an http or https URL")
		}
		return errors.New("must be an https URL (plain http needs VENDORRISK_WEBHOOK_ALLOW_HTTP=true)")
	case u.User != nil:
		return errors.New("must not carry credentials")
	case u.Fragment != "":
		return errors.New("must not have a fragment")
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(addr)
	}
	return nil
}

// metadata lists cloud metadata addresses outside the link-local ranges.
var metadata = []netip.Addr{netip.MustParseAddr("fd00:ec2::254"), netip.MustParseAddr("100.100.100.200")}

// CheckAddr refuses an internal address (loopback, private, link-local such as the 169.254.169.254
// metadata service, unspecified, multicast, shared and reserved ranges) unless private targets are allowed.
func (g Guard) CheckAddr(a netip.Addr) error {
	if g.AllowPrivate {
		return nil
	}
	a = a.Unmap()
	var what string
	switch {
	case a.IsLoopback():
		what = "a loopback address"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		what = "a link-local address (cloud metadata lives there)"
	case a.IsPrivate():
		what = "a private address"
	case a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast():
		what = "not a unicast address"
	case netip.MustParsePrefix("100.64.0.0/10").Contains(a), netip.MustParsePrefix("192.0.0.0/24").Contains(a),
		netip.MustParsePrefix("198.18.0.0/15").Contains(a), netip.MustParsePrefix("240.0.0.0/4").Contains(a),
		netip.MustParsePrefix("0.0.0.0/8").Contains(a), netip.MustParsePrefix("64:ff9b::/96").Contains(a):
		what = "a reserved or shared address"
	}
	for _, m := range metadata {
		if a == m {
			what = "a cloud metadata address"
		}
	}
	if what != "" {
		return fmt.Errorf("resolves to %s (%s), which webhooks may not reach (VENDORRISK_WEBHOOK_ALLOW_PRIVATE=true permits it)", what, a)
	}
	return nil
}

// CheckHostPort checks a dialled "ip:port" (what net.Dialer's Control sees, after resolution).
func (g Guard) CheckHostPort(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: not an IP address", address)
	}
	return g.CheckAddr(a)
}

// NewSecret returns a fresh signing secret: "whsec_" and 32 random bytes in base64.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// Sign is the Standard Webhooks signature of one message: "v1," and the base64 HMAC-SHA256, keyed with
// the secret's decoded bytes, of "id.timestamp.body".
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return "", fmt.Errorf("webhook secret is not base64: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Signatures is the webhook-signature header: one signature per secret, separated by spaces.
func Signatures(secrets []string, id string, timestamp int64, body []byte) (string, error) {
	out := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, id, timestamp, body)
		if err != nil {
			return "", err
		}
		out = append(out, sig)
	}
	return strings.Join(out, " "), nil
}

// Message is one outbox row: an event as it is delivered.
type Message struct {
	Seq         int64  // the outbox's order
	ID          string // webhook-id: the same on every attempt and redelivery, for the consumer's deduplication
	Type        string
	Version     int
	SubjectType string
	SubjectID   string
	VendorID    string
	// EndpointID targets one endpoint only (the test ping); "" is for every subscriber.
	EndpointID string
	Payload    json.RawMessage // the exact body delivered
	RequestID  string
	OccurredAt time.Time
}

// Body is the JSON delivered for an event.
type Body struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Version   int             `json:"version"`
	Timestamp time.Time       `json:"timestamp"`
	Subject   BodySubject     `json:"subject"`
	VendorID  string          `json:"vendor_id,omitempty"`
	Data      map[string]any  `json:"data"`
	Changes   json.RawMessage `json:"changes,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
}

// BodySubject is what the event is about.
type BodySubject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// BodySchema is the JSON Schema of the body delivered for events of type typ whose data is described
// by data (the subject's snapshot; {"type": "object"} when not described).
func BodySchema(typ string, data map[string]any) map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"title":   typ,
		"type":    "object",
		"properties": map[string]any{
			"id":        str,
			"type":      map[string]any{"const": typ},
			"version":   map[string]any{"type": "integer"},
			"timestamp": map[string]any{"type": "string", "format": "date-time"},
			"subject": map[string]any{"type": "object", "required": []any{"type", "id"},
				"properties": map[string]any{"type": str, "id": str}},
			"vendor_id": str,
			"data":      data,
			"changes": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []any{"field"},
				"properties": map[string]any{"field": str, "before": map[string]any{}, "after": map[string]any{}}}},
			"reason":     str,
			"request_id": str,
		},
		"required": []any{"id", "type", "version", "timestamp", "subject", "data"},
	}
}
