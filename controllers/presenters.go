package controllers

import (
	"reflect"
	"strconv"

	"crm/models/access"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/staff"
)

// The contract's objects. Every value is a string or null, as the original
// PHP backend returned database rows; presenters never touch the database.

// patientJSON is a struct type with the id and then each field of
// models.PatientFieldTable, of the Patient field's own type and tagged
// with its contract name; numbers are tagged ",string", so encoding/json
// writes them as the contract's strings (nil as null). encoding/json caches
// its encoder as it does a written struct's, and formats the numbers
// without an allocation each, so a page costs no more than with a written
// struct (BenchmarkPresentPage), while the table stays the one list of the
// patient's fields. (Built on ContractValues with a MarshalJSON, a page
// cost 3.4 times as much: encoding/json re-scans every Marshaler's
// output.) TestPresenterAgreesWithTheFieldTable holds it to the history's
// conversion.
var patientJSON = reflect.StructOf(patientJSONFields())

func patientJSONFields() []reflect.StructField {
	fields := []reflect.StructField{{Name: "ID", Type: reflect.TypeFor[uint64](), Tag: `json:"id,string"`}}
	var zero patient.Patient
	for i, f := range patient.PatientFieldTable() {
		typ := reflect.TypeOf(f.Target(&zero)).Elem()
		tag := `json:"` + f.Name + `"`
		if kind := derefed(typ).Kind(); kind >= reflect.Int && kind <= reflect.Uint64 {
			tag = `json:"` + f.Name + `,string"`
		}
		fields = append(fields, reflect.StructField{Name: "Field" + strconv.Itoa(i), Type: typ, Tag: reflect.StructTag(tag)})
	}
	return fields
}

func derefed(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// presentedPatient is a patientJSON value.
type presentedPatient any

// presentPatient shows a patient to v, with the phone number masked where
// v may not see it whole.
func presentPatient(p patient.Patient, v access.Viewer) presentedPatient {
	out := reflect.New(patientJSON).Elem()
	fillPatient(out, &p, v)
	return out.Interface()
}

func fillPatient(out reflect.Value, p *patient.Patient, v access.Viewer) {
	out.Field(0).SetUint(p.ID)
	fields := patient.PatientFieldTable()
	for i := range fields {
		out.Field(i + 1).Set(reflect.ValueOf(fields[i].ShownTarget(p, v)).Elem())
	}
}

// presentPatients is a []patientJSON ([] rather than null for an empty
// page).
func presentPatients(rows []patient.Patient, v access.Viewer) presentedPatient {
	out := reflect.MakeSlice(reflect.SliceOf(patientJSON), len(rows), len(rows))
	for i := range rows {
		fillPatient(out.Index(i), &rows[i], v)
	}
	return out.Interface()
}

func optionalInt[N int16 | int64](n *N) *string {
	if n == nil {
		return nil
	}
	s := strconv.FormatInt(int64(*n), 10)
	return &s
}

func optionalID(id *uint64) *string {
	if id == nil {
		return nil
	}
	s := strconv.FormatUint(*id, 10)
	return &s
}

func presentIDs(ids []uint64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(id, 10)
	}
	return out
}

type menuJSON struct {
	Title string          `json:"title"`
	Name  string          `json:"name"`
	URL   string          `json:"url"`
	Child []menuChildJSON `json:"child"`
}

type menuChildJSON struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Name  string `json:"name"`
	URL   string `json:"url"`
}

func presentMenu(tree []staff.MenuNode) []menuJSON {
	out := make([]menuJSON, len(tree))
	for i, node := range tree {
		children := make([]menuChildJSON, len(node.Children))
		for j, child := range node.Children {
			children[j] = menuChildJSON{ID: strconv.FormatUint(child.ID, 10), Title: child.Title, Name: child.Name, URL: child.URL}
		}
		out[i] = menuJSON{Title: node.Title, Name: node.Name, URL: node.URL, Child: children}
	}
	return out
}

type historyEntryJSON struct {
	ID       string         `json:"id"`
	Action   string         `json:"action"`
	UserID   *string        `json:"userId"`
	Username string         `json:"username"`
	Address  string         `json:"address"`
	Time     string         `json:"time"`
	Changes  []oplog.Change `json:"changes"`
}

func presentHistory(entries []patient.HistoryEntry) []historyEntryJSON {
	out := make([]historyEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = historyEntryJSON{
			ID:       strconv.FormatUint(e.ID, 10),
			Action:   e.Action,
			UserID:   optionalID(e.UserID),
			Username: e.Username,
			Address:  e.Address,
			Time:     strconv.FormatInt(e.CreatedAt.Unix(), 10),
			Changes:  e.Changes,
		}
	}
	return out
}

// deletedJSON answers a delete.
type deletedJSON struct {
	Deleted bool `json:"deleted"`
}

// deref is an optional text, empty for none.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// flag is a yes/no as the legacy rows wrote it: "1" or "0".
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// pageJSON is a list's paging, after its rows in every paged envelope.
type pageJSON struct {
	Count   int64 `json:"count"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func pageOf(total int64, page, perPage int) pageJSON {
	return pageJSON{Count: total, Page: page, PerPage: perPage}
}
