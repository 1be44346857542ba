package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"gorm.io/gorm"

	"crm/models/appointment"
	"crm/models/dict"
)

// fillBook makes the appointment book of a clinic chain: doctors up to
// doctors (each working Monday to Saturday, 08:00-18:00 in half hours,
// ten a slot) and n appointments of the patients already there, spread
// over the years before now and the month after: the past ones arrived
// (70%), missed (18%) or cancelled (12%), those to come booked.
func fillBook(ctx context.Context, db *gorm.DB, rng *rand.Rand, n, doctors, years, batch int, authors []uint64) error {
	db = db.WithContext(ctx)
	var have int64
	if err := db.Model(&dict.Doctor{}).Count(&have).Error; err != nil {
		return err
	}
	for i := int(have); i < doctors; i++ {
		now := time.Now()
		d := dict.Doctor{Name: fmt.Sprintf("医生%02d", i+1), Title: "主治医师", SortOrder: (i + 1) * 10, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&d).Error; err != nil {
			return err
		}
	}
	var ids []uint64
	if err := db.Model(&dict.Doctor{}).Order("id").Limit(doctors).Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		var blocks []appointment.Block
		for day := int8(1); day <= 6; day++ {
			blocks = append(blocks, appointment.Block{DoctorID: id, Weekday: day, StartMinute: 8 * 60, EndMinute: 18 * 60, SlotMinutes: 30, Capacity: 10})
		}
		if err := db.Where("doctor_id = ?", id).Delete(&appointment.Block{}).Error; err != nil {
			return err
		}
		if err := db.Create(&blocks).Error; err != nil {
			return err
		}
	}
	var span struct{ Min, Max, First, Last uint64 }
	if err := db.Table("patients").Select("MIN(id) AS min, MAX(id) AS max, MIN(add_time) AS first, MAX(add_time) AS last").Scan(&span).Error; err != nil {
		return err
	}
	if span.Max == 0 {
		return fmt.Errorf("no patients to book: fill them first")
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now()
	first := now.AddDate(-years, 0, 0)
	days := int(now.AddDate(0, 1, 0).Sub(first).Hours() / 24)
	began := time.Now()
	// Seats as bookings take them: the next of the slot's ten, none for
	// the cancelled (and none past ten, which the server would refuse).
	type slotKey struct {
		doctor uint64
		start  int64
	}
	seats := map[slotKey]int16{}
	// Start times in id order, as a clinic's are: an appointment is booked
	// a few days before it, so ids follow start times and a doctor's week
	// lies on few pages (random order would make every calendar read cold).
	starts := make([]time.Time, n)
	for i := range starts {
		day := first.AddDate(0, 0, rng.IntN(days)).In(loc)
		y, m, d := day.Date()
		starts[i] = time.Date(y, m, d, 8, 30*rng.IntN(20), 0, 0, loc)
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	rows := make([]appointment.Appointment, 0, batch)
	for i := 0; i < n; i++ {
		start := starts[i]
		doctor := ids[rng.IntN(len(ids))]
		author := authors[rng.IntN(len(authors))]
		a := appointment.Appointment{PatientID: bookedPatient(rng, start, span.Min, span.Max, span.First, span.Last), DoctorID: &doctor,
			StartTime: start.Unix(), EndTime: start.Add(30 * time.Minute).Unix(), Status: appointment.StatusBooked,
			BookedBy: &author, BookedByName: "kefu", CreatedAt: start.AddDate(0, 0, -3), UpdatedAt: start}
		if start.Before(now) {
			switch r := rng.IntN(100); {
			case r < 70:
				a.Status = appointment.StatusArrived
			case r < 88:
				a.Status = appointment.StatusNoShow
			default:
				a.Status = appointment.StatusCancelled
			}
		}
		if a.Status != appointment.StatusCancelled {
			k := slotKey{doctor, a.StartTime}
			if seats[k] < 10 {
				seats[k]++
				seat := seats[k]
				a.Seat = &seat
			} else {
				a.Status = appointment.StatusCancelled
			}
		}
		rows = append(rows, a)
		if len(rows) == batch || i == n-1 {
			if err := db.CreateInBatches(rows, batch).Error; err != nil {
				return err
			}
			rows = rows[:0]
			if (i+1)%500000 == 0 {
				fmt.Printf("%d appointments (%.0f/s)\n", i+1, float64(i+1)/time.Since(began).Seconds())
			}
		}
	}
	fmt.Printf("done: %d appointments in %s\n", n, time.Since(began).Round(time.Second))
	return nil
}

// bookedPatient is a patient registered up to 30 days before start, as
// a clinic's bookings are mostly of fresh leads: patients' ids follow
// their registration, so the id is read off the line from the first
// (minID, first add_time) to the last. The calendar of a week then
// reads the pages of a month's registrations, not of every year's.
func bookedPatient(rng *rand.Rand, start time.Time, minID, maxID, first, last uint64) uint64 {
	added := start.Unix() - rng.Int64N(30*86400)
	added = min(max(added, int64(first)), int64(last))
	if last == first {
		return minID
	}
	id := minID + uint64(float64(added-int64(first))/float64(last-first)*float64(maxID-minID))
	return min(id, maxID)
}
