package catalog

import "fmt"

// Relation says how the From control of a mapping relates to its To control.
type Relation string

const (
	// Equal: the two controls cover the same ground.
	Equal Relation = "equal"
	// Subset: the From control is narrower than the To control (it was merged into it).
	Subset Relation = "subset"
	// Superset: the From control is wider than the To control (it was split).
	Superset Relation = "superset"
	// Intersects: the controls overlap in part; neither of the other relations is claimed.
	Intersects Relation = "intersects"
)

// ParseRelation accepts exactly one of the four relation names.
func ParseRelation(s string) (Relation, error) {
	switch r := Relation(s); r {
	case Equal, Subset, Superset, Intersects:
		return r, nil
	}
	return "", fmt.Errorf("unknown relation %q (want equal, subset, superset or intersects)", s)
}

// Inverse returns the relation read the other way round: subset and superset swap,
// equal and intersects stay.
func (r Relation) Inverse() Relation {
	switch r {
	case Subset:
		return Superset
	case Superset:
		return Subset
	}
	return r
}

// compose returns the relation between A and C given A r1 B and B r2 C, and false when the two
// links do not guarantee that A and C overlap at all (e.g. A and C both narrower than B).
func compose(r1, r2 Relation) (Relation, bool) {
	switch {
	case r1 == Equal:
		return r2, true
	case r2 == Equal:
		return r1, true
	case r1 == Subset && r2 == Subset:
		return Subset, true
	case r1 == Superset && r2 == Superset:
		return Superset, true
	case r1 == Superset && (r2 == Subset || r2 == Intersects):
		return Intersects, true // A contains B, and B overlaps C
	case r1 == Intersects && r2 == Subset:
		return Intersects, true // the part A shares with B lies inside C
	}
	return "", false
}
