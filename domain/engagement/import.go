package engagement

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
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// ImportColumns are the columns of an engagement import, in the template's order, with their Japanese headers.
var ImportColumns = []bulk.Column{
	{Name: "external_ref", Aliases: []string{"外部参照ID"}},
	{Name: "vendor_corporate_number", Aliases: []string{"取引先法人番号"}},
	{Name: "vendor_external_ref", Aliases: []string{"取引先外部参照ID"}},
	{Name: "name", Aliases: []string{"名称"}},
	{Name: "service_type", Aliases: []string{"サービス種別"}},
	{Name: "status", Aliases: []string{"状態"}},
	{Name: "business_owner", Aliases: []string{"業務責任者"}},
	{Name: "description", Aliases: []string{"説明"}},
	{Name: "data_categories", Aliases: []string{"データ区分"}},
	{Name: "access_type", Aliases: []string{"アクセス種別"}},
	{Name: "internet_facing", Aliases: []string{"インターネット公開"}},
	{Name: "data_locations", Aliases: []string{"データ保存国"}},
	{Name: "critical_process", Aliases: []string{"重要業務"}},
	{Name: "rto_hours", Aliases: []string{"目標復旧時間"}},
	{Name: "substitutability", Aliases: []string{"代替性"}},
	{Name: "annual_spend_amount", Aliases: []string{"年間支出額"}},
	{Name: "annual_spend_currency", Aliases: []string{"通貨"}},
}

// importPlan is what the import will do with one row.
type importPlan struct {
	create *Engagement
	id     string
	ver    int
	patch  Patch
	res    bulk.RowResult
}

// Import creates and updates engagements from a file's rows. A row names its vendor by
// vendor_corporate_number or vendor_external_ref; it matches a stored engagement by external_ref,
// else by its vendor and name, else it is a new engagement. An empty cell keeps the stored value.
// Rows are checked by the rules of Create and Update and written through them (with their events and
// the risk evaluation); modes, dry run and report as for vendors (register.Service.Import).
func (s *Service) Import(ctx context.Context, rows []bulk.Row, opt bulk.Options) (bulk.Report, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return bulk.Report{}, err
	}
	if p.IsSupplier() {
		return bulk.Report{}, domain.NotFound("engagement", "")
	}
	if !p.Can(auth.PermEngagementsWrite) {
		return bulk.Report{}, domain.Errorf(domain.KindForbidden, "this credential may not import engagements")
	}
	vendors, stored, err := s.importKeys(ctx, rows)
	if err != nil {
		return bulk.Report{}, err
	}
	plans := s.planImport(rows, vendors, stored)
	rep := bulk.Report{Mode: opt.Mode, DryRun: opt.DryRun}
	for _, pl := range plans {
		rep.Add(pl.res)
	}
	if rep.Bad > 0 && opt.Mode != bulk.ValidRows {
		return rep, rep.Err()
	}
	err = bulk.Write(ctx, s.tx, len(plans), opt, func(ctx context.Context, i int) error {
		if err := s.applyImport(ctx, &plans[i]); err != nil {
			return fmt.Errorf("row %d: %w", plans[i].res.Line, err)
		}
		return nil
	}, bulk.Completed(s.events, "engagements", rep, opt))
	if err != nil {
		return bulk.Report{}, err
	}
	rep.Applied = !opt.DryRun && rep.Created+rep.Updated > 0
	return rep, nil
}

// importVendors indexes the vendors the rows name.
type importVendors struct{ byNumber, byRef map[string]VendorKey }

// importKeys loads the vendors the rows name and the stored engagements they may match: by
// external reference, or of the named vendors (matched by name).
func (s *Service) importKeys(ctx context.Context, rows []bulk.Row) (importVendors, []Engagement, error) {
	var numbers, vrefs, refs []string
	for _, r := range rows {
		if n, ok := r.Cell("vendor_corporate_number"); ok {
			numbers = append(numbers, n)
		}
		if ref, ok := r.Cell("vendor_external_ref"); ok {
			vrefs = append(vrefs, ref)
		}
		if ref, ok := r.Cell("external_ref"); ok {
			refs = append(refs, ref)
		}
	}
	keys, err := s.vendors.VendorKeys(ctx, numbers, vrefs)
	if err != nil {
		return importVendors{}, nil, fmt.Errorf("look up the vendors of the import: %w", err)
	}
	iv := importVendors{byNumber: map[string]VendorKey{}, byRef: map[string]VendorKey{}}
	ids := map[string]bool{}
	for _, k := range keys {
		if k.CorporateNumber != "" {
			iv.byNumber[k.CorporateNumber] = k
		}
		if k.ExternalRef != "" {
			iv.byRef[k.ExternalRef] = k
		}
		ids[k.ID] = true
	}
	vendorIDs := make([]string, 0, len(ids))
	for id := range ids {
		vendorIDs = append(vendorIDs, id)
	}
	slices.Sort(vendorIDs)
	var stored []Engagement
	const batch = 500
	for len(refs) > 0 || len(vendorIDs) > 0 {
		n, m := min(batch, len(refs)), min(batch, len(vendorIDs))
		es, err := s.repo.ByKeys(ctx, refs[:n], vendorIDs[:m])
		if err != nil {
			return importVendors{}, nil, fmt.Errorf("look up engagements by key: %w", err)
		}
		stored = append(stored, es...)
		refs, vendorIDs = refs[n:], vendorIDs[m:]
	}
	return iv, stored, nil
}

