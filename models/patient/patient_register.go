package patient

import (
	"cmp"
	"context"
	"crm/models/access"
	"crm/models/idempotency"
	"crm/models/oplog"
	"crm/models/store"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Registrar registers patients. Registrations that arrive while others are
// being written are written together, in one transaction, with one
// statement per table (a group commit): under load the round trips, the
// statements and the commit of a registration are shared by the batch,
// while a registration that arrives alone is written at once, alone. Each
// registration keeps its own checks and answer; one refused does not hold
// up the others.
type Registrar struct {
	db      *gorm.DB
	timeout time.Duration
	// Booked, when set, is called in the batch's transaction for each
	// registration that is a booking (state 1 with an order time): the
	// appointment book's row is written with the patient, or neither.
	Booked func(ctx context.Context, tx *gorm.DB, v access.Viewer, p Patient, now time.Time) error

	mu      sync.Mutex
	queue   []*registration
	writers int // goroutines writing batches; they end when the queue is empty
}

// Bounds of the batching: the registrations written in one transaction,
// and the transactions writing at once (two measured best at a million
// patients: more contend for the same index pages).
const (
	maxRegistrationBatch   = 64
	maxRegistrationWriters = 2
)

// NewRegistrar writes registrations to db; timeout bounds a batch's
// transaction, which is written for several requests, so no one request's
// context is its own.
func NewRegistrar(db *gorm.DB, timeout time.Duration) *Registrar {
	return &Registrar{db: db, timeout: timeout}
}

// registration is one request and, once done is closed, its outcome.
type registration struct {
	ctx      context.Context // the request's: once it is done, nothing is written
	v        access.Viewer
	in       Patient // its writable fields
	authorID *uint64
	now      time.Time

	patient    Patient
	duplicates []uint64
	err        error
	done       chan struct{}
}

// Register registers a patient authored by the viewer (or, with
// patient.register_for_others, by authorID) and reports the existing
// patients sharing its phone number, WeChat or QQ. A duplicate does not
// block registration: the consultant decides. Duplicates are looked up
// across the whole pool (only their ids are returned), since "someone
// already registered this person" is exactly what must be seen.
func (r *Registrar) Register(ctx context.Context, v access.Viewer, in Patient, authorID *uint64, now time.Time) (Patient, []uint64, error) {
	reg := &registration{ctx: ctx, v: v, in: in, authorID: authorID, now: now, done: make(chan struct{})}
	r.mu.Lock()
	r.queue = append(r.queue, reg)
	if r.writers < maxRegistrationWriters {
		r.writers++
		go r.write(context.WithoutCancel(ctx))
	}
	r.mu.Unlock()
	select {
	case <-reg.done:
		return reg.patient, reg.duplicates, reg.err
	case <-ctx.Done():
		// Past the request's deadline the answer is 50002; a batch already
		// under way may still commit the row (a retry with the same
		// Idempotency-Key finds it), one still queued will not.
		return Patient{}, nil, ctx.Err()
	}
}

// write writes the waiting registrations, a batch at a time, until none
// is left.
func (r *Registrar) write(ctx context.Context) {
	for {
		r.mu.Lock()
		n := min(len(r.queue), maxRegistrationBatch)
		if n == 0 {
			r.writers--
			r.mu.Unlock()
			return
		}
		batch := slices.DeleteFunc(slices.Clone(r.queue[:n]), abandoned)
		r.queue = slices.Delete(r.queue, 0, n)
		r.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		batchCtx, cancel := context.WithTimeout(ctx, r.timeout)
		writeRegistrations(batchCtx, r.db, batch, r.Booked)
		cancel()
	}
}

// abandoned reports (and answers) a registration whose request has given
// up waiting: it is not written.
func abandoned(reg *registration) bool {
	if err := reg.ctx.Err(); err != nil {
		reg.err = err
		close(reg.done)
		return true
	}
	return false
}

// writeRegistrations writes a batch in one transaction. If the transaction
// fails for a reason other than the database being unreachable, each
// registration is written again on its own, so that one bad row cannot
// fail the others.
func writeRegistrations(ctx context.Context, db *gorm.DB, batch []*registration, booked bookedFunc) {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return writeRegistrationBatch(tx, batch, booked) })
	if err != nil && len(batch) > 1 && !store.IsUnavailable(err) {
		for _, reg := range batch {
			writeRegistrations(ctx, db, []*registration{reg}, booked)
		}
		return
	}
	for _, reg := range batch {
		if err != nil {
			reg.err, reg.patient, reg.duplicates = err, Patient{}, nil
		}
		close(reg.done)
	}
}

