package leadimport

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/store"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LeadRow is a row of an imported lead file (ad platforms, events): the
// fields bound from it by the registration's rules, the dictionary entries
// it names, and the problems found so far.
type LeadRow struct {
	Line     int // in the file, the header being line 1
	Patient  patient.Patient
	Names    map[string]string // "media_from_id", "disease_id", "doctor_id" → the entry's name
	Problems []LeadProblem
}

// LeadProblem is why a row cannot be imported: a field and the answer a
// request with that value would get, or a duplicate.
type LeadProblem struct {
	Field   string
	Code    int
	Message string
}

// Problem codes of duplicates, beside the stateCodes of bad values.
const (
	ProblemDuplicate       = "duplicate"         // shares a phone, WeChat or QQ with a patient of the pool
	ProblemDuplicateInFile = "duplicate_in_file" // with an earlier row of the file
)

// MaxLeadRows bounds a file: one transaction writes them all.
const MaxLeadRows = 20_000

// LeadImport is an upload to check (Commit false) or to import.
type LeadImport struct {
	Rows            []LeadRow
	Commit          bool
	SkipBad         bool // import the good rows; else nothing unless every row is good
	AllowDuplicates bool // duplicates are imported too (they stay listed)
	AuthorID        *uint64
	Format          string
	Filename        string
}

// LeadReport is what became of an upload.
type LeadReport struct {
	Rows       int
	Valid      int
	Problems   int // rows with problems
	Duplicates int // rows that duplicate a patient or an earlier row
	Imported   int
	Committed  bool
	Report     []LeadRowReport // the rows with problems or duplicates, in file order
}

type LeadRowReport struct {
	Line          int
	Name          string
	Problems      []LeadProblem
	DuplicateOf   []uint64 // the pool's patients it shares a contact with, those the viewer sees
	DuplicateLine int      // the earlier row of the file it duplicates (0: none)
}

// ErrLeadProblems: an all-or-nothing import of a file with problems.
var ErrLeadProblems = apierr.Invalid("file")

// ImportLeads checks the rows of a lead file (the dictionaries by name,
// duplicates in the pool and in the file) and, to commit, registers the
// importable ones in one transaction as untreated patients of the caller
// (or of AuthorID, with patient.register_for_others), each with its
// creation in history, and one operation-log entry for the file.
func ImportLeads(ctx context.Context, db *gorm.DB, v access.Viewer, in LeadImport, now time.Time) (LeadReport, error) {
	report := LeadReport{Rows: len(in.Rows)}
	if !v.Can(access.PermPatientImport) {
		return report, apierr.ErrForbidden
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		author := patient.Patient{AuthorID: v.UserID}
		if err := patient.AssignAuthor(tx, v, &author, in.AuthorID); err != nil {
			return err
		}
		names, err := dictionaryNames(tx)
		if err != nil {
			return err
		}
		rows := in.Rows
		for i := range rows {
			rows[i].Patient.AuthorID = author.AuthorID
			rows[i].Patient.SetTel(rows[i].Patient.Tel)
			names.resolve(&rows[i])
		}
		dups, err := leadDuplicates(tx, v, rows)
		if err != nil {
			return err
		}
		var accepted []patient.Patient
		for i, row := range rows {
			d := dups[i]
			duplicate := len(d.of) > 0 || d.hidden || d.line > 0
			if len(row.Problems) > 0 || duplicate {
				r := LeadRowReport{Line: row.Line, Name: row.Patient.Name, Problems: row.Problems, DuplicateOf: d.of, DuplicateLine: d.line}
				if duplicate {
					report.Duplicates++
					if !in.AllowDuplicates {
						r.Problems = append(r.Problems, d.problem())
					}
				}
				report.Report = append(report.Report, r)
				if len(r.Problems) > 0 {
					report.Problems++
					continue
				}
			}
			report.Valid++
			accepted = append(accepted, row.Patient)
		}
		if !in.Commit {
			return nil
		}
		if report.Problems > 0 && !in.SkipBad {
			return ErrLeadProblems
		}
		if err := patient.InsertPatients(tx, accepted); err != nil {
			return err
		}
		history := make([]patient.PatientHistoryEntry, len(accepted))
		for i, p := range accepted {
			if history[i], err = patient.NewHistoryEntry(v, p.ID, patient.ActionCreate, patient.CreationChanges(p), now); err != nil {
				return err
			}
		}
		if err := store.CreateInBatches(tx, history, patient.ImportInsertRows); err != nil {
			return err
		}
		report.Imported, report.Committed = len(accepted), true
		return oplog.RecordOp(tx, v, oplog.OpPatientImport, oplog.TargetPatient, 0, map[string]any{"format": in.Format, "filename": in.Filename,
			"rows": report.Rows, "imported": report.Imported, "skipped": report.Rows - report.Imported}, now)
	})
	return report, err
}

