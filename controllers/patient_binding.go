package controllers

import (
	"net/url"
	"regexp"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/models/access"
	"crm/models/patient"
)

// The formats of patient fields (CONTRACT.md; lengths the contract leaves
// open are documented in docs/openapi.yaml).
var (
	telPattern = regexp.MustCompile(`^[0-9+\- ]{1,20}$`)
	qqPattern  = regexp.MustCompile(`^[0-9]{1,15}$`)
)

func validTel(s string) bool { return telPattern.MatchString(s) && access.PhoneDigits(&s) != "" }
func validQQ(s string) bool  { return qqPattern.MatchString(s) }

// patientRules are the fields whose rule is not their type's default:
// required fields (bound first, so a registration missing one is told so
// before anything else), numbers with bounds, and formats. The other
// fields are bound by the type of their target: text by the table's
// bounds, times as unix seconds, ids as references.
var patientRules = map[string]struct {
	required bool
	bind     func(b *binder, f patient.PatientField, p *patient.Patient)
}{
	"name": {true, func(b *binder, f patient.PatientField, p *patient.Patient) {
		p.Name = b.requiredText(ruleOf(f), f.Column)
	}},
	"add_time": {true, func(b *binder, f patient.PatientField, p *patient.Patient) {
		p.AddTime = b.requiredInt(minUnixTime, maxUnixTime, f.Column)
	}},
	"state": {true, func(b *binder, f patient.PatientField, p *patient.Patient) {
		p.State = int8(b.requiredInt(int64(patient.StateUntreated), int64(patient.StateLost), f.Column))
	}},
	"sex": {false, func(b *binder, f patient.PatientField, p *patient.Patient) {
		if sex := b.optionalInt(0, 1, f.Column); sex != nil {
			p.Sex = int8(*sex)
		}
	}},
	"sms_consent": {false, func(b *binder, f patient.PatientField, p *patient.Patient) {
		if consent := b.optionalInt(0, 1, f.Column); consent != nil {
			p.SmsConsent = int8(*consent)
		}
	}},
	"age": {false, func(b *binder, f patient.PatientField, p *patient.Patient) {
		if age := b.optionalInt(0, 150, f.Column); age != nil {
			a := int16(*age)
			p.Age = &a
		}
	}},
	"tel": {false, func(b *binder, f patient.PatientField, p *patient.Patient) {
		p.Tel = b.optionalMatch(validTel, f.Column)
	}},
	"qq": {false, func(b *binder, f patient.PatientField, p *patient.Patient) { p.QQ = b.optionalMatch(validQQ, f.Column) }},
	"landing_page": {false, func(b *binder, f patient.PatientField, p *patient.Patient) {
		p.LandingPage = b.optionalMatch(func(s string) bool { return ruleOf(f).allows(s) && validWebAddress(s) }, f.Column)
	}},
}

// validWebAddress is an absolute http or https URL with a host, as an ad
// platform reports a landing page.
func validWebAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func ruleOf(f patient.PatientField) textRule {
	return textRule{maxRunes: f.MaxRunes, multiline: f.Multiline}
}

// bindByType reads a field without a rule of its own by the type of its
// target; false for a type that needs a rule in patientRules.
func bindByType(b *binder, f patient.PatientField, p *patient.Patient) bool {
	switch target := f.Target(p).(type) {
	case **string:
		if f.MaxRunes == 0 {
			return false
		}
		*target = b.optionalText(ruleOf(f), f.Column)
	case **int64:
		*target = b.optionalTime(f.Column)
	case **uint64:
		*target = b.optionalRef(f.Column)
	default:
		return false
	}
	return true
}

