package controllers

import (
	"regexp"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/models"
)

// The formats of patient fields (CONTRACT.md; lengths the contract leaves
// open are documented in docs/openapi.yaml).
var (
	telPattern = regexp.MustCompile(`^[0-9+\- ]{1,20}$`)
	qqPattern  = regexp.MustCompile(`^[0-9]{1,15}$`)
)

func validTel(s string) bool { return telPattern.MatchString(s) && models.PhoneDigits(&s) != "" }
func validQQ(s string) bool  { return qqPattern.MatchString(s) }

var (
	nameRule        = textRule{maxRunes: 30}
	wechatRule      = textRule{maxRunes: 64}
	areaRule        = textRule{maxRunes: 64}
	advisoryWayRule = textRule{maxRunes: 32}
	contentRule     = textRule{maxRunes: 5000, multiline: true}
	remarksRule     = textRule{maxRunes: 2000, multiline: true}
)

// patientBindings read each field of models.PatientFieldTable from its
// parameter (snake_case; camelCase accepted) by its rule. Required fields
// come first, so a registration missing one is told so before anything
// else; a test checks that every field the table lists is here.
var patientBindings = []struct {
	param string
	bind  func(b *binder, f *models.PatientFields)
}{
	{"name", func(b *binder, f *models.PatientFields) { f.Name = b.requiredText(nameRule, "name") }},
	{"add_time", func(b *binder, f *models.PatientFields) {
		f.AddTime = b.requiredInt(minUnixTime, maxUnixTime, "add_time")
	}},
	{"state", func(b *binder, f *models.PatientFields) {
		f.State = int8(b.requiredInt(int64(models.StateUntreated), int64(models.StateLost), "state"))
	}},
	{"sex", func(b *binder, f *models.PatientFields) {
		if sex := b.optionalInt(0, 1, "sex"); sex != nil {
			f.Sex = int8(*sex)
		}
	}},
	{"age", func(b *binder, f *models.PatientFields) {
		if age := b.optionalInt(0, 150, "age"); age != nil {
			a := int16(*age)
			f.Age = &a
		}
	}},
	{"tel", func(b *binder, f *models.PatientFields) { f.Tel = b.optionalMatch(validTel, "tel") }},
	{"wechat", func(b *binder, f *models.PatientFields) { f.Wechat = b.optionalText(wechatRule, "wechat") }},
	{"qq", func(b *binder, f *models.PatientFields) { f.QQ = b.optionalMatch(validQQ, "qq") }},
	{"order_time", func(b *binder, f *models.PatientFields) { f.OrderTime = b.optionalTime("order_time") }},
	{"reach_time", func(b *binder, f *models.PatientFields) { f.ReachTime = b.optionalTime("reach_time") }},
	{"disease_id", func(b *binder, f *models.PatientFields) { f.DiseaseID = b.optionalRef("disease_id") }},
	{"media_from_id", func(b *binder, f *models.PatientFields) { f.MediaFromID = b.optionalRef("media_from_id") }},
	{"doctor_id", func(b *binder, f *models.PatientFields) { f.DoctorID = b.optionalRef("doctor_id") }},
	{"advisory_way", func(b *binder, f *models.PatientFields) {
		f.AdvisoryWay = b.optionalText(advisoryWayRule, "advisory_way")
	}},
	{"advisory_content", func(b *binder, f *models.PatientFields) {
		f.AdvisoryContent = b.optionalText(contentRule, "advisory_content")
	}},
	{"area", func(b *binder, f *models.PatientFields) { f.Area = b.optionalText(areaRule, "area") }},
	{"remarks", func(b *binder, f *models.PatientFields) { f.Remarks = b.optionalText(remarksRule, "remarks") }},
}

// bindPatientFields reads the patient fields that include selects by
// their parameter names: all of them for a registration, the ones sent for
// an edit. A required field selected must not be blank (44001); a blank
// optional field clears it.
func bindPatientFields(b *binder, include func(names ...string) bool) (models.PatientFields, models.PatientFieldSet) {
	var f models.PatientFields
	var set models.PatientFieldSet
	for _, binding := range patientBindings {
		if include(binding.param) {
			binding.bind(b, &f)
			set |= models.PatientFieldBit(binding.param)
		}
	}
	return f, set
}

// patientWrite is a registration or an edit as bound from the request.
// id, the author (without the permission), the timestamps and the deleted
// flag are not among its fields: they cannot be set by parameters.
type patientWrite struct {
	fields   models.PatientFields
	set      models.PatientFieldSet
	authorID *uint64 // only with patient.register_for_others, checked by the model
}

