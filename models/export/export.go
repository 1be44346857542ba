package export

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/dict"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/staff"
	"time"

	"gorm.io/gorm"
)

// ExportPatients streams the patients the viewer may see, filtered and
// ordered as the list would, to each; a row at a time from a database
// cursor, so memory stays flat however many there are.
func ExportPatients(ctx context.Context, db *gorm.DB, v access.Viewer, f patient.PatientFilter, page patient.PatientPage, each func(patient.ExportRecord) error) error {
	db = db.WithContext(ctx)
	if f.Deleted {
		return ErrExportBin
	}
	names, err := loadExportNames(db)
	if err != nil {
		return err
	}
	if page.Sort == "" {
		page.Sort = patient.DefaultPatientSort
	}
	rows, err := patient.VisiblePatients(db, v, f).
		Clauses(patient.ListedSelect).
		Order(page.Sort.OrderBy(page.Desc)).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r patient.ExportRecord
		p := &r.Patient
		if err := rows.Scan(patient.ListedTargets(p)...); err != nil {
			return err
		}
		r.Tel = p.TelFor(v)
		r.DiseaseName = names.diseases[patient.Ref(p.DiseaseID)]
		r.DoctorName = names.doctors[patient.Ref(p.DoctorID)]
		r.MediaName = names.media[patient.Ref(p.MediaFromID)]
		r.AuthorName = names.users[p.AuthorID]
		if int(p.State) < len(patient.StateNames) {
			r.StateName = patient.StateNames[p.State]
		}
		if err := each(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ErrExportBin: the recycle bin is not exported.
var ErrExportBin = apierr.Invalid("deleted")

type exportNames struct {
	diseases, doctors, media, users map[uint64]string
}

func loadExportNames(db *gorm.DB) (exportNames, error) {
	n := exportNames{}
	for model, dest := range map[any]*map[uint64]string{&dict.Disease{}: &n.diseases, &dict.Doctor{}: &n.doctors, &dict.MediaChannel{}: &n.media} {
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
	var users []staff.User
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
	Filter   patient.PatientFilter
	Page     patient.PatientPage
	Rows     int
	Complete bool // false: broken off after some rows went out
}

// RecordExport logs an export that sent rows (or began to).
func RecordExport(ctx context.Context, db *gorm.DB, v access.Viewer, a ExportAudit, now time.Time) error {
	order := "asc"
	if a.Page.Desc {
		order = "desc"
	}
	sort := a.Page.Sort
	if sort == "" {
		sort = patient.DefaultPatientSort
	}
	summary := map[string]any{"format": a.Format, "rows": a.Rows, "complete": a.Complete,
		"filter": a.Filter.Summary(), "sort_by": string(sort), "order": order}
	return oplog.RecordOp(db.WithContext(ctx), v, oplog.OpPatientExport, oplog.TargetPatient, 0, summary, now)
}
