package controllers

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"crm/middleware"
	"crm/models/access"
	"crm/models/patient"
)

// The patient's fields are one table (models.PatientFieldTable): the
// presenter, the history and the binder must agree with it. A new field
// fails here until every one of them knows it.

func TestPresenterAgreesWithTheFieldTable(t *testing.T) {
	age, tel, wechat, qq := int16(30), "13511112222", "wx_1", "12345"
	order, reach := int64(1_700_000_100), int64(1_700_000_200)
	doctor, media, disease := uint64(3), uint64(4), uint64(5)
	way, content, area, remarks := "电话", "咨询", "温州", "备注"
	keyword, page := "温州 医院", "https://example.com/a?b=1"
	full := patient.Patient{ID: 9, Name: "张三", Sex: 1, Age: &age, Tel: &tel, Wechat: &wechat, QQ: &qq, AddTime: 1_700_000_000,
		OrderTime: &order, ReachTime: &reach, DiseaseID: &disease, AuthorID: 2, State: 2, MediaFromID: &media, DoctorID: &doctor,
		AdvisoryWay: &way, AdvisoryContent: &content, Area: &area, Remarks: &remarks,
		Keyword: &keyword, LandingPage: &page}
	viewer := access.Viewer{UserID: 2, Permissions: access.NewPermissionSet(access.PermPatientFullPhone)}
	for _, p := range []patient.Patient{full, {ID: 10, Name: "李四", AddTime: 1, AuthorID: 2}} {
		raw, err := json.Marshal(presentPatient(p, viewer))
		if err != nil {
			t.Fatal(err)
		}
		var presented map[string]*string
		if err := json.Unmarshal(raw, &presented); err != nil {
			t.Fatal(err)
		}
		want := map[string]*string{"id": presented["id"]}
		for _, f := range p.ContractValues() {
			want[f.Name] = f.Value
		}
		if len(presented) != len(want) {
			t.Errorf("presented keys %d, the table's %d: %s", len(presented), len(want), raw)
		}
		for name, value := range want {
			got, ok := presented[name]
			if !ok || (got == nil) != (value == nil) || got != nil && *got != *value {
				t.Errorf("%s: presented %v, the table says %v", name, deref(got), deref(value))
			}
		}
	}
}

// Every field a request writes is bound from its parameter, in both
// spellings, into its own bit.
func TestBinderCoversTheFieldTable(t *testing.T) {
	gin.SetMode(gin.TestMode)
	samples := map[string]string{"name": "张三", "sex": "1", "tel": "13511112222", "age": "30", "wechat": "wx_1",
		"qq": "12345", "add_time": "1700000000", "order_time": "1700000100", "reach_time": "1700000200",
		"disease_id": "5", "state": "2", "media_from_id": "4", "doctor_id": "3", "advisory_way": "电话",
		"advisory_content": "咨询", "area": "温州", "remarks": "备注",
		"keyword": "温州 医院", "next_followup_time": "1700000300", "landing_page": "https://example.com/a?b=1", "sms_consent": "1"}
	var all patient.PatientFieldSet
	for _, f := range patient.PatientFieldTable() {
		if f.Bit == 0 {
			continue
		}
		all |= f.Bit
		sample, ok := samples[f.Column]
		if !ok {
			t.Errorf("%s: no sample value here; add one", f.Column)
			continue
		}
		for _, param := range []string{f.Column, f.Name} {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("PATCH", "/", strings.NewReader(url.Values{param: {sample}}.Encode()))
			c.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			middleware.ParseParams(1<<20, nil)(c)
			w, err := bindPatientEdit(c)
			if err != nil || w.set != f.Bit {
				t.Errorf("%s=%s: bound %b (%v), want %b", param, sample, w.set, err, f.Bit)
			}
		}
	}
	if all != patient.AllPatientFields {
		t.Errorf("the table's bits %b, AllPatientFields %b", all, patient.AllPatientFields)
	}
	for column := range patientRules {
		if _, ok := samples[column]; !ok {
			t.Errorf("a rule for %s, which the table does not list as writable", column)
		}
	}
}
