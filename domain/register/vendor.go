// Package register is the vendor register: the legal entities (contractors, cloud providers) we buy from,
// their contacts, certifications and the subcontractors they rely on (our fourth parties).
package register

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/country"
)

// Kind says what a vendor is to us.
type Kind string

const (
	KindContractor    Kind = "contractor"
	KindCloudProvider Kind = "cloud_provider"
	KindOther         Kind = "other"
)

// Kinds lists every kind.
var Kinds = []Kind{KindContractor, KindCloudProvider, KindOther}

// Status is the vendor's lifecycle state.
type Status string

const (
	StatusProposed    Status = "proposed"
	StatusActive      Status = "active"
	StatusSuspended   Status = "suspended"
	StatusOffboarding Status = "offboarding"
	StatusTerminated  Status = "terminated"
)

// Statuses lists every status.
var Statuses = []Status{StatusProposed, StatusActive, StatusSuspended, StatusOffboarding, StatusTerminated}

// transitions is the lifecycle: a proposed vendor may be rejected (terminated) before it is ever used;
// an active one is suspended or offboarded; offboarding ends in terminated, which is final.
var transitions = map[Status][]Status{
	StatusProposed:    {StatusActive, StatusTerminated},
	StatusActive:      {StatusSuspended, StatusOffboarding},
	StatusSuspended:   {StatusActive, StatusOffboarding},
	StatusOffboarding: {StatusActive, StatusTerminated},
	StatusTerminated:  {},
}

// CanTransition reports whether the lifecycle allows from -> to.
func CanTransition(from, to Status) bool {
	return from == to || slices.Contains(transitions[from], to)
}

// RegistrationID is another registry's identifier for the vendor (e.g. DUNS, LEI, VAT).
type RegistrationID struct {
	Scheme string
	Value  string
}

// Vendor is one legal entity in the register.
type Vendor struct {
	ID              string
	Kind            Kind
	Name            string
	LegalName       string
	CorporateNumber string
	// ExternalRef is the vendor's id in the customer's ERP ("" when none); unique when set, so that an
	// import matches rows to vendors that have no corporate number.
	ExternalRef     string
	RegistrationIDs []RegistrationID
	Country         string
	Website         string
	Description     string
	InternalOwner   string
	Tags            []string
	Status          Status
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

var (
	tagPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:-]{0,39}$`)
	schemePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// Limits on free text, in characters.
const (
	maxName        = 200
	maxDescription = 4000
	maxTags        = 20
	maxRegIDs      = 10
)

// normalize trims text fields and canonicalises codes before validation.
func (v *Vendor) normalize() {
	v.Name = strings.TrimSpace(v.Name)
	v.LegalName = strings.TrimSpace(v.LegalName)
	v.CorporateNumber = strings.TrimSpace(v.CorporateNumber)
	v.ExternalRef = strings.TrimSpace(v.ExternalRef)
	v.Country = country.Normalize(v.Country)
	v.Website = strings.TrimSpace(v.Website)
	v.InternalOwner = strings.TrimSpace(v.InternalOwner)
	tags := make([]string, len(v.Tags))
	for i, t := range v.Tags {
		tags[i] = strings.ToLower(strings.TrimSpace(t))
	}
	v.Tags = tags // still in the client's order, so that errors name the index the client sent
	for i := range v.RegistrationIDs {
		v.RegistrationIDs[i].Scheme = strings.ToLower(strings.TrimSpace(v.RegistrationIDs[i].Scheme))
		v.RegistrationIDs[i].Value = strings.TrimSpace(v.RegistrationIDs[i].Value)
	}
}

// validate checks every business rule and reports all broken ones, named by JSON field.
func (v *Vendor) validate() error {
	var c domain.Validator
	c.Check(slices.Contains(Kinds, v.Kind), "kind", "must be one of contractor, cloud_provider, other")
	c.Check(v.Name != "", "name", "is required")
	c.Check(utf8.RuneCountInString(v.Name) <= maxName, "name", "must be at most 200 characters")
	c.Check(utf8.RuneCountInString(v.LegalName) <= maxName, "legal_name", "must be at most 200 characters")
	c.Check(v.CorporateNumber == "" || ValidCorporateNumber(v.CorporateNumber), "corporate_number",
		"must be a 13-digit Japanese corporate number with a valid check digit")
	c.Check(domain.ValidExternalRef(v.ExternalRef), "external_ref", "must be at most 100 printable characters")
	c.Check(v.Country == "" || country.Valid(v.Country), "country", "must be an ISO 3166-1 alpha-2 code")
	c.Check(v.Website == "" || validWebsite(v.Website), "website", "must be an absolute http or https URL")
	c.Check(utf8.RuneCountInString(v.Description) <= maxDescription, "description", "must be at most 4000 characters")
	c.Check(utf8.RuneCountInString(v.InternalOwner) <= maxName, "internal_owner", "must be at most 200 characters")
	c.Check(slices.Contains(Statuses, v.Status), "status", "must be one of proposed, active, suspended, offboarding, terminated")
	c.Check(len(v.Tags) <= maxTags, "tags", "must have at most 20 entries")
	for i, t := range v.Tags {
		c.Check(tagPattern.MatchString(t), fieldIndex("tags", i), "must be 1-40 of a-z, 0-9, _ . : - starting with a letter or digit")
	}
	if c.Err() == nil {
		slices.Sort(v.Tags)
		v.Tags = slices.Compact(v.Tags)
	}
	c.Check(len(v.RegistrationIDs) <= maxRegIDs, "registration_ids", "must have at most 10 entries")
	seen := map[string]bool{}
	for i, r := range v.RegistrationIDs {
		f := fieldIndex("registration_ids", i)
		c.Check(schemePattern.MatchString(r.Scheme), f+".scheme", "must be 1-32 of a-z, 0-9, _ -")
		c.Check(r.Value != "" && len(r.Value) <= 64, f+".value", "is required and at most 64 characters")
		c.Check(!seen[r.Scheme], f+".scheme", "is listed twice")
		seen[r.Scheme] = true
	}
	return c.Err()
}

func validWebsite(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 2048
}

func fieldIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}
