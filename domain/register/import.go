package register

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// ImportColumns are the columns of a vendor import, in the template's order, with their Japanese headers.
var ImportColumns = []bulk.Column{
	{Name: "external_ref", Aliases: []string{"外部参照ID"}},
	{Name: "corporate_number", Aliases: []string{"法人番号"}},
	{Name: "name", Aliases: []string{"名称"}},
	{Name: "legal_name", Aliases: []string{"正式名称"}},
	{Name: "kind", Aliases: []string{"種別"}},
	{Name: "status", Aliases: []string{"状態"}},
	{Name: "country", Aliases: []string{"国"}},
	{Name: "website", Aliases: []string{"ウェブサイト"}},
	{Name: "internal_owner", Aliases: []string{"社内担当"}},
	{Name: "description", Aliases: []string{"説明"}},
	{Name: "tags", Aliases: []string{"タグ"}},
	{Name: "registration_ids", Aliases: []string{"登録番号"}},
}

// plan is what the import will do with one row.
type plan struct {
	line   int
	create *Vendor // a new vendor, prepared
	id     string  // else the vendor to update (or left unchanged)
	patch  Patch
	ver    int
	res    bulk.RowResult
}

// Import creates and updates vendors from a file's rows. A row matches a stored vendor by its
// corporate number, else by its external_ref, else it is a new vendor; an empty cell leaves the
// stored value as it is. Every row is checked by the rules of Create and Update, and each write goes
// through them (with their events). The report lists every row; in AllOrNothing mode a file with any
// error writes nothing and the error (Invalid, naming rows[line].column) comes with the report. A dry
// run makes the same writes in a transaction it rolls back.
func (s *Service) Import(ctx context.Context, rows []bulk.Row, opt bulk.Options) (bulk.Report, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return bulk.Report{}, err
	}
	if p.IsSupplier() || !p.Can(auth.PermVendorsWrite) {
		return bulk.Report{}, domain.Errorf(domain.KindForbidden, "this credential may not import vendors")
	}
	var numbers, refs []string
	for _, r := range rows {
		if n, ok := r.Cell("corporate_number"); ok {
			numbers = append(numbers, n)
		}
		if ref, ok := r.Cell("external_ref"); ok {
			refs = append(refs, ref)
		}
	}
	byNumber, byRef, err := s.byKeys(ctx, numbers, refs)
	if err != nil {
		return bulk.Report{}, err
	}
	plans := s.plan(rows, byNumber, byRef)
	rep := bulk.Report{Mode: opt.Mode, DryRun: opt.DryRun}
	for _, pl := range plans {
		rep.Add(pl.res)
	}
	if rep.Bad > 0 && opt.Mode != bulk.ValidRows {
		return rep, rep.Err()
	}
	err = bulk.Write(ctx, s.tx, len(plans), opt, func(ctx context.Context, i int) error {
		if err := s.apply(ctx, &plans[i]); err != nil {
			return fmt.Errorf("row %d: %w", plans[i].line, err)
		}
		return nil
	}, bulk.Completed(s.events, "vendors", rep, opt))
	if err != nil {
		return bulk.Report{}, err
	}
	rep.Applied = !opt.DryRun && rep.Created+rep.Updated > 0
	return rep, nil
}

// FindByKeys returns the vendors with any of the corporate numbers or external references, for
// internal callers (an engagement import naming its vendors).
func (s *Service) FindByKeys(ctx context.Context, corporateNumbers, externalRefs []string) (byNumber, byRef map[string]Vendor, err error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if p.IsSupplier() {
		return nil, nil, domain.Errorf(domain.KindForbidden, "this credential may not look vendors up")
	}
	return s.byKeys(ctx, corporateNumbers, externalRefs)
}

// byKeys loads, in batches, the vendors the keys name, by corporate number and by external reference.
func (s *Service) byKeys(ctx context.Context, numbers, refs []string) (map[string]Vendor, map[string]Vendor, error) {
	byNumber, byRef := map[string]Vendor{}, map[string]Vendor{}
	const batch = 500
	for len(numbers) > 0 || len(refs) > 0 {
		n, r := min(batch, len(numbers)), min(batch, len(refs))
		vs, err := s.repo.ByKeys(ctx, numbers[:n], refs[:r])
		if err != nil {
			return nil, nil, fmt.Errorf("look up vendors by key: %w", err)
		}
		numbers, refs = numbers[n:], refs[r:]
		for _, v := range vs {
			if v.CorporateNumber != "" {
				byNumber[v.CorporateNumber] = v
			}
			if v.ExternalRef != "" {
				byRef[v.ExternalRef] = v
			}
		}
	}
	return byNumber, byRef, nil
}

