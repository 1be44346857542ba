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

	"crm/config"
	"crm/models"
	"crm/models/migrations"
)

func main() {
	patients := flag.Int("patients", 1_000_000, "patients to add")
	consultants := flag.Int("consultants", 20, "consultant accounts to spread them over")
	years := flag.Int("years", 3, "add_time spread over this many years before now")
	batch := flag.Int("batch", 2000, "rows per INSERT")
	seed := flag.Uint64("seed", 1, "random seed (the same seed makes the same data)")
	flag.Parse()
	if err := run(*patients, *consultants, *years, *batch, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "datagen:", err)
		os.Exit(1)
	}
}

func run(patients, consultants, years, batch int, seed uint64) error {
	cfg, err := config.Load(os.Getenv("CRM_CONFIG"), false)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	db, err := models.Open(ctx, cfg.Database, log)
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
	rows := make([]models.Patient, 0, batch)
	for i := 0; i < patients; i++ {
		rows = append(rows, patient(rng, times[i], authors, cities, ways))
		if len(rows) == batch || i == patients-1 {
			if err := db.WithContext(ctx).Omit("DeletedAt").CreateInBatches(rows, batch).Error; err != nil {
				return err
			}
			rows = rows[:0]
			if (i+1)%100000 == 0 {
				fmt.Printf("%d patients (%.0f/s)\n", i+1, float64(i+1)/time.Since(began).Seconds())
			}
		}
	}
	// About 1% in the recycle bin.
	err = db.Exec("UPDATE patients SET deleted_at = updated_at WHERE id % 100 = 7").Error
	if err != nil {
		return err
	}
	fmt.Printf("done: %d patients in %s\n", patients, time.Since(began).Round(time.Second))
	return nil
}

func ensureConsultants(ctx context.Context, db *gorm.DB, n int) ([]uint64, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte("consultant-password"), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("kefu%02d", i)
		u, err := models.CreateUser(ctx, db, models.NewUser{Username: name, DisplayName: fmt.Sprintf("客服%02d", i),
			PasswordHash: string(hash), RoleKey: models.RoleConsultant})
		if err == models.ErrUsernameTaken {
			if u, err = models.FindUserForLogin(ctx, db, name); err != nil {
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

// patient draws one: 20% untreated, 30% booked, 35% arrived, 15% lost;
// most have a channel, a doctor and a disease.
func patient(rng *rand.Rand, added int64, authors []uint64, cities, ways []string) models.Patient {
	p := models.Patient{
		Name: fmt.Sprintf("患者%07d", rng.IntN(10_000_000)), Sex: int8(rng.IntN(2)), AddTime: added,
		AuthorID: authors[rng.IntN(len(authors))], CreatedAt: time.Unix(added, 0), UpdatedAt: time.Unix(added, 0),
	}
	age := int16(18 + rng.IntN(50))
	p.Age = &age
	tel := fmt.Sprintf("1%d%09d", 3+rng.IntN(6), rng.IntN(1_000_000_000))
	p.Tel, p.TelDigits = &tel, tel
	if rng.IntN(3) == 0 {
		wx := "wx_" + tel[3:]
		p.Wechat = &wx
	}
	area, way := cities[rng.IntN(len(cities))], ways[rng.IntN(len(ways))]
	p.Area, p.AdvisoryWay = &area, &way
	if rng.IntN(10) != 0 {
		id := uint64(1 + rng.IntN(7))
		p.MediaFromID = &id
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
		p.State = models.StateUntreated
	case r < 50:
		p.State = models.StateWaiting
	case r < 85:
		p.State = models.StateArrived
	default:
		p.State = models.StateLost
	}
	if p.State != models.StateUntreated && (p.State != models.StateLost || rng.IntN(2) == 0) {
		order := added + rng.Int64N(7*86400)
		p.OrderTime = &order
		if p.State == models.StateArrived {
			reach := order + rng.Int64N(2*3600)
			p.ReachTime = &reach
		}
	}
	return p
}
