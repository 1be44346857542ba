// Command datagen fills a database with realistic patients for
// benchmarks: go run ./bench/datagen -patients 1000000. It reads the
// server's configuration (config.yaml, CRM_* variables) and migrates first.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"crm/auth"
	"crm/config"
	"crm/models/access"
	"crm/models/followup"
	"crm/models/migrations"
	"crm/models/patient"
	"crm/models/staff"
	"crm/models/store"
	"crm/models/visit"
)

func main() {
	patients := flag.Int("patients", 1_000_000, "patients to add")
	consultants := flag.Int("consultants", 20, "consultant accounts to spread them over")
	years := flag.Int("years", 3, "add_time spread over this many years before now")
	batch := flag.Int("batch", 2000, "rows per INSERT")
	seed := flag.Uint64("seed", 1, "random seed (the same seed makes the same data)")
	appointments := flag.Int("appointments", 0, "appointments to add to the patients there (after the patients)")
	doctors := flag.Int("doctors", 30, "doctors the appointments are spread over (added up to this many, each with a schedule)")
	flag.Parse()
	if err := run(*patients, *consultants, *years, *batch, *seed, *appointments, *doctors); err != nil {
		fmt.Fprintln(os.Stderr, "datagen:", err)
		os.Exit(1)
	}
}

func run(patients, consultants, years, batch int, seed uint64, appointments, doctors int) error {
	cfg, err := config.Load(os.Getenv("CRM_CONFIG"), false)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	db, err := store.Open(ctx, cfg.Database, log)
	if err != nil {
		return err
	}
	err = migrations.Run(ctx, db, migrations.Seed{AdminUsername: cfg.Admin.Username, AdminPassword: cfg.Admin.Password,
		BcryptCost: cfg.Auth.BcryptCost, Announce: func(u, p string) { fmt.Printf("admin %s password %s\n", u, p) }})
	if err != nil {
		return err
	}
	authors, err := ensureConsultants(ctx, db, consultants)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	end := time.Now().Unix()
	start := end - int64(years)*365*86400
	cities := []string{"温州", "杭州", "宁波", "台州", "金华", "丽水", "上海", "苏州", "福州", "南京"}
	ways := []string{"商务通", "电话", "微信", "QQ", "到院咨询"}
	// Registration times in id order, as a clinic's are (patients are
	// registered as they call; 3% are backdated by up to three days).
	times := make([]int64, patients)
	for i := range times {
		times[i] = registrationTime(rng, start, end)
	}
	slices.Sort(times)
	for i := range times {
		if rng.IntN(100) < 3 {
			times[i] -= rng.Int64N(3 * 86400)
		}
	}
	began := time.Now()
	rows := make([]patient.Patient, 0, batch)
	for i := 0; i < patients; i++ {
		p := drawPatient(rng, times[i], authors, cities, ways)
		if i%100 == 6 { // about 1% in the recycle bin
			p.DeletedAt = gorm.DeletedAt{Time: p.UpdatedAt, Valid: true}
		}
		rows = append(rows, p)
		if len(rows) == batch || i == patients-1 {
			// With their counts and name terms, as the server keeps them,
			// then their visits and follow-ups.
			visits, followups := activity(rng, rows, end)
			err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := patient.InsertPatients(tx, rows); err != nil {
					return err
				}
				for i := range visits { // PatientID held the row's index
					visits[i].PatientID = rows[visits[i].PatientID].ID
				}
				for i := range followups {
					followups[i].PatientID = rows[followups[i].PatientID].ID
				}
				if err := tx.CreateInBatches(visits, batch).Error; err != nil {
					return err
				}
				return tx.CreateInBatches(followups, batch).Error
			})
			if err != nil {
				return err
			}
			rows = rows[:0]
			if (i+1)%100000 == 0 {
				fmt.Printf("%d patients (%.0f/s)\n", i+1, float64(i+1)/time.Since(began).Seconds())
			}
		}
	}
	// Count them, as a server does when it starts.
	if err := patient.SealCounts(ctx, db, time.Now().Unix()); err != nil {
		return err
	}
	fmt.Printf("done: %d patients in %s\n", patients, time.Since(began).Round(time.Second))
	if appointments > 0 {
		return fillBook(ctx, db, rng, appointments, doctors, years, batch, authors)
	}
	return nil
}