// writeRegistrationBatch checks every registration (a refused one gets its
// answer and is left out), then writes the rest, a statement per table.
type bookedFunc = func(ctx context.Context, tx *gorm.DB, v access.Viewer, p Patient, now time.Time) error

func writeRegistrationBatch(tx *gorm.DB, batch []*registration, booked bookedFunc) error {
	seal, err := WriteSeal(tx)
	if err != nil {
		return err
	}
	dictionaries, err := loadReferenceStates(tx)
	if err != nil {
		return err
	}
	var accepted []*registration
	for _, reg := range batch {
		reg.err = nil
		reg.patient = Patient{AuthorID: reg.v.UserID}
		reg.patient.apply(&reg.in, AllPatientFields)
		if reg.err = checkRegistration(tx, reg, dictionaries); reg.err == nil {
			accepted = append(accepted, reg)
		}
	}
	if len(accepted) == 0 {
		return nil
	}
	candidates := make([]Patient, len(accepted))
	for i, reg := range accepted {
		candidates[i] = reg.patient
	}
	existing, err := SameContacts(tx, candidates)
	if err != nil {
		return err
	}
	patients := make([]Patient, len(accepted))
	for i, reg := range accepted {
		patients[i] = reg.patient
	}
	if err := store.CreateInBatches(tx.Omit("DeletedAt"), patients, ImportInsertRows); err != nil {
		return err
	}
	history := make([]PatientHistoryEntry, len(accepted))
	ops := make([]oplog.OpLogEntry, len(accepted))
	for i, reg := range accepted {
		reg.patient = patients[i]
		p := reg.patient
		if history[i], err = NewHistoryEntry(reg.v, p.ID, ActionCreate, CreationChanges(p), reg.now); err != nil {
			return err
		}
		ops[i] = oplog.ViewerOp(reg.v, oplog.OpPatientCreate, oplog.TargetPatient, p.ID, map[string]any{"name": p.Name}).Entry(reg.now)
		reg.duplicates = duplicatesAmong(p, existing, patients[:i])
		if err := idempotency.MarkIdempotencyCommitted(tx, reg.ctx, p.ID); err != nil {
			return err
		}
	}
	if err := store.CreateInBatches(tx, history, ImportInsertRows); err != nil {
		return err
	}
	if err := store.CreateInBatches(tx, ops, ImportInsertRows); err != nil {
		return err
	}
	if booked != nil {
		for _, reg := range accepted {
			if reg.patient.State == StateWaiting && reg.patient.OrderTime != nil {
				if err := booked(reg.ctx, tx, reg.v, reg.patient, reg.now); err != nil {
					return err
				}
			}
		}
	}
	return syncDerivedBatch(tx, seal, patients)
}

// checkRegistration applies a registration's rules in the order a single
// one has always been checked: the author, the workflow, the dictionaries.
func checkRegistration(tx *gorm.DB, reg *registration, dictionaries referenceStates) error {
	if err := AssignAuthor(tx, reg.v, &reg.patient, reg.authorID); err != nil {
		return err
	}
	if err := ApplyStateRules(reg.v, Patient{State: StateUntreated}, &reg.patient, reg.now); err != nil {
		return err
	}
	return dictionaries.of(reg.patient).check(Patient{}, reg.patient)
}

// referenceStates are every dictionary entry's enabled flag, read once for
// a batch: the dictionaries are a few dozen rows.
type referenceStates struct {
	diseases, media, doctors map[uint64]bool
	disabledWays             map[string]bool
}

func loadReferenceStates(tx *gorm.DB) (referenceStates, error) {
	var rows []struct {
		Kind    string
		ID      uint64
		Name    string
		Enabled bool
	}
	err := tx.Raw("SELECT 'disease' AS kind, id, '' AS name, enabled FROM diseases " +
		"UNION ALL SELECT 'media', id, '', enabled FROM media_channels " +
		"UNION ALL SELECT 'doctor', id, '', enabled FROM doctors " +
		"UNION ALL SELECT 'way', 0, name, enabled FROM advisory_ways WHERE enabled = false").Scan(&rows).Error
	if err != nil {
		return referenceStates{}, err
	}
	s := referenceStates{diseases: map[uint64]bool{}, media: map[uint64]bool{}, doctors: map[uint64]bool{}, disabledWays: map[string]bool{}}
	for _, row := range rows {
		switch row.Kind {
		case "disease":
			s.diseases[row.ID] = row.Enabled
		case "media":
			s.media[row.ID] = row.Enabled
		case "doctor":
			s.doctors[row.ID] = row.Enabled
		case "way":
			s.disabledWays[row.Name] = true
		}
	}
	return s, nil
}

