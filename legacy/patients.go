package legacy

import (
	"context"
	"crm/models/appointment"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"crm/models/patient"
)

// oldPatient is a row of the old patient table, text as raw bytes.
type oldPatient struct {
	id                                        int64
	name, tel, wechat, addTime, orderTime     []byte
	reachTime, advisoryContent, area, remarks []byte
	sex, age, qq, disease, author, state      sql.NullInt64
	media, doctor, advisoryWay                sql.NullInt64
}

// importPatients copies the patients in id order, batchSize at a time,
// each batch committed with its legacy_imports rows.
func (im *importer) importPatients(ctx context.Context, db *gorm.DB) error {
	t := im.report.table("patient")
	var after int64
	for {
		batch, err := im.readPatients(ctx, after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return im.importRenumbered(db)
		}
		after = batch[len(batch)-1].id
		if err := db.Transaction(func(tx *gorm.DB) error { return im.importBatch(tx, t, batch) }); err != nil {
			return err
		}
	}
}

// importBatch looks up in two queries which of the batch's patients were
// imported before and whose old ids are taken here, then writes the rest.
func (im *importer) importBatch(tx *gorm.DB, t *TableReport, batch []oldPatient) error {
	oldIDs := make([]int64, len(batch))
	for i, old := range batch {
		oldIDs[i] = old.id
	}
	done, err := importedSet(tx, "patient", oldIDs)
	if err != nil {
		return err
	}
	taken, err := takenPatientIDs(tx, oldIDs)
	if err != nil {
		return err
	}
	var keptOld []int64
	var kept []patient.Patient
	for _, old := range batch {
		t.Read++
		if done[old.id] {
			t.skip("already imported")
			continue
		}
		p, ok := im.convert(t, old)
		if !ok {
			continue
		}
		if taken[old.id] {
			// Numbered after every old id is in: numbering it now could
			// take an old id still to come.
			p.ID = 0
			im.renumbered = append(im.renumbered, renumbered{old.id, p})
			continue
		}
		keptOld, kept = append(keptOld, old.id), append(kept, p)
	}
	return im.write(tx, t, keptOld, kept)
}