func bindNewPatient(c *gin.Context) (patientWrite, error) {
	b := newBinder(c)
	fields, set := bindPatientFields(b, func(...string) bool { return true })
	w := patientWrite{fields: fields, set: set, authorID: b.optionalRef("author_id")}
	return w, b.err
}

func bindPatientEdit(c *gin.Context) (patientWrite, error) {
	b := newBinder(c)
	fields, set := bindPatientFields(b, b.sent)
	w := patientWrite{fields: fields, set: set, authorID: b.optionalRef("author_id")}
	return w, b.err
}

// Paging bounds of the list.
const (
	defaultPerPage = 30
	maxPerPage     = 100
	maxPage        = 10_000_000
	maxQueryRunes  = 64
)

type patientListQuery struct {
	countOnly bool
	filter    models.PatientFilter
	page      models.PatientPage
}

func bindPatientList(c *gin.Context) (patientListQuery, error) {
	b := newBinder(c)
	q := patientListQuery{page: bindPatientOrder(b)}
	q.page.Page, q.page.PerPage = bindPage(b)
	if count := b.optionalInt(0, 1, "count"); count != nil {
		q.countOnly = *count == 1
	}
	q.filter = bindPatientFilter(b)
	if deleted := b.optionalInt(0, 1, "deleted"); deleted != nil {
		q.filter.Deleted = *deleted == 1
	}
	return q, b.err
}

// bindPatientOrder reads sort_by (whitelisted) and order; the export
// takes them too.
func bindPatientOrder(b *binder) models.PatientPage {
	page := models.PatientPage{Sort: models.DefaultPatientSort, Desc: true}
	if name, v, ok := b.value("sort_by"); ok {
		column, known := models.PatientSortColumn(v)
		if !known {
			b.invalid(name)
		}
		page.Sort = column
	}
	if order, ok := b.optionalChoice([]string{"asc", "desc"}, "order"); ok {
		page.Desc = order == "desc"
	}
	return page
}

// bindPatientFilter reads the list's filters, which reports and exports
// take too.
func bindPatientFilter(b *binder) models.PatientFilter {
	var f models.PatientFilter
	if state := b.optionalInt(int64(models.StateUntreated), int64(models.StateLost), "state"); state != nil {
		s := int8(*state)
		f.State = &s
	}
	if author := b.optionalInt(1, maxID, "author_id"); author != nil {
		id := uint64(*author)
		f.AuthorID = &id
	}
	f.DoctorID = b.optionalFilterID("doctor_id")
	f.DiseaseID = b.optionalFilterID("disease_id")
	f.MediaFromID = b.optionalFilterID("media_from_id")
	f.AddTime = models.TimeRange{From: b.optionalTime("add_time_from"), To: b.optionalTime("add_time_to")}
	f.OrderTime = models.TimeRange{From: b.optionalTime("order_time_from"), To: b.optionalTime("order_time_to")}
	f.ReachTime = models.TimeRange{From: b.optionalTime("reach_time_from"), To: b.optionalTime("reach_time_to")}
	if search := b.optionalText(textRule{maxRunes: maxQueryRunes}, "q"); search != nil {
		f.Q = *search
	}
	return f
}

// bindPage reads page and per_page (both spellings) with the list's bounds.
func bindPage(b *binder) (page, perPage int) {
	page, perPage = 1, defaultPerPage
	if p := b.optionalInt(1, maxPage, "page"); p != nil {
		page = int(*p)
	}
	if pp := b.optionalInt(1, maxPerPage, "per_page"); pp != nil {
		perPage = int(*pp)
	}
	return page, perPage
}

// bindDuplicateQuery reads tel, wechat and qq; at least one is needed.
func bindDuplicateQuery(c *gin.Context) (models.DuplicateQuery, error) {
	b := newBinder(c)
	var q models.DuplicateQuery
	if tel := b.optionalMatch(validTel, "tel"); tel != nil {
		q.TelDigits = models.PhoneDigits(tel)
	}
	if wechat := b.optionalText(wechatRule, "wechat"); wechat != nil {
		q.Wechat = *wechat
	}
	if qq := b.optionalMatch(validQQ, "qq"); qq != nil {
		q.QQ = *qq
	}
	if b.err == nil && q == (models.DuplicateQuery{}) {
		return q, apierr.Missing("tel/wechat/qq")
	}
	return q, b.err
}
