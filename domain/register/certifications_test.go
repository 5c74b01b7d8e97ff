package register

import (
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestCertificationExpiryAt(t *testing.T) {
	now := time.Date(2025, 4, 1, 15, 30, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*60*60)
	tests := []struct {
		name       string
		now        time.Time
		validUntil time.Time
		want       Expiry
	}{
		{"expired long ago", now, date(2024, 1, 1), Expiry{Expired: true, DaysUntilExpiry: -456}},
		{"expired yesterday", now, date(2025, 3, 31), Expiry{Expired: true, DaysUntilExpiry: -1}},
		{"last valid day is today", now, date(2025, 4, 1), Expiry{ExpiringSoon: true, DaysUntilExpiry: 0}},
		{"tomorrow", now, date(2025, 4, 2), Expiry{ExpiringSoon: true, DaysUntilExpiry: 1}},
		{"exactly 90 days ahead", now, date(2025, 6, 30), Expiry{ExpiringSoon: true, DaysUntilExpiry: 90}},
		{"91 days ahead is fine", now, date(2025, 7, 1), Expiry{DaysUntilExpiry: 91}},
		{"next year is fine", now, date(2026, 4, 1), Expiry{DaysUntilExpiry: 365}},
		{"now given in another zone counts the UTC day", time.Date(2025, 4, 2, 0, 30, 0, 0, tokyo), date(2025, 3, 31),
			Expiry{Expired: true, DaysUntilExpiry: -1}},
		{"just before midnight UTC", time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC), date(2025, 3, 31),
			Expiry{ExpiringSoon: true, DaysUntilExpiry: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Certification{ValidFrom: date(2020, 1, 1), ValidUntil: tt.validUntil}
			if got := c.ExpiryAt(tt.now); got != tt.want {
				t.Errorf("ExpiryAt(%s) with valid_until %s = %+v, want %+v", tt.now, tt.validUntil.Format(time.DateOnly), got, tt.want)
			}
		})
	}
}

func TestDay(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*60*60)
	tests := []struct {
		in, want time.Time
	}{
		{time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), date(2025, 4, 1)},
		{time.Date(2025, 4, 1, 23, 59, 59, 999, time.UTC), date(2025, 4, 1)},
		{time.Date(2025, 4, 1, 8, 0, 0, 0, tokyo), date(2025, 3, 31)},
		{time.Date(2025, 4, 1, 9, 0, 0, 0, tokyo), date(2025, 4, 1)},
	}
	for _, tt := range tests {
		got := Day(tt.in)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Day(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCertificationValidation(t *testing.T) {
	ok := Certification{Scheme: SchemeISO27001, ValidFrom: date(2024, 1, 1), ValidUntil: date(2027, 1, 1)}
	tests := []struct {
		name   string
		mutate func(c *Certification)
		fields []string
	}{
		{"valid", func(*Certification) {}, nil},
		{"one-day certificate", func(c *Certification) { c.ValidUntil = c.ValidFrom }, nil},
		{"times are truncated to days before comparing", func(c *Certification) {
			c.ValidFrom = time.Date(2024, 1, 1, 18, 0, 0, 0, time.UTC)
			c.ValidUntil = time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC)
		}, nil},
		{"unknown scheme", func(c *Certification) { c.Scheme = "iso_9001" }, []string{"scheme"}},
		{"other needs a name", func(c *Certification) { c.Scheme = SchemeOther; c.SchemeName = " " }, []string{"scheme_name"}},
		{"other with a name", func(c *Certification) { c.Scheme = SchemeOther; c.SchemeName = "TISAX" }, nil},
		{"certificate id too long", func(c *Certification) { c.CertificateID = strings.Repeat("c", 101) }, []string{"certificate_id"}},
		{"issuer too long", func(c *Certification) { c.Issuer = strings.Repeat("i", 201) }, []string{"issuer"}},
		{"scope too long", func(c *Certification) { c.Scope = strings.Repeat("s", 4001) }, []string{"scope"}},
		{"dates missing", func(c *Certification) { c.ValidFrom, c.ValidUntil = time.Time{}, time.Time{} }, []string{"valid_from", "valid_until"}},
		{"ends before it starts", func(c *Certification) { c.ValidUntil = date(2023, 12, 31) }, []string{"valid_until"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			c.normalize()
			assertFields(t, c.validate(), tt.fields)
		})
	}
}
