package controllers

import (
	"encoding/json"
	"testing"

	"crm/models/access"
	"crm/models/patient"
)

// A page of 30 patients, presented and encoded as the list sends it.
func BenchmarkPresentPage(b *testing.B) {
	age, tel, wechat := int16(30), "13511112222", "wx_<1>&"
	order := int64(1_700_000_100)
	doctor := uint64(3)
	way, remarks := "电话", "备注\n第二行"
	rows := make([]patient.Patient, 30)
	for i := range rows {
		rows[i] = patient.Patient{ID: uint64(i + 1), Name: "张三", Sex: 1, Age: &age, Tel: &tel, Wechat: &wechat,
			AddTime: 1_700_000_000, OrderTime: &order, AuthorID: 2, State: 1, DoctorID: &doctor, AdvisoryWay: &way, Remarks: &remarks}
	}
	viewer := access.Viewer{UserID: 3, Permissions: access.NewPermissionSet(access.PermPatientList)}
	for b.Loop() {
		if _, err := json.Marshal(map[string]any{"patient_data": presentPatients(rows, viewer), "count": 990000}); err != nil {
			b.Fatal(err)
		}
	}
}
