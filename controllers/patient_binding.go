package controllers

import (
	"regexp"

	"github.com/gin-gonic/gin"

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

// bindNewPatient reads a registration. Required fields come first so a
// request missing one is told so before anything else. Unknown parameters,
// author_id among them, are ignored: the author is the caller.
func bindNewPatient(c *gin.Context) (models.PatientFields, error) {
	b := newBinder(c)
	f := models.PatientFields{
		Name:    b.requiredText(nameRule, "name"),
		AddTime: b.requiredInt(minUnixTime, maxUnixTime, "add_time", "addTime"),
		State:   int8(b.requiredInt(int64(models.StateUntreated), int64(models.StateLost), "state")),
	}
	if sex := b.optionalInt(0, 1, "sex"); sex != nil {
		f.Sex = int8(*sex)
	}
	if age := b.optionalInt(0, 150, "age"); age != nil {
		a := int16(*age)
		f.Age = &a
	}
	f.Tel = b.optionalMatch(validTel, "tel")
	f.Wechat = b.optionalText(wechatRule, "wechat")
	f.QQ = b.optionalMatch(validQQ, "qq")
	f.OrderTime = b.optionalTime("order_time", "orderTime")
	f.ReachTime = b.optionalTime("reach_time", "reachTime")
	f.DiseaseID = b.optionalRef("disease_id", "diseaseId")
	f.MediaFromID = b.optionalRef("media_from_id", "mediaFromId")
	f.DoctorID = b.optionalRef("doctor_id", "doctorId")
	f.AdvisoryWay = b.optionalText(advisoryWayRule, "advisory_way", "advisoryWay")
	f.AdvisoryContent = b.optionalText(contentRule, "advisory_content", "advisoryContent")
	f.Area = b.optionalText(areaRule, "area")
	f.Remarks = b.optionalText(remarksRule, "remarks")
	return f, b.err
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
	q := patientListQuery{page: models.PatientPage{Page: 1, PerPage: defaultPerPage, Sort: models.DefaultPatientSort, Desc: true}}
	if page := b.optionalInt(1, maxPage, "page"); page != nil {
		q.page.Page = int(*page)
	}
	if perPage := b.optionalInt(1, maxPerPage, "per_page", "perPage"); perPage != nil {
		q.page.PerPage = int(*perPage)
	}
	if name, v, ok := b.value("sort_by", "sortBy"); ok {
		column, known := models.PatientSortColumn(v)
		if !known {
			b.invalid(name)
		}
		q.page.Sort = column
	}
	if order, ok := b.optionalChoice([]string{"asc", "desc"}, "order"); ok {
		q.page.Desc = order == "desc"
	}
	if count := b.optionalInt(0, 1, "count"); count != nil {
		q.countOnly = *count == 1
	}
	f := &q.filter
	if state := b.optionalInt(int64(models.StateUntreated), int64(models.StateLost), "state"); state != nil {
		s := int8(*state)
		f.State = &s
	}
	if author := b.optionalInt(1, maxID, "author_id", "authorId"); author != nil {
		id := uint64(*author)
		f.AuthorID = &id
	}
	f.DoctorID = b.optionalFilterID("doctor_id", "doctorId")
	f.DiseaseID = b.optionalFilterID("disease_id", "diseaseId")
	f.MediaFromID = b.optionalFilterID("media_from_id", "mediaFromId")
	f.AddTime = models.TimeRange{From: b.optionalTime("add_time_from", "addTimeFrom"), To: b.optionalTime("add_time_to", "addTimeTo")}
	f.OrderTime = models.TimeRange{From: b.optionalTime("order_time_from", "orderTimeFrom"), To: b.optionalTime("order_time_to", "orderTimeTo")}
	f.ReachTime = models.TimeRange{From: b.optionalTime("reach_time_from", "reachTimeFrom"), To: b.optionalTime("reach_time_to", "reachTimeTo")}
	if search := b.optionalText(textRule{maxRunes: maxQueryRunes}, "q"); search != nil {
		f.Q = *search
	}
	return q, b.err
}
