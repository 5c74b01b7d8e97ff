package domain

// Severity ranks a gap or a finding.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Severities lists every severity from the most to the least severe.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow}

// Raise returns the next more severe level (critical stays critical).
func (s Severity) Raise() Severity {
	for i, v := range Severities {
		if v == s && i > 0 {
			return Severities[i-1]
		}
	}
	return s
}

// Lower returns the next less severe level (low stays low).
func (s Severity) Lower() Severity {
	for i, v := range Severities {
		if v == s && i < len(Severities)-1 {
			return Severities[i+1]
		}
	}
	return s
}