// planImport decides every row's outcome, with every problem of the row, before anything is written.
func (s *Service) planImport(rows []bulk.Row, vendors importVendors, stored []Engagement) []importPlan {
	byRef, byName := map[string]Engagement{}, map[string][]Engagement{}
	for _, e := range stored {
		if e.ExternalRef != "" {
			byRef[e.ExternalRef] = e
		}
		k := e.VendorID + "\x00" + e.Name
		if !slices.ContainsFunc(byName[k], func(x Engagement) bool { return x.ID == e.ID }) {
			byName[k] = append(byName[k], e)
		}
	}
	refRow, targetRow := map[string]int{}, map[string]int{}
	out := make([]importPlan, 0, len(rows))
	for _, r := range rows {
		pl := importPlan{res: bulk.RowResult{Line: r.Line}}
		patch, probs := engagementPatch(r)
		vendor, vprobs := vendors.of(r)
		probs = append(probs, vprobs...)
		ref, _ := r.Cell("external_ref")
		if ref != "" {
			if first, ok := refRow[ref]; ok {
				probs = append(probs, bulk.Problem{Column: "external_ref", Message: "repeats the value of row " + strconv.Itoa(first)})
			} else {
				refRow[ref] = r.Line
			}
		}
		target, found := byRef[ref]
		if !found && vendor.ID != "" && patch.Name != nil {
			switch same := byName[vendor.ID+"\x00"+*patch.Name]; {
			case len(same) == 1 && (ref == "" || same[0].ExternalRef == "" || same[0].ExternalRef == ref):
				target, found = same[0], true
			case len(same) > 1:
				probs = append(probs, bulk.Problem{Column: "name", Message: "several engagements of this vendor have this name: give external_ref"})
			}
		}
		if found && vendor.ID != "" && vendor.ID != target.VendorID {
			probs = append(probs, bulk.Problem{Column: vendorColumn(r), Message: "the engagement with this external_ref belongs to another vendor"})
		}
		if found {
			if n, dup := targetRow[target.ID]; dup {
				probs = append(probs, bulk.Problem{Message: "changes the same engagement as row " + strconv.Itoa(n)})
			} else {
				targetRow[target.ID] = r.Line
			}
		}
		if len(probs) == 0 {
			probs = s.decideImport(&pl, r, target, found, vendor, patch)
		}
		if len(probs) > 0 {
			pl.res = bulk.RowResult{Line: r.Line, Outcome: bulk.Failed, Problems: probs}
		}
		out = append(out, pl)
	}
	return out
}

// decideImport runs the rules of Create (new engagement) or Update (stored one) on the row's values.
func (s *Service) decideImport(pl *importPlan, r bulk.Row, target Engagement, found bool, vendor VendorKey, patch Patch) []bulk.Problem {
	if !found {
		if vendor.ID == "" {
			return []bulk.Problem{{Column: vendorColumn(r), Message: "is required for a new engagement: name its vendor by vendor_corporate_number or vendor_external_ref"}}
		}
		if vendor.Status == "terminated" {
			return []bulk.Problem{{Column: vendorColumn(r), Message: "names a terminated vendor: no new engagements"}}
		}
		e := Engagement{VendorID: vendor.ID}
		patch.apply(&e)
		if err := s.prepare(&e); err != nil {
			return importProblems(err)
		}
		pl.create, pl.res.Outcome, pl.res.ID = &e, bulk.Created, e.ID
		return nil
	}
	after := target
	after.Holdings, after.DataLocations = slices.Clone(target.Holdings), slices.Clone(target.DataLocations)
	if err := patch.applyTo(&after); err != nil {
		return importProblems(err)
	}
	pl.id, pl.ver, pl.patch, pl.res.ID, pl.res.Outcome = target.ID, target.Version, patch, target.ID, bulk.Updated
	if len(event.Diff(event.Snapshot(target), event.Snapshot(after))) == 0 {
		pl.res.Outcome = bulk.Unchanged
	}
	return nil
}

// applyImport writes one planned row through Create's and Update's own steps (and events).
func (s *Service) applyImport(ctx context.Context, pl *importPlan) error {
	switch pl.res.Outcome {
	case bulk.Created:
		_, err := s.insert(ctx, pl.create)
		return err
	case bulk.Updated:
		_, _, err := s.Update(ctx, pl.id, pl.patch, &pl.ver)
		return err
	}
	return nil
}