func ensureConsultants(ctx context.Context, db *gorm.DB, n int) ([]uint64, error) {
	hash, err := auth.HashPassword("consultant-password", bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("kefu%02d", i)
		u, err := staff.CreateUser(ctx, db, staff.NewUser{Username: name, DisplayName: fmt.Sprintf("客服%02d", i),
			PasswordHash: hash, RoleKey: access.RoleConsultant})
		if err == staff.ErrUsernameTaken {
			if u, err = staff.FindUserForLogin(ctx, db, name); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// registrationTime: any day, more by day than by night (UTC+8).
func registrationTime(rng *rand.Rand, start, end int64) int64 {
	day := start + rng.Int64N((end-start)/86400)*86400
	hour := int64(8 + rng.IntN(14)) // 08:00-21:59 mostly
	if rng.IntN(10) == 0 {
		hour = int64(rng.IntN(24))
	}
	return day + (hour-8)*3600 + rng.Int64N(3600)
}

// drawPatient draws one: 20% untreated, 30% booked, 35% arrived, 15% lost;
// most have a channel, a doctor and a disease.
func drawPatient(rng *rand.Rand, added int64, authors []uint64, cities, ways []string) patient.Patient {
	p := patient.Patient{
		Name: chineseName(rng), Sex: int8(rng.IntN(2)), AddTime: added,
		AuthorID: authors[rng.IntN(len(authors))], CreatedAt: time.Unix(added, 0), UpdatedAt: time.Unix(added, 0),
	}
	age := int16(18 + rng.IntN(50))
	p.Age = &age
	tel := fmt.Sprintf("1%d%09d", 3+rng.IntN(6), rng.IntN(1_000_000_000))
	p.Tel = &tel
	if rng.IntN(3) == 0 {
		wx := wechatID(rng)
		p.Wechat = &wx
	}
	if rng.IntN(5) == 0 {
		qq := fmt.Sprint(10_000 + rng.IntN(3_000_000_000))
		p.QQ = &qq
	}
	area, way := cities[rng.IntN(len(cities))], ways[rng.IntN(len(ways))]
	p.Area, p.AdvisoryWay = &area, &way
	if rng.IntN(10) != 0 {
		id := uint64(1 + rng.IntN(7))
		p.MediaFromID = &id
		if id <= 3 && rng.IntN(2) == 0 { // the search engines: a keyword and a landing page
			keyword := keywords[rng.IntN(len(keywords))]
			page := fmt.Sprintf("https://m.example-clinic.cn/zt/%d.html", 1+rng.IntN(40))
			p.Keyword, p.LandingPage = &keyword, &page
		}
	}
	if rng.IntN(5) != 0 {
		id := uint64(1 + rng.IntN(3))
		p.DoctorID = &id
	}
	if rng.IntN(7) != 0 {
		id := uint64(1 + rng.IntN(9))
		p.DiseaseID = &id
	}
	switch r := rng.IntN(100); {
	case r < 20:
		p.State = patient.StateUntreated
	case r < 50:
		p.State = patient.StateWaiting
	case r < 85:
		p.State = patient.StateArrived
	default:
		p.State = patient.StateLost
	}
	if p.State != patient.StateUntreated && (p.State != patient.StateLost || rng.IntN(2) == 0) {
		order := added + rng.Int64N(7*86400)
		p.OrderTime = &order
		if p.State == patient.StateArrived {
			reach := order + rng.Int64N(2*3600)
			p.ReachTime = &reach
		}
	}
	return p
}

var keywords = []string{"温州男科医院", "前列腺炎怎么治", "温州妇科医院哪家好", "包皮手术多少钱", "早泄治疗",
	"温州医院排名", "阳痿的症状", "妇科检查", "无痛人流", "宫颈糜烂"}

var followupWays = []string{"phone", "phone", "phone", "wechat", "wechat", "qq", "sms", "visit", "other"}

// activity draws, before rows are inserted, the visits of the arrived
// patients among rows (a first
// visit at the reach time, a return for three in ten, amounts up to 5,000
// yuan; the patient's revenue follows) and the follow-ups of all (none to
// three, the last setting the next time of four in ten untreated or booked
// patients, a few of them around now). Their PatientID is the row's index
// until the rows have ids.
func activity(rng *rand.Rand, rows []patient.Patient, now int64) ([]visit.Visit, []followup.Followup) {
	var visits []visit.Visit
	var followups []followup.Followup
	for i := range rows {
		p := &rows[i]
		if p.ReachTime != nil {
			first := visit.Visit{PatientID: uint64(i), AuthorID: p.AuthorID, MediaFromID: p.MediaFromID, OrderTime: *p.OrderTime,
				ReachTime: p.ReachTime, DoctorID: p.DoctorID, DiseaseID: p.DiseaseID, First: true,
				Amount: rng.Int64N(500_000), Username: "datagen", CreatedAt: p.CreatedAt, UpdatedAt: p.CreatedAt}
			visits = append(visits, first)
			p.Revenue += first.Amount
			if rng.IntN(10) < 3 {
				back := *p.ReachTime + 86400*(7+rng.Int64N(60))
				ret := first
				ret.OrderTime, ret.ReachTime, ret.First, ret.Amount = back, &back, false, rng.Int64N(200_000)
				visits = append(visits, ret)
				p.Revenue += ret.Amount
			}
		}
		var next *int64
		for n := rng.IntN(4); n > 0; n-- {
			at := p.AddTime + rng.Int64N(14*86400)
			followups = append(followups, followup.Followup{PatientID: uint64(i), Username: "datagen",
				Way: followupWays[rng.IntN(len(followupWays))], Content: "回访", Time: at, CreatedAt: time.Unix(at, 0)})
		}
		if (p.State == patient.StateUntreated || p.State == patient.StateWaiting) && rng.IntN(10) < 4 {
			at := p.AddTime + rng.Int64N(30*86400)
			if rng.IntN(20) == 0 {
				at = now - 3*86400 + rng.Int64N(10*86400)
			}
			next = &at
		}
		p.NextFollowupTime = next
	}
	return visits, followups
}

// Surnames by how common they are: the first few cover a third of people,
// as in China, so a search for 王 or 李 matches tens of thousands.
var surnames = []struct {
	name   string
	weight int
}{
	{"王", 72}, {"李", 72}, {"张", 68}, {"刘", 54}, {"陈", 45}, {"杨", 31}, {"黄", 23}, {"赵", 22},
	{"吴", 20}, {"周", 19}, {"徐", 16}, {"孙", 15}, {"马", 14}, {"朱", 13}, {"胡", 12}, {"郭", 11},
	{"何", 11}, {"高", 10}, {"林", 10}, {"罗", 9}, {"郑", 9}, {"梁", 9}, {"谢", 8}, {"宋", 7},
	{"唐", 7}, {"许", 6}, {"韩", 6}, {"冯", 6}, {"邓", 6}, {"曹", 6}, {"彭", 5}, {"曾", 5},
	{"肖", 5}, {"田", 5}, {"董", 5}, {"袁", 4}, {"潘", 4}, {"于", 4}, {"蒋", 4}, {"蔡", 4},
	{"余", 4}, {"杜", 4}, {"叶", 4}, {"程", 4}, {"苏", 3}, {"魏", 3}, {"吕", 3}, {"丁", 3},
	{"任", 3}, {"沈", 3}, {"姚", 3}, {"卢", 3}, {"姜", 3}, {"崔", 3}, {"钟", 3}, {"谭", 3},
	{"陆", 3}, {"汪", 2}, {"范", 2}, {"金", 2}, {"石", 2}, {"廖", 2}, {"贾", 2}, {"夏", 2},
	{"韦", 2}, {"付", 2}, {"方", 2}, {"白", 2}, {"邹", 2}, {"孟", 2}, {"熊", 2}, {"秦", 2},
	{"邱", 2}, {"江", 2}, {"尹", 2}, {"薛", 2}, {"闫", 2}, {"段", 2}, {"雷", 2}, {"侯", 2},
	{"龙", 2}, {"史", 2}, {"陶", 1}, {"黎", 1}, {"贺", 1}, {"顾", 1}, {"毛", 1}, {"郝", 1},
	{"龚", 1}, {"邵", 1}, {"万", 1}, {"钱", 1}, {"严", 1}, {"覃", 1}, {"武", 1}, {"戴", 1},
	{"欧阳", 1}, {"司马", 1}, {"上官", 1},
}

var surnameTotal = func() int {
	n := 0
	for _, s := range surnames {
		n += s.weight
	}
	return n
}()

// givenChars are common characters of given names.
var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉萍红鹏华建国文辉力" +
	"斌波宇浩凯健俊帆帅旭宁龙林欣佳琳雪梅琴云莲真环倩婷颖露瑶怡蓉璐晨晶妍茜秋珊莎锦黛青" +
	"倩婉娴瑾颖嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹" +
	"志新宏海峰春晓东亮成荣德福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进")

// chineseName: a surname and one or two given characters; one lead in
// ten is registered only as 王女士 or 李先生, as clinics often do.
func chineseName(rng *rand.Rand) string {
	r := rng.IntN(surnameTotal)
	surname := surnames[len(surnames)-1].name
	for _, s := range surnames {
		if r < s.weight {
			surname = s.name
			break
		}
		r -= s.weight
	}
	switch n := rng.IntN(20); {
	case n == 0:
		return surname + "先生"
	case n == 1:
		return surname + "女士"
	case n < 8:
		return surname + string(givenChars[rng.IntN(len(givenChars))])
	default:
		return surname + string(givenChars[rng.IntN(len(givenChars))]) + string(givenChars[rng.IntN(len(givenChars))])
	}
}

// wechatID looks like the ids people choose: letters, digits, '_' or '-'.
func wechatID(rng *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	const tail = "abcdefghijklmnopqrstuvwxyz0123456789_-"
	b := []byte{letters[rng.IntN(len(letters))]}
	for range 5 + rng.IntN(10) {
		b = append(b, tail[rng.IntN(len(tail))])
	}
	return string(b)
}
