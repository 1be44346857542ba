package models

import (
	"context"
	"time"

	"gorm.io/gorm"

	"crm/apierr"
	"crm/internal/searchkey"
)

// ExportRecord is a patient with the names its ids stand for, and its phone
// number as the viewer may see it.
type ExportRecord struct {
	Patient
	Tel         *string // masked like the list
	DiseaseName string
	DoctorName  string
	MediaName   string
	AuthorName  string
	StateName   string
}

// ExportPatients streams the patients the viewer may see, filtered and
// ordered as the list would, to each; a row at a time from a database
// cursor, so memory stays flat however many there are.
func ExportPatients(ctx context.Context, db *gorm.DB, v Viewer, f PatientFilter, page PatientPage, each func(ExportRecord) error) error {
	db = db.WithContext(ctx)
	if f.Deleted {
		return ErrExportBin
	}
	names, err := loadExportNames(db)
	if err != nil {
		return err
	}
	if page.Sort == "" {
		page.Sort = DefaultPatientSort
	}
	rows, err := visiblePatients(db, v, f).
		Clauses(listedSelect).
		Order(page.Sort.orderBy(page.Desc)).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r ExportRecord
		p := &r.Patient
		if err := rows.Scan(listedTargets(p)...); err != nil {
			return err
		}
		r.Tel = p.TelFor(v)
		r.DiseaseName = names.diseases[ref(p.DiseaseID)]
		r.DoctorName = names.doctors[ref(p.DoctorID)]
		r.MediaName = names.media[ref(p.MediaFromID)]
		r.AuthorName = names.users[p.AuthorID]
		if int(p.State) < len(stateNames) {
			r.StateName = stateNames[p.State]
		}
		if err := each(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ErrExportBin: the recycle bin is not exported.
var ErrExportBin = apierr.Invalid("deleted")

func ref(id *uint64) uint64 {
	if id == nil {
		return 0
	}
	return *id
}

type exportNames struct {
	diseases, doctors, media, users map[uint64]string
}

func loadExportNames(db *gorm.DB) (exportNames, error) {
	n := exportNames{}
	for model, dest := range map[any]*map[uint64]string{&Disease{}: &n.diseases, &Doctor{}: &n.doctors, &MediaChannel{}: &n.media} {
		var rows []struct {
			ID   uint64
			Name string
		}
		if err := db.Model(model).Select("id", "name").Scan(&rows).Error; err != nil {
			return n, err
		}
		*dest = make(map[uint64]string, len(rows))
		for _, r := range rows {
			(*dest)[r.ID] = r.Name
		}
	}
	var users []User
	if err := db.Select("id", "username", "display_name").Find(&users).Error; err != nil {
		return n, err
	}
	n.users = make(map[uint64]string, len(users))
	for _, u := range users {
		n.users[u.ID] = u.Shown()
	}
	return n, nil
}

// ExportAudit is what the operation log keeps of an export: personal data
// leaving the system leaves a trace of who took which patients.
type ExportAudit struct {
	Format   string
	Filter   PatientFilter
	Page     PatientPage
	Rows     int
	Complete bool // false: broken off after some rows went out
}

// RecordExport logs an export that sent rows (or began to).
func RecordExport(ctx context.Context, db *gorm.DB, v Viewer, a ExportAudit, now time.Time) error {
	order := "asc"
	if a.Page.Desc {
		order = "desc"
	}
	sort := a.Page.Sort
	if sort == "" {
		sort = DefaultPatientSort
	}
	summary := map[string]any{"format": a.Format, "rows": a.Rows, "complete": a.Complete,
		"filter": a.Filter.summary(), "sort_by": string(sort), "order": order}
	return recordOp(db.WithContext(ctx), v, OpPatientExport, TargetPatient, 0, summary, now)
}

// summary is f as the parameters that set it; a search that is a number is
// masked as phone numbers are in the log.
func (f PatientFilter) summary() map[string]any {
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
			q = MaskPhone(searchkey.Digits(q))
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