// of finds the row's vendor: by corporate number, else by external reference.
func (iv importVendors) of(r bulk.Row) (VendorKey, []bulk.Problem) {
	number, hasNumber := r.Cell("vendor_corporate_number")
	ref, hasRef := r.Cell("vendor_external_ref")
	byNumber, okNumber := iv.byNumber[number]
	byRef, okRef := iv.byRef[ref]
	switch {
	case hasNumber && !okNumber:
		return VendorKey{}, []bulk.Problem{{Column: "vendor_corporate_number", Message: "no vendor has this corporate number"}}
	case hasRef && !okRef:
		return VendorKey{}, []bulk.Problem{{Column: "vendor_external_ref", Message: "no vendor has this external_ref"}}
	case okNumber && okRef && byNumber.ID != byRef.ID:
		return VendorKey{}, []bulk.Problem{{Column: "vendor_external_ref", Message: "names another vendor than vendor_corporate_number"}}
	case okNumber:
		return byNumber, nil
	case okRef:
		return byRef, nil
	}
	return VendorKey{}, nil
}

func vendorColumn(r bulk.Row) string {
	if _, ok := r.Cell("vendor_external_ref"); ok {
		if _, ok := r.Cell("vendor_corporate_number"); !ok {
			return "vendor_external_ref"
		}
	}
	return "vendor_corporate_number"
}

func importProblems(err error) []bulk.Problem {
	probs, other := bulk.Problems(err)
	if other != nil {
		return []bulk.Problem{{Message: other.Error()}}
	}
	for i, p := range probs {
		switch p.Column { // the JSON fields that are two columns in a file
		case "annual_spend":
			probs[i].Column = "annual_spend_amount"
			if strings.Contains(p.Message, "currency") {
				probs[i].Column = "annual_spend_currency"
			}
		case "vendor_id":
			probs[i].Column = "vendor_corporate_number"
		}
	}
	return probs
}

// engagementPatch reads a row's non-empty cells as the fields they set.
func engagementPatch(r bulk.Row) (Patch, []bulk.Problem) {
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
	lower := func(col string) *string {
		if s := text(col); s != nil {
			l := strings.ToLower(*s)
			return &l
		}
		return nil
	}
	p.ExternalRef, p.Name, p.Description, p.BusinessOwner = text("external_ref"), text("name"), text("description"), text("business_owner")
	p.ServiceType = (*ServiceType)(lower("service_type"))
	p.Status = (*Status)(lower("status"))
	p.Access = (*risk.AccessType)(lower("access_type"))
	p.Substitutability = (*risk.Substitutability)(lower("substitutability"))
	flag := func(col string) *bool {
		s := lower(col)
		if s == nil {
			return nil
		}
		switch *s {
		case "true", "yes", "y", "1", "はい", "○":
			b := true
			return &b
		case "false", "no", "n", "0", "いいえ", "×":
			b := false
			return &b
		}
		probs = append(probs, bulk.Problem{Column: col, Message: "must be true or false (yes/no, 1/0, はい/いいえ)"})
		return nil
	}
	p.InternetFacing, p.CriticalProcess = flag("internet_facing"), flag("critical_process")
	if s := text("rto_hours"); s != nil {
		n, err := strconv.Atoi(*s)
		if err != nil {
			probs = append(probs, bulk.Problem{Column: "rto_hours", Message: "must be a whole number of hours"})
		} else {
			rto := &n
			p.RTOHours = &rto
		}
	}
	if s := text("data_locations"); s != nil {
		locs := bulk.SplitList(*s)
		p.DataLocations = &locs
	}
	if s := text("data_categories"); s != nil {
		var hs []risk.Holding
		for _, item := range bulk.SplitList(*s) {
			cat, records, hasRecords := strings.Cut(item, ":")
			h := risk.Holding{Category: risk.DataCategory(strings.ToLower(strings.TrimSpace(cat)))}
			if hasRecords {
				n, err := strconv.ParseInt(strings.TrimSpace(records), 10, 64)
				if err != nil {
					probs = append(probs, bulk.Problemf("data_categories", "%q: the records after : must be a whole number", domain.Literal(item)))
					continue
				}
				h.Records = n
			}
			hs = append(hs, h)
		}
		p.Holdings = &hs
	}
	amount, currency := text("annual_spend_amount"), text("annual_spend_currency")
	switch {
	case amount != nil && currency == nil:
		probs = append(probs, bulk.Problem{Column: "annual_spend_currency", Message: "is required with annual_spend_amount"})
	case amount == nil && currency != nil:
		probs = append(probs, bulk.Problem{Column: "annual_spend_amount", Message: "is required with annual_spend_currency"})
	case amount != nil:
		n, err := strconv.ParseInt(strings.ReplaceAll(*amount, ",", ""), 10, 64)
		if err != nil {
			probs = append(probs, bulk.Problem{Column: "annual_spend_amount", Message: "must be a whole number of minor units"})
			break
		}
		m := &domain.Money{Amount: n, Currency: strings.ToUpper(*currency)}
		p.AnnualSpend = &m
	}
	return p, probs
}