// dictionaryNames maps the enabled entries' names to their ids.
type dictionaryNameMaps map[string]map[string]uint64

func dictionaryNames(tx *gorm.DB) (dictionaryNameMaps, error) {
	var rows []struct {
		Kind string
		ID   uint64
		Name string
	}
	err := tx.Raw("SELECT 'disease_id' AS kind, id, name FROM diseases WHERE enabled = ? "+
		"UNION ALL SELECT 'media_from_id', id, name FROM media_channels WHERE enabled = ? "+
		"UNION ALL SELECT 'doctor_id', id, name FROM doctors WHERE enabled = ?", true, true, true).Scan(&rows).Error
	out := dictionaryNameMaps{"disease_id": {}, "media_from_id": {}, "doctor_id": {}}
	for _, r := range rows {
		out[r.Kind][strings.TrimSpace(r.Name)] = r.ID
	}
	return out, err
}

func (d dictionaryNameMaps) resolve(row *LeadRow) {
	for field, name := range row.Names {
		id, ok := d[field][name]
		if !ok {
			row.Problems = append(row.Problems, LeadProblem{Field: field, Code: apierr.CodeInvalidParam, Message: "未知或已停用: " + name})
			continue
		}
		switch field {
		case "disease_id":
			row.Patient.DiseaseID = &id
		case "media_from_id":
			row.Patient.MediaFromID = &id
		case "doctor_id":
			row.Patient.DoctorID = &id
		}
	}
}

type leadDuplicate struct {
	of     []uint64
	hidden bool // shares a contact with patients the viewer does not see
	line   int
}

func (d leadDuplicate) problem() LeadProblem {
	if d.line > 0 {
		return LeadProblem{Field: ProblemDuplicateInFile, Code: apierr.CodeConflict, Message: "与文件中前面的行重复"}
	}
	return LeadProblem{Field: ProblemDuplicate, Code: apierr.CodeConflict, Message: "与已有患者重复"}
}

// leadDuplicates finds, for each row, the pool's patients it shares a
// contact with (by chunks of the file: a few queries for thousands of
// rows), and the earlier row of the file it repeats.
func leadDuplicates(tx *gorm.DB, v access.Viewer, rows []LeadRow) ([]leadDuplicate, error) {
	out := make([]leadDuplicate, len(rows))
	const chunk = 1000
	for start := 0; start < len(rows); start += chunk {
		batch := make([]patient.Patient, 0, chunk)
		for _, row := range rows[start:min(start+chunk, len(rows))] {
			batch = append(batch, row.Patient)
		}
		existing, err := patient.SameContacts(tx, batch)
		if err != nil {
			return nil, err
		}
		for i, p := range batch {
			for _, c := range existing {
				if !c.Shares(p) {
					continue
				}
				if v.PatientScope() == access.ScopeAll || c.AuthorID == v.UserID {
					out[start+i].of = append(out[start+i].of, c.ID)
				} else {
					out[start+i].hidden = true
				}
			}
			slices.Sort(out[start+i].of)
			out[start+i].of = slices.Compact(out[start+i].of)
		}
	}
	seen := map[string]int{}
	for i, row := range rows {
		p := row.Patient
		keys := []string{}
		if p.TelRev != "" {
			keys = append(keys, "t"+p.TelRev)
		}
		if p.Wechat != nil {
			keys = append(keys, "w"+strings.ToLower(*p.Wechat))
		}
		if p.QQ != nil {
			keys = append(keys, "q"+*p.QQ)
		}
		for _, k := range keys {
			if line, ok := seen[k]; ok && out[i].line == 0 {
				out[i].line = line
			}
		}
		for _, k := range keys {
			if _, ok := seen[k]; !ok {
				seen[k] = row.Line
			}
		}
	}
	return out, nil
}
