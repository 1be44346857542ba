// Package legacy imports the old PHP backend's MySQL database: its users
// (passwords included), dictionaries, patients and, on request, menus.
package legacy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crm/auth"
	"crm/models/access"
	"crm/models/dict"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/staff"
)

// Options of an import.
type Options struct {
	Merge        bool           // import into a database that already has patients of its own
	DryRun       bool           // do everything, then roll it back
	Menus        bool           // copy the old menus over the new ones
	AdvisoryWays map[int]string // names for the old numeric advisoryWay codes
	OrphanAuthor string         // the username that gets patients whose author is gone
	BcryptCost   int
	Now          func() time.Time
}

// Actor is how the import appears in histories and the operation log.
const Actor = "legacy-import"

// batchSize patients are written and committed at a time: an interrupted
// import resumes after the last whole batch.
const batchSize = 1000

var ErrNotEmpty = errors.New("the database already has patients of its own")

// errDryRun rolls the dry run's transaction back.
var errDryRun = errors.New("dry run")

// mapping is a row of legacy_imports: which new row an old one became.
type mapping struct {
	SourceTable string
	SourceID    string
	TargetID    uint64
	ImportedAt  time.Time
}

func (mapping) TableName() string { return "legacy_imports" }

type importer struct {
	src      *sql.DB
	opts     Options
	report   Report
	users    map[int64]uint64
	doctors  map[int64]uint64
	media    map[int64]uint64
	diseases map[int64]uint64
	ways     map[int64]string
	orphan   staff.User
	// renumbered patients wait for the end of the import (a merge only).
	renumbered []renumbered
}

