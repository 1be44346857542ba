package patient

import (
	"cmp"
	"context"
	"crm/apierr"
	"crm/internal/casing"
	"crm/internal/searchkey"
	"crm/models/access"
	"crm/models/store"
	"math"
	"slices"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TimeRange bounds a unix-second column, both ends inclusive and optional.
type TimeRange struct {
	From, To *int64
}

func (r TimeRange) set() bool { return r.From != nil || r.To != nil }

// PatientFilter narrows the list. For the dictionary ids, a pointer to 0
// asks for patients without one.
type PatientFilter struct {
	State            *int8
	AuthorID         *uint64
	DoctorID         *uint64
	DiseaseID        *uint64
	MediaFromID      *uint64
	AddTime          TimeRange
	OrderTime        TimeRange
	ReachTime        TimeRange
	NextFollowupTime TimeRange
	Keyword          *string // exactly
	LandingPage      *string // its beginning
	Q                string
	Deleted          bool // the recycle bin instead of the pool; needs patient.restore
}

// columnRange is a filter's range of a time column.
type columnRange struct {
	column string
	TimeRange
}

// timeRanges are f's ranges by column (a slice, not a map: the statement
// text must not vary from call to call).
func (f PatientFilter) timeRanges() []columnRange {
	return []columnRange{{"add_time", f.AddTime}, {"order_time", f.OrderTime}, {"reach_time", f.ReachTime},
		{"next_followup_time", f.NextFollowupTime}}
}

// filterKinds are kinds of filter a PatientFilter sets, besides the author
// and the bin.
type filterKinds uint8

const (
	byState filterKinds = 1 << iota
	byAddTime
	byDictionary
	byOtherTime
	byMarketing
	bySearch
)

// narrowing is what f filters by besides the author and the bin. The fast
// paths (counted, facet, byTerms) name the kinds they can answer, so a new
// filter leaves them until it is taught to them.
func (f PatientFilter) narrowing() filterKinds {
	var kinds filterKinds
	set := func(kind filterKinds, on bool) {
		if on {
			kinds |= kind
		}
	}
	set(byState, f.State != nil)
	set(byAddTime, f.AddTime.set())
	set(byDictionary, f.DoctorID != nil || f.DiseaseID != nil || f.MediaFromID != nil)
	set(byOtherTime, f.OrderTime.set() || f.ReachTime.set() || f.NextFollowupTime.set())
	set(byMarketing, f.Keyword != nil || f.LandingPage != nil)
	set(bySearch, f.Q != "")
	return kinds
}

// counted reports whether patient_counts can answer f: only the author,
// the state, the bin and add_time narrow it.
func (f PatientFilter) counted() bool {
	return f.narrowing()&^(byState|byAddTime) == 0
}

// facet is the one dictionary filter of f when nothing but the author and
// the bin narrows it further: patient_facets then holds its total.
func (f PatientFilter) facet() (facet int8, value uint64, ok bool) {
	if f.narrowing() != byDictionary {
		return 0, 0, false
	}
	n := 0
	for _, d := range []struct {
		facet int8
		id    *uint64
	}{{facetDoctor, f.DoctorID}, {facetMedia, f.MediaFromID}, {facetDisease, f.DiseaseID}} {
		if d.id != nil {
			n++
			facet, value = d.facet, *d.id
		}
	}
	return facet, value, n == 1
}

// PatientSort is a column of the sort whitelist; only PatientSortColumn
// makes one from client input.
type PatientSort string

const (
	DefaultPatientSort PatientSort = "add_time"
	NextFollowupSort   PatientSort = "next_followup_time" // the due lists'
)

// patientSortColumns is the sort whitelist.
var patientSortColumns = []PatientSort{"id", "name", "sex", "age", "add_time", "order_time", "reach_time", "state",
	"author_id", "doctor_id", "disease_id", "media_from_id", "next_followup_time"}

// PatientSortColumn maps a client's sort_by (snake_case or camelCase) to a
// column. Anything else is refused: sort keys never reach SQL as text.
func PatientSortColumn(name string) (PatientSort, bool) {
	for _, column := range patientSortColumns {
		if casing.Either(name, string(column)) {
			return column, true
		}
	}
	return "", false
}

// orderBy is the order of a sort: the column, then the registration time,
// then the id, all the same way. Each sortable column leads an index that
// continues with add_time (migration 0012), so every sort is an index walk.
func (s PatientSort) OrderBy(desc bool) clause.OrderBy {
	names := []string{string(s), "add_time", "id"}
	switch s {
	case "id":
		names = names[2:]
	case "add_time":
		names = names[1:]
	}
	columns := make([]clause.OrderByColumn, len(names))
	for i, name := range names {
		columns[i] = clause.OrderByColumn{Column: clause.Column{Table: "patients", Name: name}, Desc: desc}
	}
	return clause.OrderBy{Columns: columns}
}

type PatientPage struct {
	Page    int // from 1
	PerPage int
	Sort    PatientSort
	Desc    bool
}

func (p PatientPage) offset() int { return (p.Page - 1) * p.PerPage }

// ListPatients returns one page of the patients the viewer may see, and
// the total for the same filter.
func ListPatients(ctx context.Context, db *gorm.DB, v access.Viewer, f PatientFilter, page PatientPage) ([]Patient, int64, error) {
	if f.Deleted && !v.Can(access.PermPatientRestore) {
		return nil, 0, apierr.ErrForbidden
	}
	if page.Sort == "" {
		page.Sort = DefaultPatientSort
	}
	q, err := newPoolQuery(db.WithContext(ctx), v, f)
	if err != nil || q.none {
		return []Patient{}, 0, err
	}
	switch {
	case f.counted():
		return q.countedPage(page)
	case q.byTerms(page):
		return q.termsPage(page)
	}
	total, err := q.total()
	if err != nil || int64(page.offset()) >= total {
		return []Patient{}, total, err
	}
	rows, err := q.page(q.patients(), page, page.offset())
	return rows, total, err
}

// CountPatients is the total ListPatients would report.
func CountPatients(ctx context.Context, db *gorm.DB, v access.Viewer, f PatientFilter) (int64, error) {
	if f.Deleted && !v.Can(access.PermPatientRestore) {
		return 0, apierr.ErrForbidden
	}
	q, err := newPoolQuery(db.WithContext(ctx), v, f)
	if err != nil || q.none {
		return 0, err
	}
	switch {
	case f.counted():
		return q.countedTotal()
	case q.byTerms(PatientPage{Sort: DefaultPatientSort}):
		var n int64
		err := q.terms().Count(&n).Error
		return n, err
	}
	return q.total()
}

// visiblePatients is every patient the viewer may see that f selects, as
// a query on patients the reports, the dashboard and the export refine.
func VisiblePatients(db *gorm.DB, v access.Viewer, f PatientFilter) *gorm.DB {
	q, err := newPoolQuery(db, v, f)
	if err != nil {
		_ = db.AddError(err)
		return db
	}
	return q.patients()
}

// poolQuery is a filter resolved for one viewer: which author the rows
// must have (the viewer's own scope or the author filter) and how its
// search is looked up.
type poolQuery struct {
	db     *gorm.DB
	v      access.Viewer
	f      PatientFilter
	author *uint64 // nil: any author
	none   bool    // nothing can match: an unknown scope, another consultant's author filter
	search *poolSearch
}

func newPoolQuery(db *gorm.DB, v access.Viewer, f PatientFilter) (poolQuery, error) {
	q := poolQuery{db: db, v: v, f: f, author: f.AuthorID}
	switch v.PatientScope() {
	case access.ScopeAll:
	case access.ScopeOwn:
		if f.AuthorID != nil && *f.AuthorID != v.UserID {
			q.none = true
		}
		own := v.UserID
		q.author = &own
	default:
		q.none = true
	}
	if f.Q != "" && !q.none {
		s, err := newPoolSearch(db, v, f, q.author)
		if err != nil {
			return q, err
		}
		q.search = &s
	}
	return q, nil
}

// patients is the query on the patients table: the scope, the bin, every
// filter, and the search joined as the ids it matches.
func (q poolQuery) patients() *gorm.DB {
	db := q.db.Model(&Patient{})
	if q.none {
		return db.Where("1 = 0")
	}
	if q.f.Deleted {
		db = db.Unscoped().Where("patients.deleted_at IS NOT NULL")
	}
	if q.author != nil {
		db = db.Where(clause.Eq{Column: clause.Column{Table: "patients", Name: "author_id"}, Value: *q.author})
	}
	f := q.f
	if f.State != nil {
		db = db.Where(clause.Eq{Column: clause.Column{Table: "patients", Name: "state"}, Value: *f.State})
	}
	// Slices, not maps: the statement text must not vary from call to call.
	for _, ref := range []struct {
		column string
		id     *uint64
	}{{"doctor_id", f.DoctorID}, {"disease_id", f.DiseaseID}, {"media_from_id", f.MediaFromID}} {
		column := clause.Column{Table: "patients", Name: ref.column}
		switch {
		case ref.id == nil:
		case *ref.id == 0:
			db = db.Where(clause.Eq{Column: column, Value: nil})
		default:
			db = db.Where(clause.Eq{Column: column, Value: *ref.id})
		}
	}
	for _, r := range f.timeRanges() {
		column := clause.Column{Table: "patients", Name: r.column}
		if r.From != nil {
			db = db.Where(clause.Gte{Column: column, Value: *r.From})
		}
		if r.To != nil {
			db = db.Where(clause.Lte{Column: column, Value: *r.To})
		}
	}
	if f.Keyword != nil {
		db = db.Where(clause.Eq{Column: clause.Column{Table: "patients", Name: "keyword"}, Value: *f.Keyword})
	}
	if f.LandingPage != nil {
		db = db.Where(store.Like("patients.landing_page", store.EscapeLike(*f.LandingPage)+"%"))
	}
	if q.search != nil {
		db = q.search.join(db)
	}
	return db
}

// total is the number of rows q selects: for a lone dictionary filter,
// from patient_facets and the patients since the seal; else counted in the
// indexes.
func (q poolQuery) total() (int64, error) {
	var n int64
	if facet, value, ok := q.f.facet(); ok {
		author, _ := q.countKey()
		err := q.db.Raw("SELECT COALESCE((SELECT SUM(n) FROM patient_facets WHERE deleted = ? AND facet = ? AND value = ? "+
			"AND (author_id = ? OR ? = 0)), 0) + (?)",
			q.f.Deleted, facet, value, author, author, q.uncounted().Select("COUNT(*)")).Scan(&n).Error
		return n, err
	}
	err := q.patients().Count(&n).Error
	return n, err
}

// listed runs query with the listed columns.
func listed(query *gorm.DB) ([]Patient, error) {
	rows, err := query.Clauses(ListedSelect).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Patient{}
	for rows.Next() {
		var p Patient
		if err := rows.Scan(ListedTargets(&p)...); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// page reads one page of rows from query (patients, filtered), skipping
// offset rows of the order. Beyond the first page the skipping is done on
// ids alone, so the index serves it without reading the skipped rows.
func (q poolQuery) page(query *gorm.DB, page PatientPage, offset int) ([]Patient, error) {
	order := page.Sort.OrderBy(page.Desc)
	if offset == 0 {
		return listed(query.Order(order).Limit(page.PerPage))
	}
	// The offset is skipped in the index, reading ids only; then the page's
	// rows are joined by id. Ordered in the same statement they would go
	// through a temporary table on MySQL, text columns and all: in the
	// orders Go can restore (registration time, id) they are sorted here,
	// in the others read by id in a second statement.
	if page.Sort == "add_time" || page.Sort == "id" {
		ids := query.Select("patients.id").Order(order).Offset(offset).Limit(page.PerPage)
		rows, err := listed(q.db.Model(&Patient{}).Unscoped().Joins("JOIN (?) page ON page.id = patients.id", ids))
		if err != nil {
			return nil, err
		}
		slices.SortFunc(rows, func(a, b Patient) int {
			c := cmp.Compare(a.ID, b.ID)
			if page.Sort == "add_time" {
				c = cmp.Or(cmp.Compare(a.AddTime, b.AddTime), c)
			}
			if page.Desc {
				return -c
			}
			return c
		})
		return rows, nil
	}
	var ids []uint64
	if err := query.Order(order).Offset(offset).Limit(page.PerPage).Pluck("patients.id", &ids).Error; err != nil {
		return nil, err
	}
	return q.byIDs(ids)
}

// byIDs reads the rows of ids, in that order.
func (q poolQuery) byIDs(ids []uint64) ([]Patient, error) {
	if len(ids) == 0 {
		return []Patient{}, nil
	}
	rows, err := listed(q.db.Model(&Patient{}).Unscoped().Where(clause.IN{Column: "id", Values: store.ToAny(ids)}))
	if err != nil {
		return nil, err
	}
	position := make(map[uint64]int, len(ids))
	for i, id := range ids {
		position[id] = i
	}
	slices.SortFunc(rows, func(a, b Patient) int { return position[a.ID] - position[b.ID] })
	return rows, nil
}

// --- answered by patient_counts ---

// slotCount is how many patients of the filter were registered in one
// slot of time (or block of slots).
type slotCount struct {
	Slot int64
	N    int64
}

func sumSlots(slots []slotCount) int64 {
	var n int64
	for _, s := range slots {
		n += s.N
	}
	return n
}

// countedTotal is the total of a counted filter.
func (q poolQuery) countedTotal() (int64, error) {
	if q.f.AddTime.set() {
		slots, err := q.slots()
		return sumSlots(slots), err
	}
	t, err := q.totals()
	return t.all, err
}

// countedTotals splits a counted filter's total at the seal.
type countedTotals struct {
	all       int64 // every patient of the filter
	uncounted int64 // those registered since the seal, counted in the indexes
	seal      int64
}

// totals reads the all-time row of patient_counts, the seal and the count
// of the patients since the seal in one statement, so that all three see
// the same seal.
func (q poolQuery) totals() (countedTotals, error) {
	author, state := q.countKey()
	var t struct {
		Counted, Uncounted, Seal int64
	}
	uncounted := q.patients().Select("COUNT(*)").Where("patients.add_time >= seal.counted_before")
	err := q.db.Raw("SELECT COALESCE((SELECT n FROM patient_counts WHERE deleted = ? AND author_id = ? AND state = ? "+
		"AND span = ? AND bucket = 0), 0) AS counted, (?) AS uncounted, seal.counted_before AS seal FROM patient_count_seal seal WHERE seal.id = 1",
		q.f.Deleted, author, state, spanAll, uncounted).Scan(&t).Error
	return countedTotals{all: t.Counted + t.Uncounted, uncounted: t.Uncounted, seal: t.Seal}, err
}

// firstPage reads the first page of a counted filter with its total. Newest
// first (the default), the patients since the seal lead the page: it is
// read joined with the filter's all-time count and the seal, two rows the
// database reads once, and the page itself tells how many patients came
// since the seal, unless it holds nothing else. That is the page every list
// opens on, in one statement costing little more than the page alone (a
// LEFT JOIN, for a count not there yet, cost twice as much more).
func (q poolQuery) firstPage(page PatientPage) ([]Patient, int64, error) {
	separately := func() ([]Patient, int64, error) {
		t, err := q.totals()
		if err != nil || t.all == 0 {
			return []Patient{}, t.all, err
		}
		rows, err := q.page(q.patients(), page, 0)
		return rows, t.all, err
	}
	if page.Sort != "add_time" || !page.Desc {
		return separately()
	}
	author, state := q.countKey()
	rows, err := q.patients().
		Joins("JOIN patient_counts counted ON counted.deleted = ? AND counted.author_id = ? AND counted.state = ? "+
			"AND counted.span = ? AND counted.bucket = 0", q.f.Deleted, author, state, spanAll).
		Joins("JOIN patient_count_seal seal ON seal.id = 1").
		Clauses(listedColumns(clause.Column{Table: "counted", Name: "n"}, clause.Column{Table: "seal", Name: "counted_before"})).
		Order(page.Sort.OrderBy(page.Desc)).Limit(page.PerPage).Rows()
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Patient{}
	var counted, seal, uncounted int64
	for rows.Next() {
		var p Patient
		if err := rows.Scan(ListedTargets(&p, &counted, &seal)...); err != nil {
			return nil, 0, err
		}
		if p.AddTime >= seal {
			uncounted++
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	switch {
	case len(out) == 0:
		// No patient, or none counted yet (the join found no count).
		return separately()
	case uncounted == int64(len(out)) && len(out) == page.PerPage:
		// Nothing but new patients on the page: there may be more.
		t, err := q.totals()
		return out, t.all, err
	}
	return out, counted + uncounted, nil
}

// countKey is the patient_counts key of a counted filter, but for the time.
func (q poolQuery) countKey() (author uint64, state int8) {
	author, state = allAuthors, allStates
	if q.author != nil {
		author = *q.author
	}
	if q.f.State != nil {
		state = *q.f.State
	}
	return author, state
}

// uncounted is q's patients that the counters do not cover yet.
func (q poolQuery) uncounted() *gorm.DB {
	return q.patients().Where("patients.add_time >= (SELECT counted_before FROM patient_count_seal WHERE id = 1)")
}

// sealRow marks the seal among the rows that slots reads.
const sealRow = -2

// slots lists, oldest first, the slots that hold patients of a counted
// filter and how many each holds: from patient_counts up to the seal, from
// the indexes after it. An add_time range cuts its first and last slot
// short: those two are counted from the index.
func (q poolQuery) slots() ([]slotCount, error) {
	author, state := q.countKey()
	r := q.f.AddTime
	from, to := int64(0), int64(math.MaxInt64)
	if r.From != nil {
		from = slotOf(*r.From)
	}
	if r.To != nil {
		to = slotOf(*r.To)
	}
	var rows []slotCount
	err := q.db.Raw("SELECT bucket AS slot, n FROM patient_counts WHERE deleted = ? AND author_id = ? AND state = ? AND span = ? "+
		"AND bucket >= ? AND bucket <= ? AND n <> 0 UNION ALL SELECT ?, counted_before FROM patient_count_seal WHERE id = 1",
		q.f.Deleted, author, state, spanSlot, from, to, sealRow).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	perSlot := map[int64]int64{}
	var seal int64
	for _, row := range rows {
		if row.Slot == sealRow {
			seal = row.N
		} else {
			perSlot[row.Slot] += row.N
		}
	}
	var uncounted []int64
	if err := q.patients().Where("patients.add_time >= ?", seal).Pluck("patients.add_time", &uncounted).Error; err != nil {
		return nil, err
	}
	for _, t := range uncounted {
		perSlot[slotOf(t)]++
	}
	slots := make([]slotCount, 0, len(perSlot))
	for slot, n := range perSlot {
		slots = append(slots, slotCount{Slot: slot, N: n})
	}
	slices.SortFunc(slots, func(a, b slotCount) int { return cmp.Compare(a.Slot, b.Slot) })
	if r.From == nil && r.To == nil || len(slots) == 0 {
		return slots, nil
	}
	// Recount the slots the range only partly covers.
	for _, i := range []int{0, len(slots) - 1} {
		start, end := slots[i].Slot*secondsPerSlot, (slots[i].Slot+1)*secondsPerSlot-1
		if (r.From == nil || *r.From <= start) && (r.To == nil || *r.To >= end) {
			continue
		}
		var n int64
		if err := q.patients().Where("patients.add_time BETWEEN ? AND ?", start, end).Count(&n).Error; err != nil {
			return nil, err
		}
		slots[i].N = n
	}
	return slots, nil
}

// countedPage is a page of a counted filter. In the default order, the
// counts per block and slot tell in which slot a deep page starts, so it
// skips only rows of that slot rather than every row before it.
func (q poolQuery) countedPage(page PatientPage) ([]Patient, int64, error) {
	offset := page.offset()
	switch {
	case q.f.AddTime.set():
		return q.rangePage(page)
	case offset == 0:
		return q.firstPage(page)
	case page.Sort != "add_time" || offset < seekFromOffset:
		t, err := q.totals()
		if err != nil || int64(offset) >= t.all {
			return []Patient{}, t.all, err
		}
		rows, err := q.page(q.patients(), page, offset)
		return rows, t.all, err
	}
	t, blocks, err := q.totalsAndBlocks()
	if err != nil || int64(offset) >= t.all {
		return []Patient{}, t.all, err
	}
	query := q.patients()
	// Newest first, the patients since the seal come before the counted
	// ones; oldest first, after them.
	counted := t.all - t.uncounted
	target := int64(offset)
	if page.Desc {
		target -= t.uncounted
	}
	switch {
	case page.Desc && target < 0:
		query = query.Where("patients.add_time >= ?", t.seal)
	case !page.Desc && target >= counted:
		query = query.Where("patients.add_time >= ?", t.seal)
		offset -= int(counted)
	default:
		slot, before, err := q.seekCounted(blocks, target, page.Desc)
		if err != nil {
			return nil, 0, err
		}
		offset = int(target - before)
		if page.Desc {
			query = query.Where("patients.add_time < ?", min((slot+1)*secondsPerSlot, t.seal))
		} else {
			query = query.Where("patients.add_time >= ?", slot*secondsPerSlot)
		}
	}
	rows, err := q.page(query, page, offset)
	return rows, t.all, err
}

// totalsAndBlocks is totals, with the counts per block, in one statement.
func (q poolQuery) totalsAndBlocks() (countedTotals, []slotCount, error) {
	author, state := q.countKey()
	uncounted := q.patients().Select("COUNT(*)").Where("patients.add_time >= seal.counted_before")
	rows, err := q.db.Raw("SELECT 0 AS kind, bucket, n FROM patient_counts WHERE deleted = ? AND author_id = ? AND state = ? AND span = ? AND n <> 0 "+
		"UNION ALL SELECT 1, 0, COALESCE((SELECT n FROM patient_counts WHERE deleted = ? AND author_id = ? AND state = ? AND span = ? AND bucket = 0), 0) "+
		"UNION ALL SELECT 2, seal.counted_before, (?) FROM patient_count_seal seal WHERE seal.id = 1",
		q.f.Deleted, author, state, spanBlock, q.f.Deleted, author, state, spanAll, uncounted).Rows()
	if err != nil {
		return countedTotals{}, nil, err
	}
	defer rows.Close()
	var t countedTotals
	var blocks []slotCount
	for rows.Next() {
		var kind int
		var bucket, n int64
		if err := rows.Scan(&kind, &bucket, &n); err != nil {
			return countedTotals{}, nil, err
		}
		switch kind {
		case 0:
			blocks = append(blocks, slotCount{Slot: bucket, N: n})
		case 1:
			t.all += n
		case 2:
			t.seal, t.uncounted = bucket, n
			t.all += n
		}
	}
	slices.SortFunc(blocks, func(a, b slotCount) int { return cmp.Compare(a.Slot, b.Slot) })
	return t, blocks, rows.Err()
}

// scanSlots reads (bucket, n) rows.
func scanSlots(query *gorm.DB) ([]slotCount, error) {
	rows, err := query.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var slots []slotCount
	for rows.Next() {
		var s slotCount
		if err := rows.Scan(&s.Slot, &s.N); err != nil {
			return nil, err
		}
		slots = append(slots, s)
	}
	return slots, rows.Err()
}

// seekCounted finds the slot of the counted patient at offset in add_time
// order and how many counted ones come before that slot: its block among
// the blocks, then its slot among the block's slots.
func (q poolQuery) seekCounted(blocks []slotCount, offset int64, desc bool) (slot, before int64, err error) {
	author, state := q.countKey()
	block, beforeBlock := seekSlot(blocks, offset, desc)
	slots, err := scanSlots(q.db.Raw("SELECT bucket, n FROM patient_counts WHERE deleted = ? AND author_id = ? AND state = ? "+
		"AND span = ? AND bucket >= ? AND bucket <= ? AND n <> 0 ORDER BY bucket",
		q.f.Deleted, author, state, spanSlot, block*slotsPerBlock, block*slotsPerBlock+slotsPerBlock-1))
	if err != nil {
		return 0, 0, err
	}
	slot, beforeSlot := seekSlot(slots, offset-beforeBlock, desc)
	return slot, beforeBlock + beforeSlot, nil
}

// rangePage is countedPage for a filter with an add_time range: the slots
// in the range, their counts from both sides of the seal.
func (q poolQuery) rangePage(page PatientPage) ([]Patient, int64, error) {
	slots, err := q.slots()
	if err != nil {
		return nil, 0, err
	}
	total, offset := sumSlots(slots), page.offset()
	if int64(offset) >= total {
		return []Patient{}, total, nil
	}
	query := q.patients()
	if page.Sort == "add_time" && offset >= seekFromOffset && slots[0].Slot >= 0 {
		slot, before := seekSlot(slots, int64(offset), page.Desc)
		offset -= int(before)
		if page.Desc {
			query = query.Where("patients.add_time < ?", (slot+1)*secondsPerSlot)
		} else {
			query = query.Where("patients.add_time >= ?", slot*secondsPerSlot)
		}
	}
	rows, err := q.page(query, page, offset)
	return rows, total, err
}

// seekFromOffset: below it, skipping rows in the index costs less than
// reading the counts.
const seekFromOffset = 1000

// seekSlot finds the bucket (a slot, or a block of slots) holding the row
// at offset in add_time order and how many rows come before that bucket.
func seekSlot(buckets []slotCount, offset int64, desc bool) (bucket, before int64) {
	for i := range buckets {
		b := buckets[i]
		if desc {
			b = buckets[len(buckets)-1-i]
		}
		if before+b.N > offset {
			return b.Slot, before
		}
		before += b.N
	}
	return buckets[0].Slot, 0 // unreachable: offset < total
}

// --- answered by patient_terms ---

// byTerms reports whether the search is part of a name alone, in the
// default order with no filter but the author: patient_terms then holds
// the page in order.
func (q poolQuery) byTerms(page PatientPage) bool {
	return q.search != nil && q.search.nameOnly && page.Sort == "add_time" && q.f.narrowing() == bySearch
}

// terms is the term's rows of the viewer's patients, in or out of the bin;
// a query longer than a term is checked against the names themselves.
func (q poolQuery) terms() *gorm.DB {
	s := q.search
	db := q.db.Model(&patientTerm{}).
		Where("patient_terms.term = ? AND patient_terms.deleted = ?", s.term, q.f.Deleted)
	if q.author != nil {
		db = db.Where("patient_terms.author_id = ?", *q.author)
	}
	if !s.whole {
		db = db.Joins("JOIN patients ON patients.id = patient_terms.patient_id").
			Where(store.Like("patients.name", "%"+store.EscapeLike(q.f.Q)+"%"))
	}
	return db
}

func (q poolQuery) termsPage(page PatientPage) ([]Patient, int64, error) {
	var total int64
	if err := q.terms().Count(&total).Error; err != nil || int64(page.offset()) >= total {
		return []Patient{}, total, err
	}
	var ids []uint64
	err := q.terms().
		Order(clause.OrderBy{Columns: []clause.OrderByColumn{
			{Column: clause.Column{Table: "patient_terms", Name: "add_time"}, Desc: page.Desc},
			{Column: clause.Column{Table: "patient_terms", Name: "patient_id"}, Desc: page.Desc},
		}}).
		Offset(page.offset()).Limit(page.PerPage).Pluck("patient_terms.patient_id", &ids).Error
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.byIDs(ids)
	return rows, total, err
}

// --- the search ---

// poolSearch is q resolved into the lookups that can answer it, each an
// index range: part of a name through patient_terms, a whole WeChat id,
// and for numbers a whole QQ number and a phone number whole or by its
// last digits.
type poolSearch struct {
	term     string // the name term looked up
	whole    bool   // the term is the whole query
	nameOnly bool   // nothing but names can match: patient_terms alone answers
	branches []*gorm.DB
}

// minPhoneTail is the fewest last digits a phone number is found by.
const minPhoneTail = 4

func newPoolSearch(db *gorm.DB, v access.Viewer, f PatientFilter, author *uint64) (poolSearch, error) {
	s := poolSearch{}
	var bin clause.Expression = clause.Eq{Column: "deleted_at", Value: nil}
	if f.Deleted {
		bin = clause.Neq{Column: "deleted_at", Value: nil}
	}
	fresh := func() *gorm.DB { return db.Session(&gorm.Session{NewDB: true}) }
	// add is a lookup of patients, in the bin or not, of the author: no
	// more ids than the page can use.
	add := func(match clause.Expression) {
		branch := fresh().Table("patients").Select("id AS pid").Where(bin).Where(match)
		if author != nil {
			branch = branch.Where(authorFilter(db, *author))
		}
		s.branches = append(s.branches, branch)
	}
	q := f.Q
	if searchkey.IsNumber(q) {
		digits := searchkey.Digits(q)
		rev := searchkey.Reverse(digits)
		switch {
		case len(digits) < minPhoneTail:
			add(clause.Eq{Column: "tel_rev", Value: rev})
		case v.Can(access.PermPatientFullPhone) || author != nil && *author == v.UserID:
			add(store.DigitsPrefix("tel_rev", rev))
		default:
			// Numbers this viewer sees masked match only whole: a search
			// by their tails would reveal the hidden digits.
			add(clause.Eq{Column: "tel_rev", Value: rev})
			add(clause.And(clause.Eq{Column: "author_id", Value: v.UserID}, store.DigitsPrefix("tel_rev", rev)))
		}
		add(clause.Eq{Column: "qq", Value: digits})
		add(wechatEquals(db, q))
		return s, nil
	}
	s.term, s.whole = searchkey.QueryTerm(q)
	terms := fresh().Table("patient_terms").Select("patient_terms.patient_id AS pid").
		Where(clause.Eq{Column: clause.Column{Table: "patient_terms", Name: "term"}, Value: s.term}).
		Where(clause.Eq{Column: clause.Column{Table: "patient_terms", Name: "deleted"}, Value: f.Deleted})
	if author != nil {
		terms = terms.Where(clause.Eq{Column: clause.Column{Table: "patient_terms", Name: "author_id"}, Value: *author})
	}
	if !s.whole {
		terms = terms.Joins("JOIN patients ON patients.id = patient_terms.patient_id").
			Where(store.Like("patients.name", "%"+store.EscapeLike(q)+"%"))
	}
	s.branches = append(s.branches, terms)
	// A WeChat id is free text too, and is found whole. Most queries match
	// none, and patient_terms then answers alone.
	if utf8.RuneCountInString(q) <= maxWechatRunes {
		var hit []uint64
		err := fresh().Table("patients").Where(bin).Where(wechatEquals(db, q)).Limit(1).Pluck("id", &hit).Error
		if err != nil {
			return s, err
		}
		if len(hit) > 0 {
			add(wechatEquals(db, q))
		}
	}
	s.nameOnly = len(s.branches) == 1
	return s, nil
}

// authorFilter keeps a lookup to one author's patients. SQLite, which
// keeps no statistics here, would rather walk the author's index than the
// lookup's (a consultant's 5,000 rows for one phone number); the unary +
// leaves it the lookup's.
func authorFilter(db *gorm.DB, author uint64) clause.Expression {
	if db.Dialector.Name() == "sqlite" {
		return clause.Expr{SQL: "+author_id = ?", Vars: []any{author}}
	}
	return clause.Eq{Column: "author_id", Value: author}
}

// wechatEquals compares WeChat ids whatever their case, as MySQL's
// collation does; on SQLite through an index made the same way.
func wechatEquals(db *gorm.DB, wechat string) clause.Expression {
	if db.Dialector.Name() == "sqlite" {
		return clause.Expr{SQL: "wechat = ? COLLATE NOCASE", Vars: []any{wechat}}
	}
	return clause.Eq{Column: "wechat", Value: wechat}
}

// maxWechatRunes matches the column.
const maxWechatRunes = 64

// join restricts db (on patients) to the ids the search matches: a derived
// table of the union of its lookups, which the database builds first.
func (s poolSearch) join(db *gorm.DB) *gorm.DB {
	return db.Joins("JOIN (?) matched ON matched.pid = patients.id", s.union(db))
}

// union is the lookups' ids, each branch a derived table of its own: SQLite
// does not take parenthesized SELECTs as members of a UNION.
func (s poolSearch) union(db *gorm.DB) *gorm.DB {
	all := s.branches[0]
	for _, next := range s.branches[1:] {
		all = db.Session(&gorm.Session{NewDB: true}).Raw("SELECT pid FROM (?) u1 UNION SELECT pid FROM (?) u2", all, next)
	}
	return all
}

// summary is f as the parameters that set it; a search that is a number is
// masked as phone numbers are in the log.
func (f PatientFilter) Summary() map[string]any {
	out := map[string]any{}
	put := func(name string, set bool, value any) {
		if set {
			out[name] = value
		}
	}
	put("state", f.State != nil, deref(f.State))
	put("author_id", f.AuthorID != nil, deref(f.AuthorID))
	put("doctor_id", f.DoctorID != nil, deref(f.DoctorID))
	put("disease_id", f.DiseaseID != nil, deref(f.DiseaseID))
	put("media_from_id", f.MediaFromID != nil, deref(f.MediaFromID))
	for _, r := range f.timeRanges() {
		put(r.column+"_from", r.From != nil, deref(r.From))
		put(r.column+"_to", r.To != nil, deref(r.To))
	}
	put("keyword", f.Keyword != nil, deref(f.Keyword))
	put("landing_page", f.LandingPage != nil, deref(f.LandingPage))
	if f.Q != "" {
		q := f.Q
		if searchkey.IsNumber(q) {
			q = access.MaskPhone(searchkey.Digits(q))
		}
		out["q"] = q
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
