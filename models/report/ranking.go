package report

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/calendar"
	"crm/models/patient"
	"crm/models/staff"
	"crm/models/store"
	"sort"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// RankBy is what consultants are ranked by.
type RankBy string

const (
	RankRegistered RankBy = "registered"
	RankArrived    RankBy = "arrived"
	RankLost       RankBy = "lost"
	RankRate       RankBy = "rate"
	RankRevenue    RankBy = "revenue" // the amounts of the visits that arrived in the period
)

func ParseRankBy(s string) (RankBy, bool) {
	switch r := RankBy(s); r {
	case RankRegistered, RankArrived, RankLost, RankRate, RankRevenue:
		return r, true
	}
	return "", false
}

type RankEntry struct {
	Rank    int
	User    staff.User
	Revenue int64 // fen
	Counts
}

// Ranking ranks the authors of the patients registered in the period (the
// viewer's scope applies), with every enabled consultant present even at
// zero. Equal figures share a rank (1, 2, 2, 4); then by user id.
func Ranking(ctx context.Context, db *gorm.DB, v access.Viewer, p calendar.Period, by RankBy) ([]RankEntry, error) {
	db = db.WithContext(ctx)
	if v.PatientScope() == access.ScopeNone {
		return nil, apierr.ErrForbidden
	}
	var rows []struct {
		AuthorID uint64
		Counts
	}
	err := patient.VisiblePatients(db, v, patient.PatientFilter{}).
		Clauses(clause.Select{Expression: clause.Expr{SQL: "author_id, " + funnelColumns}}).
		Where(clause.Gte{Column: "add_time", Value: p.Start.Unix()}).
		Where(clause.Lt{Column: "add_time", Value: p.End.Unix()}).
		Group("author_id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	byUser := map[uint64]Counts{}
	for _, r := range rows {
		byUser[r.AuthorID] = r.Counts
	}
	var paid []struct {
		AuthorID uint64
		Amount   int64
	}
	err = visibleVisits(db, v, patient.PatientFilter{}).Select("author_id, COALESCE(SUM(amount), 0) AS amount").
		Where(clause.Gte{Column: "reach_time", Value: p.Start.Unix()}).
		Where(clause.Lt{Column: "reach_time", Value: p.End.Unix()}).
		Group("author_id").Scan(&paid).Error
	if err != nil {
		return nil, err
	}
	revenue := map[uint64]int64{}
	for _, r := range paid {
		revenue[r.AuthorID] = r.Amount
		byUser[r.AuthorID] = byUser[r.AuthorID] // paid without registering in the period: still ranked
	}
	// Everyone counted, and every enabled consultant the viewer may see.
	users := db.Joins("Role")
	if v.PatientScope() == access.ScopeOwn {
		users = users.Where(clause.Eq{Column: clause.Column{Table: "users", Name: "id"}, Value: v.UserID})
	} else {
		users = users.Where(clause.Or(
			clause.IN{Column: clause.Column{Table: "users", Name: "id"}, Values: store.ToAny(keys(byUser))},
			clause.And(
				clause.Eq{Column: clause.Column{Table: "Role", Name: "role_key"}, Value: access.RoleConsultant},
				clause.Eq{Column: clause.Column{Table: "users", Name: "enabled"}, Value: true},
			),
		))
	}
	var people []staff.User
	if err := users.Find(&people).Error; err != nil {
		return nil, err
	}
	entries := make([]RankEntry, len(people))
	for i, u := range people {
		entries[i] = RankEntry{User: u, Counts: byUser[u.ID], Revenue: revenue[u.ID]}
	}
	score := func(e RankEntry) float64 {
		switch by {
		case RankArrived:
			return float64(e.Arrived)
		case RankLost:
			return float64(e.Lost)
		case RankRate:
			return e.ArrivalRate()
		case RankRevenue:
			return float64(e.Revenue)
		}
		return float64(e.Registered)
	}
	sort.Slice(entries, func(i, j int) bool {
		if si, sj := score(entries[i]), score(entries[j]); si != sj {
			return si > sj
		}
		return entries[i].User.ID < entries[j].User.ID
	})
	for i := range entries {
		entries[i].Rank = i + 1
		if i > 0 && score(entries[i]) == score(entries[i-1]) {
			entries[i].Rank = entries[i-1].Rank
		}
	}
	return entries, nil
}

func keys(m map[uint64]Counts) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
