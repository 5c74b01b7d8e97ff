package vendor

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Contact is a person at the vendor we talk to.
type Contact struct {
	ID        string
	VendorID  string
	Name      string
	Email     string
	Phone     string
	Role      string
	Primary   bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{3,30}$`)

func (c *Contact) normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.TrimSpace(c.Email)
	c.Phone = strings.TrimSpace(c.Phone)
	c.Role = strings.TrimSpace(c.Role)
}

func (c *Contact) validate() error {
	var v domain.Validator
	v.Check(c.Name != "" && utf8.RuneCountInString(c.Name) <= maxName, "name", "is required and at most 200 characters")
	v.Check(c.Email == "" || validEmail(c.Email), "email", "must be a plain e-mail address")
	v.Check(c.Phone == "" || phonePattern.MatchString(c.Phone), "phone", "must be digits with an optional leading +, spaces, dashes or parentheses")
	v.Check(utf8.RuneCountInString(c.Role) <= maxName, "role", "must be at most 200 characters")
	v.Check(c.Email != "" || c.Phone != "", "email", "an e-mail address or a phone number is required")
	return v.Err()
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// Scheme is a certification or attestation scheme.
type Scheme string

const (
	SchemeISO27001    Scheme = "iso_27001"
	SchemeISO27017    Scheme = "iso_27017"
	SchemeISO27018    Scheme = "iso_27018"
	SchemeSOC2Type2   Scheme = "soc2_type2"
	SchemeISMAP       Scheme = "ismap"
	SchemePrivacyMark Scheme = "privacymark"
	SchemeCSASTAR     Scheme = "csa_star"
	SchemeOther       Scheme = "other"
)

// Schemes lists every scheme.
var Schemes = []Scheme{SchemeISO27001, SchemeISO27017, SchemeISO27018, SchemeSOC2Type2, SchemeISMAP,
	SchemePrivacyMark, SchemeCSASTAR, SchemeOther}

// ExpiryWarning is how far ahead a certification counts as expiring soon.
const ExpiryWarning = 90 * 24 * time.Hour

// Certification is a certificate or attestation report the vendor holds.
type Certification struct {
	ID            string
	VendorID      string
	Scheme        Scheme
	SchemeName    string // required for SchemeOther
	CertificateID string
	Issuer        string
	Scope         string
	ValidFrom     time.Time // a date: midnight UTC
	ValidUntil    time.Time // a date: the last day it is valid
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Expiry says where a certification stands on a given day.
type Expiry struct {
	Expired         bool
	ExpiringSoon    bool
	DaysUntilExpiry int
}

// ExpiryAt computes the expiry flags for the day of now (UTC).
func (c Certification) ExpiryAt(now time.Time) Expiry {
	today := Day(now)
	days := int(c.ValidUntil.Sub(today).Hours() / 24)
	return Expiry{
		Expired:         c.ValidUntil.Before(today),
		ExpiringSoon:    !c.ValidUntil.Before(today) && c.ValidUntil.Sub(today) <= ExpiryWarning,
		DaysUntilExpiry: days,
	}
}

// Day truncates t to midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (c *Certification) normalize() {
	c.SchemeName = strings.TrimSpace(c.SchemeName)
	c.CertificateID = strings.TrimSpace(c.CertificateID)
	c.Issuer = strings.TrimSpace(c.Issuer)
	c.Scope = strings.TrimSpace(c.Scope)
	c.ValidFrom = Day(c.ValidFrom)
	c.ValidUntil = Day(c.ValidUntil)
}

func (c *Certification) validate() error {
	var v domain.Validator
	v.Check(slices.Contains(Schemes, c.Scheme), "scheme",
		"must be one of iso_27001, iso_27017, iso_27018, soc2_type2, ismap, privacymark, csa_star, other")
	v.Check(c.Scheme != SchemeOther || c.SchemeName != "", "scheme_name", "is required when scheme is other")
	v.Check(utf8.RuneCountInString(c.SchemeName) <= maxName, "scheme_name", "must be at most 200 characters")
	v.Check(utf8.RuneCountInString(c.CertificateID) <= 100, "certificate_id", "must be at most 100 characters")
	v.Check(utf8.RuneCountInString(c.Issuer) <= maxName, "issuer", "must be at most 200 characters")
	v.Check(utf8.RuneCountInString(c.Scope) <= maxDescription, "scope", "must be at most 4000 characters")
	v.Check(!c.ValidFrom.IsZero(), "valid_from", "is required")
	v.Check(!c.ValidUntil.IsZero(), "valid_until", "is required")
	v.Check(c.ValidFrom.IsZero() || c.ValidUntil.IsZero() || !c.ValidUntil.Before(c.ValidFrom), "valid_until",
		"must not be before valid_from")
	return v.Err()
}

// Subcontractor records that a vendor relies on another vendor of the register for a service: an edge
// of the fourth-party graph. The graph is kept acyclic.
type Subcontractor struct {
	ID              string
	VendorID        string
	SubcontractorID string
	Service         string
	HandlesOurData  bool
	CreatedAt       time.Time
	// SubcontractorName is read with the link for display; it is not stored on it.
	SubcontractorName string
}

func (s *Subcontractor) normalize() {
	s.Service = strings.TrimSpace(s.Service)
}

func (s *Subcontractor) validate() error {
	var v domain.Validator
	v.Check(domain.ValidID(s.SubcontractorID), "subcontractor_id", "must be a vendor id")
	v.Check(s.SubcontractorID != s.VendorID, "subcontractor_id", "a vendor cannot be its own subcontractor")
	v.Check(s.Service != "" && utf8.RuneCountInString(s.Service) <= maxName, "service", "is required and at most 200 characters")
	return v.Err()
}