// bindPatientFields reads the writable fields that include selects by
// their parameter names: all of them for a registration, the ones sent for
// an edit. A required field selected must not be blank (44001); a blank
// optional field clears it.
func bindPatientFields(b *binder, include func(names ...string) bool) (patient.Patient, patient.PatientFieldSet) {
	var p patient.Patient
	var set patient.PatientFieldSet
	for _, requiredPass := range []bool{true, false} {
		for _, f := range patient.PatientFieldTable() {
			rule, ruled := patientRules[f.Column]
			if !f.Writable || rule.required != requiredPass || !include(f.Column) {
				continue
			}
			if ruled {
				rule.bind(b, f, &p)
			} else if !bindByType(b, f, &p) {
				panic("patient field " + f.Column + " has no binding rule") // TestBinderCoversTheFieldTable
			}
			set |= f.Bit
		}
	}
	return p, set
}

// wechatRule is the WeChat field's, for the duplicate search.
var wechatRule = ruleOf(fieldNamed("wechat"))

func fieldNamed(column string) patient.PatientField {
	for _, f := range patient.PatientFieldTable() {
		if f.Column == column {
			return f
		}
	}
	panic("no patient field " + column)
}

// patientWrite is a registration or an edit as bound from the request.
// id, the author (without the permission), the timestamps and the deleted
// flag are not among its fields: they cannot be set by parameters.
type patientWrite struct {
	fields   patient.Patient // the fields in set
	set      patient.PatientFieldSet
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
	filter    patient.PatientFilter
	page      patient.PatientPage
}

func bindPatientList(c *gin.Context, defaultSize int) (patientListQuery, error) {
	b := newBinder(c)
	q := patientListQuery{page: bindPatientOrder(b)}
	q.page.Page, q.page.PerPage = bindPageOf(b, defaultSize)
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
func bindPatientOrder(b *binder) patient.PatientPage {
	page := patient.PatientPage{Sort: patient.DefaultPatientSort, Desc: true}
	if name, v, ok := b.value("sort_by"); ok {
		column, known := patient.PatientSortColumn(v)
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
func bindPatientFilter(b *binder) patient.PatientFilter {
	var f patient.PatientFilter
	if state := b.optionalInt(int64(patient.StateUntreated), int64(patient.StateLost), "state"); state != nil {
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
	f.AddTime = patient.TimeRange{From: b.optionalTime("add_time_from"), To: b.optionalTime("add_time_to")}
	f.OrderTime = patient.TimeRange{From: b.optionalTime("order_time_from"), To: b.optionalTime("order_time_to")}
	f.ReachTime = patient.TimeRange{From: b.optionalTime("reach_time_from"), To: b.optionalTime("reach_time_to")}
	f.NextFollowupTime = patient.TimeRange{From: b.optionalTime("next_followup_time_from"), To: b.optionalTime("next_followup_time_to")}
	f.Keyword = b.optionalText(ruleOf(fieldNamed("keyword")), "keyword")
	f.LandingPage = b.optionalText(ruleOf(fieldNamed("landing_page")), "landing_page")
	if search := b.optionalText(textRule{maxRunes: maxQueryRunes}, "q"); search != nil {
		f.Q = *search
	}
	return f
}

// bindReassignment reads to_author_id and either ids or the list's
// filters.
func bindReassignment(c *gin.Context) (patient.Reassignment, error) {
	b := newBinder(c)
	r := patient.Reassignment{To: uint64(b.requiredInt(1, maxID, "to_author_id"))}
	if b.sent("ids") {
		r.IDs = b.idList("ids")
	} else {
		r.Filter = bindPatientFilter(b)
	}
	return r, b.err
}

// bindDuplicateQuery reads tel, wechat and qq; at least one is needed.
func bindDuplicateQuery(c *gin.Context) (patient.DuplicateQuery, error) {
	b := newBinder(c)
	var q patient.DuplicateQuery
	if tel := b.optionalMatch(validTel, "tel"); tel != nil {
		q.TelDigits = access.PhoneDigits(tel)
	}
	if wechat := b.optionalText(wechatRule, "wechat"); wechat != nil {
		q.Wechat = *wechat
	}
	if qq := b.optionalMatch(validQQ, "qq"); qq != nil {
		q.QQ = *qq
	}
	if b.err == nil && q == (patient.DuplicateQuery{}) {
		return q, apierr.Missing("tel/wechat/qq")
	}
	return q, b.err
}