// of is what the snapshot says about p's entries.
func (s referenceStates) of(p Patient) references {
	lookup := func(m map[uint64]bool, id *uint64) *bool {
		if id == nil {
			return nil
		}
		enabled, found := m[*id]
		if !found {
			return nil
		}
		return &enabled
	}
	r := references{Disease: lookup(s.diseases, p.DiseaseID), Media: lookup(s.media, p.MediaFromID), Doctor: lookup(s.doctors, p.DoctorID)}
	if p.AdvisoryWay != nil {
		// Names compare as the column's collation does: case aside.
		for name := range s.disabledWays {
			if strings.EqualFold(name, *p.AdvisoryWay) {
				r.DisabledWay = true
			}
		}
	}
	return r
}

// contact is what duplicates are found by, and whose patient it is.
type contact struct {
	ID       uint64
	TelRev   string
	Wechat   *string
	QQ       *string
	AuthorID uint64
}

func (c contact) Shares(p Patient) bool {
	return p.TelRev != "" && c.TelRev == p.TelRev ||
		p.Wechat != nil && c.Wechat != nil && strings.EqualFold(*c.Wechat, *p.Wechat) ||
		p.QQ != nil && c.QQ != nil && *c.QQ == *p.QQ
}

// sameContacts reads, in one query, the patients of the pool sharing a
// phone number, WeChat id or QQ number with any of batch.
func SameContacts(tx *gorm.DB, batch []Patient) ([]contact, error) {
	var tels, wechats, qqs []string
	for _, p := range batch {
		if p.TelRev != "" {
			tels = append(tels, p.TelRev)
		}
		if p.Wechat != nil {
			wechats = append(wechats, *p.Wechat)
		}
		if p.QQ != nil {
			qqs = append(qqs, *p.QQ)
		}
	}
	fresh := func() *gorm.DB {
		return tx.Session(&gorm.Session{NewDB: true}).Table("patients").Select("id", "tel_rev", "wechat", "qq", "author_id").
			Where(clause.Eq{Column: "deleted_at", Value: nil})
	}
	var branches []*gorm.DB
	if len(tels) > 0 {
		branches = append(branches, fresh().Where(clause.IN{Column: "tel_rev", Values: store.ToAny(tels)}))
	}
	if len(wechats) > 0 {
		in := clause.Expression(clause.IN{Column: "wechat", Values: store.ToAny(wechats)})
		if tx.Dialector.Name() == "sqlite" {
			in = clause.Expr{SQL: "wechat COLLATE NOCASE IN ?", Vars: []any{wechats}}
		}
		branches = append(branches, fresh().Where(in))
	}
	if len(qqs) > 0 {
		branches = append(branches, fresh().Where(clause.IN{Column: "qq", Values: store.ToAny(qqs)}))
	}
	if len(branches) == 0 {
		return nil, nil
	}
	all := branches[0]
	for _, next := range branches[1:] {
		all = tx.Session(&gorm.Session{NewDB: true}).Raw("SELECT * FROM (?) u1 UNION SELECT * FROM (?) u2", all, next)
	}
	var found []contact
	err := all.Scan(&found).Error
	return found, err
}

// duplicatesAmong lists the ids of the patients sharing a contact with p:
// those already in the pool, and those of its batch written before it.
func duplicatesAmong(p Patient, existing []contact, earlier []Patient) []uint64 {
	var ids []uint64
	for _, c := range existing {
		if c.Shares(p) {
			ids = append(ids, c.ID)
		}
	}
	for _, e := range earlier {
		if (contact{ID: e.ID, TelRev: e.TelRev, Wechat: e.Wechat, QQ: e.QQ}).Shares(p) {
			ids = append(ids, e.ID)
		}
	}
	slices.SortFunc(ids, cmp.Compare)
	ids = slices.Compact(ids)
	return ids[:min(len(ids), maxDuplicates)]
}