// takenPatientIDs are those of ids already used by a patient here, in the
// recycle bin too.
func takenPatientIDs(tx *gorm.DB, ids []int64) (map[int64]bool, error) {
	var found []int64
	if err := tx.Unscoped().Model(&patient.Patient{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(found))
	for _, id := range found {
		set[id] = true
	}
	return set, nil
}

func (im *importer) readPatients(ctx context.Context, after int64) ([]oldPatient, error) {
	rows, err := im.src.QueryContext(ctx, "SELECT id, CAST(name AS BINARY), sex, CAST(tel AS BINARY), age, "+
		"CAST(wechat AS BINARY), qq, CAST(addTime AS BINARY), CAST(orderTime AS BINARY), CAST(reachTime AS BINARY), "+
		"diseaseId, authorId, state, mediaFromId, doctorId, advisoryWay, CAST(advisoryContent AS BINARY), "+
		"CAST(area AS BINARY), CAST(remarks AS BINARY) FROM patient WHERE id > ? ORDER BY id LIMIT ?", after, batchSize)
	if err != nil {
		return nil, fmt.Errorf("read patient: %w", err)
	}
	defer rows.Close()
	var batch []oldPatient
	for rows.Next() {
		var p oldPatient
		err := rows.Scan(&p.id, &p.name, &p.sex, &p.tel, &p.age, &p.wechat, &p.qq, &p.addTime, &p.orderTime,
			&p.reachTime, &p.disease, &p.author, &p.state, &p.media, &p.doctor, &p.advisoryWay, &p.advisoryContent,
			&p.area, &p.remarks)
		if err != nil {
			return nil, err
		}
		batch = append(batch, p)
	}
	return batch, rows.Err()
}

// convert makes a patient of an old row, keeping its id (printed records
// still match). Broken values are repaired where the patient stays
// meaningful and counted; a patient without a name, a registration time or
// a valid state is skipped (ok false).
func (im *importer) convert(t *TableReport, old oldPatient) (p patient.Patient, ok bool) {
	name, cut := truncate(strings.TrimSpace(decodeText(old.name)), 30)
	if name == "" {
		t.skip("no name")
		return p, false
	}
	if cut {
		t.note("name cut to 30 characters")
	}
	added, ok := unixTime(old.addTime)
	if !ok || added == nil {
		t.skip("no readable addTime")
		return p, false
	}
	if !old.state.Valid || old.state.Int64 < 0 || old.state.Int64 > 3 {
		t.skip("state not 0-3")
		return p, false
	}
	p = patient.Patient{ID: uint64(old.id), Name: name, AddTime: *added, State: int8(old.state.Int64),
		CreatedAt: time.Unix(*added, 0), UpdatedAt: im.now()}
	if old.sex.Valid && old.sex.Int64 == 1 {
		p.Sex = 1
	} else if old.sex.Valid && old.sex.Int64 != 0 {
		t.note("sex not 0/1: set to 0")
	}
	if old.age.Valid && old.age.Int64 >= 0 && old.age.Int64 <= 150 {
		age := int16(old.age.Int64)
		p.Age = &age
	} else if old.age.Valid {
		t.note("age out of 0-150: cleared")
	}
	for _, f := range []struct {
		dst  **int64
		raw  []byte
		what string
	}{{&p.OrderTime, old.orderTime, "orderTime"}, {&p.ReachTime, old.reachTime, "reachTime"}} {
		at, ok := unixTime(f.raw)
		if !ok {
			t.note("unreadable " + f.what + ": cleared")
		}
		*f.dst = at
	}
	p.Tel = im.bounded(t, old.tel, 20, "tel")
	p.Wechat = im.bounded(t, old.wechat, 64, "wechat")
	p.Area = im.bounded(t, old.area, 64, "area")
	p.AdvisoryContent = im.bounded(t, old.advisoryContent, 5000, "advisoryContent")
	p.Remarks = im.bounded(t, old.remarks, 2000, "remarks")
	if old.qq.Valid && old.qq.Int64 > 0 {
		qq := strconv.FormatInt(old.qq.Int64, 10)
		p.QQ = &qq
	}
	p.DiseaseID = ref(t, old.disease, im.diseases, "disease")
	p.MediaFromID = ref(t, old.media, im.media, "media")
	p.DoctorID = ref(t, old.doctor, im.doctors, "doctor")
	if old.advisoryWay.Valid && old.advisoryWay.Int64 != 0 {
		way := im.ways[old.advisoryWay.Int64]
		p.AdvisoryWay = &way
	}
	p.AuthorID = im.orphan.ID
	switch author, found := im.users[old.author.Int64]; {
	case !old.author.Valid || old.author.Int64 == 0:
		t.note("no author: given to " + im.orphan.Username)
	case !found:
		t.note("author no longer exists: given to " + im.orphan.Username)
	default:
		p.AuthorID = author
	}
	return p, true
}

type renumbered struct {
	oldID   int64
	patient patient.Patient
}

// write inserts a batch's patients with their histories and import
// records, all stamped with one time.
func (im *importer) write(tx *gorm.DB, t *TableReport, oldIDs []int64, patients []patient.Patient) error {
	now := im.now()
	if err := patient.ImportPatients(tx, patients, Actor, now); err != nil {
		return err
	}
	t.Imported += len(patients)
	if err := appointment.ImportBooked(tx, patients, Actor, now); err != nil {
		return err
	}
	return rememberPatients(tx, oldIDs, patients, now)
}

// importRenumbered writes the patients whose old id is taken here (a
// merge), after all the others, so their new ids follow the old ones.
func (im *importer) importRenumbered(db *gorm.DB) error {
	t := im.report.table("patient")
	return db.Transaction(func(tx *gorm.DB) error {
		// One at a time: their ids come from AUTO_INCREMENT, and a
		// multi-row INSERT would rely on the driver guessing them.
		for _, r := range im.renumbered {
			t.note("id already used here: imported under a new id")
			if err := im.write(tx, t, []int64{r.oldID}, []patient.Patient{r.patient}); err != nil {
				return fmt.Errorf("patient %d: %w", r.oldID, err)
			}
		}
		return nil
	})
}

// unixTime reads the old unix-second strings: nil for NULL, blank or 0;
// ok false for anything unreadable.
func unixTime(raw []byte) (*int64, bool) {
	s := strings.TrimSpace(string(raw))
	if raw == nil || s == "" || s == "0" {
		return nil, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 253402300799 {
		return nil, false
	}
	return &n, true
}

func (im *importer) bounded(t *TableReport, raw []byte, runes int, what string) *string {
	s := optionalText(raw)
	if s == nil {
		return nil
	}
	cut, was := truncate(*s, runes)
	if was {
		t.note(what + " cut to fit")
	}
	return &cut
}

// ref maps an old dictionary id; 0 or NULL is none, an id whose row is gone
// becomes none too, counted.
func ref(t *TableReport, old sql.NullInt64, ids map[int64]uint64, what string) *uint64 {
	if !old.Valid || old.Int64 == 0 {
		return nil
	}
	id, found := ids[old.Int64]
	if !found {
		t.note("dangling " + what + " id: cleared")
		return nil
	}
	return &id
}
