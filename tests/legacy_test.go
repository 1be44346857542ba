package tests

import (
	"context"
	"crm/models/appointment"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the old backend's database
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/encoding/simplifiedchinese"

	"crm/internal/testdb"
	"crm/legacy"
	"crm/models/access"
	"crm/models/dict"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/staff"
)

// legacySource loads SQL into a fresh MariaDB database, as the old
// backend's would be. The old backend was MySQL, so the source needs the
// MySQL server even when the target is SQLite.
func legacySource(t *testing.T, script string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", testdb.MySQLWithScript(t, script))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// legacyDump is the old backend's sample dump; a copy lives in the repo
// because CI runs on a fresh clone with nothing beside it.
func legacyDump(t *testing.T) *sql.DB {
	t.Helper()
	script, err := os.ReadFile("../testdata/legacy/crm.sql")
	if err != nil {
		t.Fatalf("the legacy dump: %v", err)
	}
	return legacySource(t, string(script))
}

func importOptions() legacy.Options {
	return legacy.Options{OrphanAuthor: adminUsername, BcryptCost: bcrypt.MinCost, Now: time.Now}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func counts(r legacy.Report, table string) string {
	tr := r.Table(table)
	return fmt.Sprintf("%d/%d/%d/%d", tr.Read, tr.Imported, tr.Linked, tr.Skipped)
}

func TestLegacyImportOfTheDump(t *testing.T) {
	source := legacyDump(t)
	t.Run("target", func(t *testing.T) {
		eachDB(t, func(t *testing.T, e *env) {
			report, err := legacy.Import(context.Background(), source, e.db, importOptions())
			if err != nil {
				t.Fatal(err)
			}
			for table, want := range map[string]string{"admin": "3/2/1/0", "patient": "1002/1002/0/0", "menu": "17/0/0/17",
				"doctors": "0/0/0/0", "media": "0/0/0/0", "disease": "0/0/0/0", "log": "0/0/0/0"} {
				if got := counts(report, table); got != want {
					t.Errorf("%s: %s, want %s (read/imported/linked/skipped)\n%s", table, got, want, report)
				}
			}
			if report.Table("admin").Notes["username already here: its patients go to that account"] != 1 {
				t.Errorf("the old admin is linked to the existing account:\n%s", report)
			}
			// Users: roles from power; the md5 only wrapped in bcrypt.
			root, err := staff.FindUserForLogin(context.Background(), e.db, "root")
			if err != nil {
				t.Fatal(err)
			}
			kefu, _ := staff.FindUserForLogin(context.Background(), e.db, "kefu")
			if root.Role.Key != access.RoleSuperadmin || kefu.Role.Key != access.RoleConsultant || root.PasswordScheme != staff.SchemeLegacyMD5 {
				t.Errorf("users: %+v %+v", root, kefu)
			}
			if strings.Contains(root.PasswordHash, md5hex("root")) || bcrypt.CompareHashAndPassword([]byte(root.PasswordHash), []byte(md5hex("root"))) != nil {
				t.Error("the stored hash must be bcrypt of the hex md5, never the md5 itself")
			}
			legacyUsers, _ := staff.LegacyHashUsers(context.Background(), e.db)
			if len(legacyUsers) != 2 {
				t.Errorf("%d accounts on a legacy hash, want 2", len(legacyUsers))
			}

			// Patients keep their ids and every field.
			admin := e.admin(t)
			wantPatient(t, e.call(t, "GET", api+"/patient/1007/", query("token", admin.token)), "patient", map[string]any{
				"id": "1007", "name": "patient1", "sex": "0", "tel": "13566666666", "age": 20, "wechat": "patient1-13566666666",
				"qq": "666666", "addTime": 1491983355, "authorId": root.ID, "state": 0, "area": "温州", "remarks": "苟...",
			})
			wantPatient(t, e.call(t, "GET", api+"/patient/6/", query("token", admin.token)), "patient", map[string]any{
				"id": "6", "name": "patient1", "sex": "0", "tel": "13566666666", "age": 20, "addTime": 1491978025,
				"authorId": root.ID, "state": 0, "area": "温州", "remarks": "苟...",
			})
			wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", admin.token, "count", "1")), `{"count": 1002}`)
			history := e.call(t, "GET", api+"/patient/1007/history/", query("token", admin.token))
			if !strings.Contains(string(history.body), `"action":"create","userId":null,"username":"legacy-import"`) {
				t.Errorf("history: %s", history.body)
			}

			// The old password logs in, once through the wrapped md5; then the
			// hash is plain bcrypt.
			e.login(t, "root", "root")
			upgraded, _ := staff.FindUserForLogin(context.Background(), e.db, "root")
			if upgraded.PasswordScheme != staff.SchemeBcrypt || bcrypt.CompareHashAndPassword([]byte(upgraded.PasswordHash), []byte("root")) != nil {
				t.Errorf("not upgraded: %+v", upgraded)
			}
			e.login(t, "root", "root")
			e.login(t, "kefu", "kefu")
			wantError(t, e.call(t, "POST", api+"/token/", form("username", "kefu", "password", "kefu-wrong")), 46005, "密码错误")
			if users, _ := staff.LegacyHashUsers(context.Background(), e.db); len(users) != 0 {
				t.Errorf("still on a legacy hash: %+v", users)
			}

			// Again: nothing twice.
			again, err := legacy.Import(context.Background(), source, e.db, importOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got := counts(again, "patient") + " " + counts(again, "admin"); got != "1002/0/0/1002 3/0/0/3" {
				t.Errorf("second run: %s\n%s", got, again)
			}
			if e.patientCount(t) != 1002 || count(t, e.db, "users") != 3 {
				t.Errorf("the second run added rows")
			}
			if got := count(t, e.db, "op_log", "action = ?", oplog.OpLegacyImport); got != 2 {
				t.Errorf("%d import entries in the operation log, want 2", got)
			}
		}, unthrottled)
	})
}

func TestLegacyImportDryRun(t *testing.T) {
	source := legacyDump(t)
	t.Run("target", func(t *testing.T) {
		eachDB(t, func(t *testing.T, e *env) {
			opts := importOptions()
			opts.DryRun = true
			report, err := legacy.Import(context.Background(), source, e.db, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !report.DryRun || counts(report, "patient") != "1002/1002/0/0" || !strings.HasPrefix(report.String(), "DRY RUN") {
				t.Errorf("report:\n%s", report)
			}
			if e.patientCount(t) != 0 || count(t, e.db, "users") != 1 || count(t, e.db, "legacy_imports") != 0 ||
				count(t, e.db, "op_log", "action = ?", oplog.OpLegacyImport) != 0 {
				t.Error("a dry run wrote something")
			}
		})
	})
}

func TestLegacyImportRefusesAPopulatedDatabase(t *testing.T) {
	source := legacyDump(t)
	t.Run("target", func(t *testing.T) {
		eachDB(t, func(t *testing.T, e *env) {
			token := e.admin(t).token
			for i := 0; i < 10; i++ { // ids 1-10: the old 6-10 are taken
				e.createPatient(t, token, "name", "已有", "add_time", "1700000000", "state", "0")
			}
			if _, err := legacy.Import(context.Background(), source, e.db, importOptions()); !errors.Is(err, legacy.ErrNotEmpty) {
				t.Fatalf("error %v, want ErrNotEmpty", err)
			}
			if e.patientCount(t) != 10 {
				t.Fatal("a refused import wrote patients")
			}
			opts := importOptions()
			opts.Merge = true
			report, err := legacy.Import(context.Background(), source, e.db, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := report.Table("patient").Notes["id already used here: imported under a new id"]; got != 5 || e.patientCount(t) != 1012 {
				t.Errorf("merge: %d renumbered, %d patients\n%s", got, e.patientCount(t), report)
			}
			// The clinic's own patients are untouched.
			if resp := e.call(t, "GET", api+"/patient/6/", query("token", token)); !strings.Contains(string(resp.body), `"name":"已有"`) {
				t.Errorf("patient 6: %s", resp.body)
			}
		})
	})
}

// A hand-made old database with what the dump lacks: dictionaries in
// latin1 tables (UTF-8 bytes in them, as PHP wrote through a latin1
// connection; GBK; real latin1), broken and dangling values, menus.
func legacyFixture(t *testing.T) *sql.DB {
	utf8 := func(s string) string { return fmt.Sprintf("X'%X'", []byte(s)) }
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("X'%X'", b)
	}
	return legacySource(t, `
CREATE TABLE admin (id tinyint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, username char(15) NOT NULL, password char(40) NOT NULL,
  token char(250) DEFAULT NULL, exp int unsigned DEFAULT NULL, power tinyint unsigned NOT NULL DEFAULT 0) DEFAULT CHARSET=latin1;
INSERT INTO admin (id, username, password, power) VALUES
  (1, 'laowang', '`+md5hex("laowang-pass")+`', 1), (2, 'zhangsan', 'plaintext', 0), (3, 'x!', '`+md5hex("x")+`', 0),
  (4, 'boss', '`+strings.ToUpper(md5hex("boss-pass"))+`', 9);
CREATE TABLE disease (id tinyint NOT NULL AUTO_INCREMENT PRIMARY KEY, name char(10) NOT NULL, childs text) DEFAULT CHARSET=latin1;
INSERT INTO disease VALUES (1, `+utf8("男科")+`, `+utf8("前列腺炎，阳痿、早泄")+`), (2, `+gbk("眼科")+`, `+utf8(`["近视", {"name": "白内障"}]`)+`), (3, '', NULL);
CREATE TABLE doctors (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name char(6) NOT NULL, introduction text) DEFAULT CHARSET=latin1;
INSERT INTO doctors VALUES (1, `+utf8("赵敏")+`, `+utf8("擅长男科")+`), (2, 'Smith', X'636166E9'), (3, `+utf8("张明")+`, NULL);
CREATE TABLE media (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name char(20) NOT NULL) DEFAULT CHARSET=latin1;
INSERT INTO media VALUES (1, `+utf8("百度")+`), (2, `+utf8("抖音")+`);
CREATE TABLE log (id tinyint NOT NULL AUTO_INCREMENT PRIMARY KEY, ip char(14) NOT NULL, des text, admin char(10) NOT NULL, date int NOT NULL) DEFAULT CHARSET=utf8mb4;
INSERT INTO log (ip, des, admin, date) VALUES ('1.2.3.4', '登录', 'laowang', 1491983355), ('1.2.3.4', '删除', 'laowang', 1491983356);
CREATE TABLE menu (id tinyint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, title char(10) NOT NULL, name char(20) NOT NULL,
  url char(20) NOT NULL, power tinyint unsigned NOT NULL DEFAULT 0) DEFAULT CHARSET=utf8mb4;
INSERT INTO menu VALUES (3, '登记患者', '2-1', 'regsiter', 0), (18, '随访', '6', 'followup', 1), (19, '今日随访', '6-1', 'followup/today', 1);
CREATE TABLE patient (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name char(20) NOT NULL, sex tinyint NOT NULL DEFAULT 0,
  tel char(15), age tinyint unsigned, wechat char(20), qq int unsigned, addTime char(10) NOT NULL, orderTime char(10), reachTime char(10),
  diseaseId tinyint unsigned, authorId tinyint unsigned, state tinyint unsigned NOT NULL, mediaFromId tinyint unsigned,
  doctorId tinyint unsigned, advisoryWay tinyint unsigned, advisoryContent text, area varchar(20), remarks varchar(50)) DEFAULT CHARSET=utf8mb4;
INSERT INTO patient VALUES
  (100, '王小明', 1, '135-1234-6666', 30, 'wx_wang', 12345, '1491983355', '1491990000', '1491999999', 1, 1, 2, 2, 1, 2, '咨询内容', '温州', '备注'),
  (101, '悬空', 5, NULL, 200, NULL, 0, '1491983356', 'soon', '0', 9, 9, 0, 9, 0, 0, NULL, NULL, NULL),
  (102, '  ', 0, NULL, NULL, NULL, NULL, '1491983357', NULL, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL),
  (103, '时间坏', 0, NULL, NULL, NULL, NULL, 'abc', NULL, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL),
  (104, '状态坏', 0, NULL, NULL, NULL, NULL, '1491983358', NULL, NULL, NULL, 1, 7, NULL, NULL, NULL, NULL, NULL, NULL),
  (105, '无人', 0, NULL, NULL, NULL, NULL, '1491983359', NULL, NULL, 2, NULL, 3, NULL, 3, 5, NULL, NULL, NULL),
  (106, '登记人被拒', 0, '+86 13900001111', NULL, NULL, NULL, '1491983360', NULL, NULL, NULL, 3, 1, NULL, NULL, NULL, NULL, NULL, NULL),
  (107, '预约中', 0, '13900002222', NULL, NULL, NULL, '1491983361', '1900000000', NULL, NULL, 1, 1, NULL, 1, NULL, NULL, NULL, NULL);
`)
}

func TestLegacyImportFixture(t *testing.T) {
	source := legacyFixture(t)
	t.Run("target", func(t *testing.T) {
		eachDB(t, func(t *testing.T, e *env) {
			opts := importOptions()
			opts.Menus = true
			opts.AdvisoryWays = map[int]string{2: "电话"}
			report, err := legacy.Import(context.Background(), source, e.db, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"admin": "4/3/0/1", "disease": "3/1/1/1", "doctors": "3/2/1/0", "media": "2/1/1/0",
				"advisory ways (patient.advisoryWay)": "2/1/1/0", "menu": "3/2/1/0", "log": "2/0/0/2", "patient": "8/5/0/3",
			}
			for table, w := range want {
				if got := counts(report, table); got != w {
					t.Errorf("%s: %s, want %s", table, got, w)
				}
			}
			notes := func(table string) map[string]int { return report.Table(table).Notes }
			for table, expected := range map[string]map[string]int{
				"admin": {"skipped: username not valid here (3-32 letters, digits, _ . -)": 1,
					"password not an md5 hash: imported disabled, needs a reset": 1, "unknown power: imported as consultant": 1},
				"patient": {"skipped: no name": 1, "skipped: no readable addTime": 1, "skipped: state not 0-3": 1,
					"dangling disease id: cleared": 1, "dangling media id: cleared": 1, "author no longer exists: given to admin": 2,
					"no author: given to admin": 1, "sex not 0/1: set to 0": 1, "age out of 0-150: cleared": 1, "unreadable orderTime: cleared": 1},
				// 男科 and 前列腺炎 are among the examples seeded here: linked, not made again.
				"disease":                             {"skipped: no name": 1, "diseases created from childs": 4, "same name already here: linked to it": 1},
				"advisory ways (patient.advisoryWay)": {"no name given (--advisory-ways): named 咨询方式<code>": 1},
			} {
				for note, n := range expected {
					if notes(table)[note] != n {
						t.Errorf("%s: %q = %d, want %d\n%s", table, note, notes(table)[note], n, report)
					}
				}
			}
			// Chinese from latin1 tables, whatever bytes they held.
			names := func(model any) string {
				var got []string
				e.db.Model(model).Order("id").Pluck("name", &got)
				return strings.Join(got, ",")
			}
			if got := names(&dict.Disease{}); !strings.HasSuffix(got, ",痤疮,阳痿,早泄,眼科,近视,白内障") {
				t.Errorf("diseases %s", got)
			}
			if got := names(&dict.Doctor{}); got != "张明,李华,王芳,赵敏,Smith" {
				t.Errorf("doctors %s", got)
			}
			var smith dict.Doctor
			e.db.Where("name = ?", "Smith").Take(&smith)
			if smith.Introduction != "café" {
				t.Errorf("latin1 text: %q", smith.Introduction)
			}
			// The patient that survived everything, field by field.
			admin := e.admin(t)
			var wang patient.Patient
			e.db.Take(&wang, 100)
			var laowang staff.User
			e.db.Where("username = ?", "laowang").Take(&laowang)
			var male dict.Disease
			var douyin dict.MediaChannel
			var zhao dict.Doctor
			e.db.Where("name = ?", "男科").Take(&male)
			e.db.Where("name = ?", "抖音").Take(&douyin)
			e.db.Where("name = ?", "赵敏").Take(&zhao)
			wantPatient(t, e.call(t, "GET", api+"/patient/100/", query("token", admin.token)), "patient", map[string]any{
				"id": "100", "name": "王小明", "sex": "1", "tel": "135-1234-6666", "age": 30, "wechat": "wx_wang", "qq": "12345",
				"addTime": 1491983355, "orderTime": 1491990000, "reachTime": 1491999999, "diseaseId": male.ID, "authorId": laowang.ID,
				"state": 2, "mediaFromId": douyin.ID, "doctorId": zhao.ID, "advisoryWay": "电话", "advisoryContent": "咨询内容",
				"area": "温州", "remarks": "备注",
			})
			wantPatient(t, e.call(t, "GET", api+"/patient/101/", query("token", admin.token)), "patient", map[string]any{
				"id": "101", "name": "悬空", "addTime": 1491983356, "authorId": 1, "state": 0,
			})
			// An open booking comes over as its appointment, in the book.
			var booked []appointment.Appointment
			e.db.Where("patient_id = ?", 107).Find(&booked)
			if len(booked) != 1 || booked[0].StartTime != 1900000000 || booked[0].Status != appointment.StatusBooked ||
				booked[0].DoctorID == nil || *booked[0].DoctorID != zhao.ID || booked[0].BookedByName != legacy.Actor {
				t.Errorf("patient 107's appointments: %+v", booked)
			}
			if n := count(t, e.db, "appointments"); n != 1 {
				t.Errorf("%d appointments, want only the open booking's", n)
			}
			if resp := e.call(t, "GET", api+"/patient/105/", query("token", admin.token)); !strings.Contains(string(resp.body), `"advisoryWay":"咨询方式5"`) {
				t.Errorf("unnamed advisory way: %s", resp.body)
			}
			// Accounts: the md5 in upper case still logs in; a bad hash is disabled.
			e.login(t, "laowang", "laowang-pass")
			e.login(t, "boss", "boss-pass")
			wantError(t, e.call(t, "POST", api+"/token/", form("username", "zhangsan", "password", "plaintext")), 46005, "密码错误")
			// Menus: copied over by name, shown by power.
			resp := e.call(t, "GET", api+"/menu/", query("token", e.login(t, "laowang", "laowang-pass")))
			if !strings.Contains(string(resp.body), `{"title":"随访","name":"6","url":"followup","child":[{"id":`) ||
				!strings.Contains(string(resp.body), `"title":"登记患者","name":"2-1"`) {
				t.Errorf("manager's menu: %s", resp.body)
			}
		}, unthrottled)
	})
}