// plan decides every row's outcome, with every problem of the row, before anything is written.
func (s *Service) plan(rows []bulk.Row, byNumber, byRef map[string]Vendor) []plan {
	out := make([]plan, 0, len(rows))
	numberRow, refRow, targetRow := map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range rows {
		pl := plan{line: r.Line, res: bulk.RowResult{Line: r.Line}}
		patch, probs := vendorPatch(r)
		number, _ := r.Cell("corporate_number")
		ref, _ := r.Cell("external_ref")
		probs = append(probs, repeated(numberRow, number, r.Line, "corporate_number")...)
		probs = append(probs, repeated(refRow, ref, r.Line, "external_ref")...)
		target, found := byNumber[number]
		if other, ok := byRef[ref]; ok && found && other.ID != target.ID {
			probs = append(probs, bulk.Problem{Column: "external_ref",
				Message: "belongs to another vendor than the one with this corporate number"})
		} else if !found && ok {
			target, found = other, true
		}
		if found {
			if n, dup := targetRow[target.ID]; dup {
				probs = append(probs, bulk.Problem{Message: "changes the same vendor as row " + strconv.Itoa(n)})
			} else {
				targetRow[target.ID] = r.Line
			}
		}
		probs = append(probs, s.decide(&pl, target, found, patch)...)
		if len(probs) > 0 {
			pl.res = bulk.RowResult{Line: r.Line, Outcome: bulk.Failed, Problems: probs}
		}
		out = append(out, pl)
	}
	return out
}

// decide runs the rules of Create (new vendor) or Update (stored vendor) on the row's values.
func (s *Service) decide(pl *plan, target Vendor, found bool, patch Patch) []bulk.Problem {
	if !found {
		var v Vendor
		patch.apply(&v)
		if err := s.prepare(&v); err != nil {
			return problems(err)
		}
		pl.create, pl.res.Outcome, pl.res.ID = &v, bulk.Created, v.ID
		return nil
	}
	after := target
	after.Tags, after.RegistrationIDs = slices.Clone(target.Tags), slices.Clone(target.RegistrationIDs)
	if err := patch.applyTo(&after); err != nil {
		return problems(err)
	}
	pl.id, pl.ver, pl.patch, pl.res.ID = target.ID, target.Version, patch, target.ID
	pl.res.Outcome = bulk.Updated
	if len(event.Diff(event.Snapshot(target), event.Snapshot(after))) == 0 {
		pl.res.Outcome = bulk.Unchanged
	}
	return nil
}

// apply writes one planned row through Create's and Update's own steps (and events).
func (s *Service) apply(ctx context.Context, pl *plan) error {
	switch pl.res.Outcome {
	case bulk.Created:
		return s.insert(ctx, *pl.create)
	case bulk.Updated:
		_, err := s.Update(ctx, pl.id, pl.patch, &pl.ver)
		return err
	}
	return nil
}

func problems(err error) []bulk.Problem {
	probs, other := bulk.Problems(err)
	if other != nil {
		return []bulk.Problem{{Message: other.Error()}}
	}
	return probs
}

// repeated reports a key the file already had in an earlier row (the later rows are the errors).
func repeated(seen map[string]int, key string, line int, column string) []bulk.Problem {
	if key == "" {
		return nil
	}
	if first, ok := seen[key]; ok {
		return []bulk.Problem{{Column: column, Message: "repeats the value of row " + strconv.Itoa(first)}}
	}
	seen[key] = line
	return nil
}

// vendorPatch reads a row's non-empty cells as the fields they set.
func vendorPatch(r bulk.Row) (Patch, []bulk.Problem) {
	var (
		p     Patch
		probs []bulk.Problem
	)
	text := func(col string) *string {
		if s, ok := r.Cell(col); ok {
			return &s
		}
		return nil
	}
	p.ExternalRef, p.CorporateNumber, p.Name, p.LegalName = text("external_ref"), text("corporate_number"), text("name"), text("legal_name")
	p.Country, p.Website, p.InternalOwner, p.Description = text("country"), text("website"), text("internal_owner"), text("description")
	if s := text("kind"); s != nil {
		k := Kind(strings.ToLower(*s))
		p.Kind = &k
	}
	if s := text("status"); s != nil {
		st := Status(strings.ToLower(*s))
		p.Status = &st
	}
	if s := text("tags"); s != nil {
		tags := bulk.SplitList(*s)
		p.Tags = &tags
	}
	if s := text("registration_ids"); s != nil {
		var ids []RegistrationID
		for _, item := range bulk.SplitList(*s) {
			scheme, value, ok := strings.Cut(item, ":")
			if !ok {
				probs = append(probs, bulk.Problemf("registration_ids", "%q must be scheme:value", domain.Literal(item)))
				continue
			}
			ids = append(ids, RegistrationID{Scheme: scheme, Value: value})
		}
		p.RegistrationIDs = &ids
	}
	return p, probs
}