// Import copies what the old database holds into ours. Dictionaries,
// users and menus go in one transaction; patients in batches, each
// committed with its record in legacy_imports, so running it twice imports
// nothing twice and an interrupted run resumes. A dry run does it all
// inside one transaction that is rolled back.
func Import(ctx context.Context, src *sql.DB, dst *gorm.DB, opts Options) (Report, error) {
	im := &importer{src: src, opts: opts, report: Report{DryRun: opts.DryRun},
		users: map[int64]uint64{}, doctors: map[int64]uint64{}, media: map[int64]uint64{},
		diseases: map[int64]uint64{}, ways: map[int64]string{}}
	dst = dst.WithContext(ctx)
	if !opts.DryRun {
		err := im.run(ctx, dst)
		return im.report, err
	}
	err := dst.Transaction(func(tx *gorm.DB) error {
		if err := im.run(ctx, tx); err != nil {
			return err
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return im.report, err
}

func (im *importer) run(ctx context.Context, db *gorm.DB) error {
	if err := im.checkTarget(db); err != nil {
		return err
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		steps := []func(context.Context, *gorm.DB) error{
			im.importUsers, im.importDoctors, im.importMedia, im.importDiseases, im.importAdvisoryWays, im.importMenus, im.countLog,
		}
		for _, step := range steps {
			if err := step(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := im.importPatients(ctx, db); err != nil {
		return err
	}
	return oplog.RecordSystemOp(db, Actor, oplog.OpLegacyImport, im.report.summary(), im.now())
}

func (im *importer) now() time.Time {
	if im.opts.Now != nil {
		return im.opts.Now()
	}
	return time.Now()
}

// checkTarget refuses a database with patients that did not come from an
// earlier import, unless merging; and finds who gets orphaned patients.
func (im *importer) checkTarget(db *gorm.DB) error {
	var own int64
	err := db.Raw("SELECT COUNT(*) FROM patients WHERE NOT EXISTS (SELECT 1 FROM legacy_imports li " +
		"WHERE li.source_table = 'patient' AND li.target_id = patients.id)").Scan(&own).Error
	if err != nil {
		return err
	}
	if own > 0 && !im.opts.Merge {
		return fmt.Errorf("%w (%d); give --merge to import into it anyway", ErrNotEmpty, own)
	}
	err = db.Joins("Role").Where("users.username = ?", im.opts.OrphanAuthor).Take(&im.orphan).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("no user %q to give patients whose author is missing (--orphan-author)", im.opts.OrphanAuthor)
	}
	return err
}

// mapped is the new id of an old row, if it was imported before.
func mapped(db *gorm.DB, table string, id int64) (uint64, bool, error) {
	var m mapping
	err := db.Where(clause.Eq{Column: "source_table", Value: table}).
		Where(clause.Eq{Column: "source_id", Value: strconv.FormatInt(id, 10)}).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, false, nil
	}
	return m.TargetID, err == nil, err
}

// importedSet is which of ids were imported before, in one query.
func importedSet(db *gorm.DB, table string, ids []int64) (map[int64]bool, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strconv.FormatInt(id, 10)
	}
	var found []string
	err := db.Model(&mapping{}).Where(clause.Eq{Column: "source_table", Value: table}).
		Where("source_id IN ?", keys).Pluck("source_id", &found).Error
	if err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(found))
	for _, key := range found {
		id, _ := strconv.ParseInt(key, 10, 64)
		set[id] = true
	}
	return set, nil
}

func (im *importer) remember(db *gorm.DB, table string, id int64, target uint64) error {
	return db.Create(&mapping{SourceTable: table, SourceID: strconv.FormatInt(id, 10), TargetID: target, ImportedAt: im.now()}).Error
}

// rememberPatients records that each old id became its patient.
func rememberPatients(db *gorm.DB, oldIDs []int64, patients []patient.Patient, now time.Time) error {
	if len(oldIDs) == 0 {
		return nil
	}
	rows := make([]mapping, len(oldIDs))
	for i, id := range oldIDs {
		rows[i] = mapping{SourceTable: "patient", SourceID: strconv.FormatInt(id, 10), TargetID: patients[i].ID, ImportedAt: now}
	}
	return db.CreateInBatches(rows, batchSize).Error
}

var md5Hex = regexp.MustCompile(`^[0-9a-f]{32}$`)

// importUsers: the old power 0/1/2 becomes consultant/manager/superadmin;
// the unsalted md5 is stored only wrapped in bcrypt, and replaced by a
// plain bcrypt at the user's first login. A username already taken here is
// the same person: its old patients go to that account.
func (im *importer) importUsers(ctx context.Context, tx *gorm.DB) error {
	t := im.report.table("admin")
	rows, err := im.src.QueryContext(ctx, "SELECT id, CAST(username AS BINARY), CAST(password AS BINARY), power FROM admin ORDER BY id")
	if err != nil {
		return fmt.Errorf("read admin: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, power int64
		var rawName, rawPassword []byte
		if err := rows.Scan(&id, &rawName, &rawPassword, &power); err != nil {
			return err
		}
		t.Read++
		if target, done, err := mapped(tx, "admin", id); err != nil || done {
			im.users[id] = target
			t.skip("already imported")
			if err != nil {
				return err
			}
			continue
		}
		username := strings.TrimSpace(decodeText(rawName))
		if !staff.ValidUsername(username) {
			t.skip("username not valid here (3-32 letters, digits, _ . -)")
			continue
		}
		var existing staff.User
		err := tx.Where("username = ?", username).Take(&existing).Error
		switch {
		case err == nil:
			im.users[id] = existing.ID
			t.link("username already here: its patients go to that account")
			if err := im.remember(tx, "admin", id, existing.ID); err != nil {
				return err
			}
			continue
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		role := map[int64]string{0: access.RoleConsultant, 1: access.RoleManager, 2: access.RoleSuperadmin}[power]
		if role == "" {
			role = access.RoleConsultant
			t.note("unknown power: imported as consultant")
		}
		scheme, enabled := staff.SchemeLegacyMD5, true
		secret := strings.ToLower(strings.TrimSpace(decodeText(rawPassword)))
		if !md5Hex.MatchString(secret) {
			scheme, enabled, secret = staff.SchemeBcrypt, false, rand.Text()
			t.note("password not an md5 hash: imported disabled, needs a reset")
		}
		hash, err := auth.HashPassword(secret, im.opts.BcryptCost)
		if err != nil {
			return err
		}
		u, err := staff.CreateUser(ctx, tx, staff.NewUser{Username: username, DisplayName: username,
			PasswordHash: hash, RoleKey: role})
		if err != nil {
			return fmt.Errorf("create user %s: %w", username, err)
		}
		err = tx.Model(&staff.User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"password_scheme": scheme, "enabled": enabled}).Error
		if err != nil {
			return err
		}
		im.users[id] = u.ID
		t.Imported++
		if err := im.remember(tx, "admin", id, u.ID); err != nil {
			return err
		}
	}
	return rows.Err()
}

// findOrCreate finds an entry of a dictionary by name, or creates it; the
// caller says which table. Matching by name lets the examples seeded here
// (or an earlier setup by hand) stand in for the old rows.
func findOrCreate[T any](tx *gorm.DB, name string, make func(order int) *T, id func(*T) uint64) (uint64, bool, error) {
	var found T
	err := tx.Where("name = ?", name).Take(&found).Error
	if err == nil {
		return id(&found), false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, false, err
	}
	var last *int
	if err := tx.Model(new(T)).Select("MAX(sort_order)").Scan(&last).Error; err != nil {
		return 0, false, err
	}
	order := 10
	if last != nil {
		order = *last + 10
	}
	row := make(order)
	if err := tx.Create(row).Error; err != nil {
		return 0, false, err
	}
	return id(row), true, nil
}

// importDict reads id and name (and one more text column) of an old
// dictionary and maps each row onto an entry here.
func (im *importer) importDict(ctx context.Context, tx *gorm.DB, table, query string, into map[int64]uint64,
	add func(name string, extra *string) (uint64, bool, error)) error {
	t := im.report.table(table)
	rows, err := im.src.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	type row struct {
		id          int64
		name, extra []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.extra); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	for _, r := range all {
		t.Read++
		if target, done, err := mapped(tx, table, r.id); err != nil || done {
			into[r.id] = target
			t.skip("already imported")
			if err != nil {
				return err
			}
			continue
		}
		name := strings.TrimSpace(decodeText(r.name))
		if name == "" {
			t.skip("no name")
			continue
		}
		target, created, err := add(name, optionalText(r.extra))
		if err != nil {
			return fmt.Errorf("import %s %q: %w", table, name, err)
		}
		if created {
			t.Imported++
		} else {
			t.link("same name already here: linked to it")
		}
		into[r.id] = target
		if err := im.remember(tx, table, r.id, target); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (im *importer) importDoctors(ctx context.Context, tx *gorm.DB) error {
	now := im.now()
	return im.importDict(ctx, tx, "doctors", "SELECT id, CAST(name AS BINARY), CAST(introduction AS BINARY) FROM doctors ORDER BY id",
		im.doctors, func(name string, intro *string) (uint64, bool, error) {
			name, _ = truncate(name, 32)
			return findOrCreate(tx, name, func(order int) *dict.Doctor {
				d := &dict.Doctor{Name: name, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
				if intro != nil {
					d.Introduction, _ = truncate(*intro, 2000)
				}
				return d
			}, func(d *dict.Doctor) uint64 { return d.ID })
		})
}

func (im *importer) importMedia(ctx context.Context, tx *gorm.DB) error {
	now := im.now()
	return im.importDict(ctx, tx, "media", "SELECT id, CAST(name AS BINARY), NULL FROM media ORDER BY id",
		im.media, func(name string, _ *string) (uint64, bool, error) {
			name, _ = truncate(name, 32)
			return findOrCreate(tx, name, func(order int) *dict.MediaChannel {
				return &dict.MediaChannel{Name: name, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
			}, func(m *dict.MediaChannel) uint64 { return m.ID })
		})
}

// importDiseases: an old disease row is a department (patients point at
// it); its childs text lists the diseases under it.
func (im *importer) importDiseases(ctx context.Context, tx *gorm.DB) error {
	now := im.now()
	t := im.report.table("disease")
	return im.importDict(ctx, tx, "disease", "SELECT id, CAST(name AS BINARY), CAST(childs AS BINARY) FROM disease ORDER BY id",
		im.diseases, func(name string, childs *string) (uint64, bool, error) {
			name, _ = truncate(name, 64)
			dept, created, err := findOrCreate(tx, name, func(order int) *dict.Disease {
				return &dict.Disease{Name: name, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
			}, func(d *dict.Disease) uint64 { return d.ID })
			if err != nil || childs == nil {
				return dept, created, err
			}
			for _, child := range childNames(*childs) {
				child, _ = truncate(child, 64)
				_, made, err := findOrCreate(tx, child, func(order int) *dict.Disease {
					return &dict.Disease{ParentID: dept, Name: child, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
				}, func(d *dict.Disease) uint64 { return d.ID })
				if err != nil {
					return 0, false, err
				}
				if made {
					t.note("diseases created from childs")
				}
			}
			return dept, created, nil
		})
}

// childNames reads the old childs text: a JSON list (of names, or of
// objects with a name), or names separated by commas, 、, semicolons,
// bars or lines.
func childNames(text string) []string {
	var names []string
	var list []json.RawMessage
	if json.Unmarshal([]byte(text), &list) == nil {
		for _, item := range list {
			var name string
			var obj struct{ Name string }
			if json.Unmarshal(item, &name) == nil || (json.Unmarshal(item, &obj) == nil && obj.Name != "") {
				if name == "" {
					name = obj.Name
				}
				names = append(names, name)
			}
		}
	} else {
		names = strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(",，、;；|\n\r", r) })
	}
	out := names[:0]
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// importAdvisoryWays: the old backend stored advisory ways as numbers
// with no table (its frontend named them). Each code found in patients
// becomes an entry, named by --advisory-ways or "咨询方式<code>".
func (im *importer) importAdvisoryWays(ctx context.Context, tx *gorm.DB) error {
	t := im.report.table("advisory ways (patient.advisoryWay)")
	rows, err := im.src.QueryContext(ctx, "SELECT DISTINCT advisoryWay FROM patient WHERE advisoryWay IS NOT NULL AND advisoryWay <> 0 ORDER BY 1")
	if err != nil {
		return fmt.Errorf("read patient.advisoryWay: %w", err)
	}
	var codes []int64
	for rows.Next() {
		var code int64
		if err := rows.Scan(&code); err != nil {
			rows.Close()
			return err
		}
		codes = append(codes, code)
	}
	rows.Close()
	now := im.now()
	for _, code := range codes {
		t.Read++
		name, named := im.opts.AdvisoryWays[int(code)]
		if !named {
			name = fmt.Sprintf("咨询方式%d", code)
			t.note("no name given (--advisory-ways): named 咨询方式<code>")
		}
		im.ways[code] = name
		_, created, err := findOrCreate(tx, name, func(order int) *dict.AdvisoryWay {
			return &dict.AdvisoryWay{Name: name, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
		}, func(w *dict.AdvisoryWay) uint64 { return w.ID })
		if err != nil {
			return err
		}
		if created {
			t.Imported++
		} else {
			t.link("same name already here: linked to it")
		}
	}
	return rows.Err()
}

// importMenus copies the old menus over the new ones only on request: the
// new defaults are a superset. Rows are matched by name (the tree
// position); their power sets which of the three roles see them.
func (im *importer) importMenus(ctx context.Context, tx *gorm.DB) error {
	t := im.report.table("menu")
	rows, err := im.src.QueryContext(ctx, "SELECT id, CAST(title AS BINARY), CAST(name AS BINARY), CAST(url AS BINARY), power FROM menu ORDER BY id")
	if err != nil {
		return fmt.Errorf("read menu: %w", err)
	}
	type row struct {
		id, power        int64
		title, name, url []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.title, &r.name, &r.url, &r.power); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if !im.opts.Menus {
		t.Read = len(all)
		t.skipMany(len(all), "not copied: the new menus are a superset (--menus copies them)")
		return nil
	}
	var roles []staff.Role
	if err := tx.Where(clause.IN{Column: "role_key", Values: []any{access.RoleConsultant, access.RoleManager, access.RoleSuperadmin}}).Find(&roles).Error; err != nil {
		return err
	}
	level := map[string]int64{access.RoleConsultant: 0, access.RoleManager: 1, access.RoleSuperadmin: 2}
	now := im.now()
	// Parents first, so children find them.
	sort.SliceStable(all, func(i, j int) bool {
		return !strings.Contains(string(all[i].name), "-") && strings.Contains(string(all[j].name), "-")
	})
	for _, r := range all {
		t.Read++
		title, _ := truncate(strings.TrimSpace(decodeText(r.title)), 32)
		name := strings.TrimSpace(decodeText(r.name))
		url, _ := truncate(strings.TrimSpace(decodeText(r.url)), 64)
		if title == "" || name == "" || len(name) > 16 {
			t.skip("title or name missing or too long")
			continue
		}
		var parentID uint64
		if parent, _, isChild := strings.Cut(name, "-"); isChild {
			var p staff.Menu
			if err := tx.Where("name = ? AND parent_id = 0", parent).Take(&p).Error; err != nil {
				t.skip("its parent menu is missing")
				continue
			}
			parentID = p.ID
		}
		var m staff.Menu
		err := tx.Where("name = ?", name).Take(&m).Error
		switch {
		case err == nil:
			err = tx.Model(&m).Updates(map[string]any{"title": title, "url": url, "parent_id": parentID, "updated_at": now}).Error
			t.link("menu of the same name updated")
		case errors.Is(err, gorm.ErrRecordNotFound):
			m = staff.Menu{ParentID: parentID, Title: title, Name: name, URL: url, SortOrder: int(r.id) * 10, CreatedAt: now, UpdatedAt: now}
			err = tx.Create(&m).Error
			t.Imported++
		}
		if err != nil {
			return err
		}
		for _, role := range roles {
			if level[role.Key] >= r.power {
				err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&staff.RoleMenu{RoleID: role.ID, MenuID: m.ID}).Error
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// countLog reports the old operation log, which is not imported: its
// entries have no target or summary to map, and would be past retention.
func (im *importer) countLog(ctx context.Context, _ *gorm.DB) error {
	var n int
	if err := im.src.QueryRowContext(ctx, "SELECT COUNT(*) FROM log").Scan(&n); err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	t := im.report.table("log")
	t.Read = n
	t.skipMany(n, "the old operation log is not imported")
	return nil
}
