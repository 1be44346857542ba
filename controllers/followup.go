package controllers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/followup"
	"crm/models/patient"
)

// FollowupController records and lists follow-ups (回访/跟进) and the due
// lists of the patients to follow up.
type FollowupController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Clinic *Clinic // "today" of the due lists, and their page size
}

const maxFollowupRunes = 2000

type followupJSON struct {
	ID        string  `json:"id"`
	PatientID string  `json:"patientId"`
	UserID    *string `json:"userId"`
	Username  string  `json:"username"`
	Way       string  `json:"way"`
	Content   string  `json:"content"`
	Time      string  `json:"time"`
	NextTime  *string `json:"nextTime"`
	CreatedAt string  `json:"createdAt"`
}

func presentFollowup(f followup.Followup) followupJSON {
	return followupJSON{
		ID: strconv.FormatUint(f.ID, 10), PatientID: strconv.FormatUint(f.PatientID, 10), UserID: optionalID(f.UserID),
		Username: f.Username, Way: f.Way, Content: f.Content, Time: strconv.FormatInt(f.Time, 10),
		NextTime: optionalInt(f.NextTime), CreatedAt: strconv.FormatInt(f.CreatedAt.Unix(), 10),
	}
}

type newFollowupJSON struct {
	Followup followupJSON     `json:"followup"`
	Patient  presentedPatient `json:"patient"`
}

func bindFollowup(c *gin.Context) (followup.FollowupInput, error) {
	b := newBinder(c)
	var in followup.FollowupInput
	in.Way = b.requiredMatch(followup.ValidFollowupWay, "way")
	in.Content = b.requiredText(textRule{maxRunes: maxFollowupRunes, multiline: true}, "content")
	in.Time = b.optionalTime("time")
	in.NextTime = b.optionalTime("next_time")
	return in, b.err
}

// Create is POST /patient/{id}/followups: way, content, time (default
// now), next_time.
func (fc FollowupController) Create(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	in, err := bindFollowup(c)
	if err != nil {
		return nil, err
	}
	f, p, err := followup.AddFollowup(c.Request.Context(), fc.DB, viewer, id, in, fc.Now())
	if err != nil {
		return nil, err
	}
	return newFollowupJSON{Followup: presentFollowup(f), Patient: presentPatient(p, viewer)}, nil
}

// Replay answers a retried follow-up whose first answer was lost after it
// committed.
func (fc FollowupController) Replay(c *gin.Context, id uint64) (any, error) {
	return replayWithPatient(c, fc.DB, id, followup.FindFollowup, func(f followup.Followup) uint64 { return f.PatientID },
		func(f followup.Followup, p presentedPatient) any {
			return newFollowupJSON{Followup: presentFollowup(f), Patient: p}
		})
}

type followupListJSON struct {
	FollowupData []followupJSON `json:"followup_data"`
	pageJSON
}

// List is GET /patient/{id}/followups, newest first.
func (fc FollowupController) List(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	page, perPage := bindPage(b)
	if b.err != nil {
		return nil, b.err
	}
	rows, total, err := followup.PatientFollowups(c.Request.Context(), fc.DB, viewer, id, page, perPage)
	if err != nil {
		return nil, err
	}
	out := make([]followupJSON, len(rows))
	for i, f := range rows {
		out[i] = presentFollowup(f)
	}
	return followupListJSON{FollowupData: out, pageJSON: pageOf(total, page, perPage)}, nil
}

// Due is GET /followup/due: the patients to follow up today (default),
// overdue or upcoming, soonest first; a consultant's own, a manager's
// across consultants (author_id narrows it), with the pool's paging.
func (fc FollowupController) Due(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	due := followup.DueToday
	if d, ok := b.optionalChoice(followup.DueLists, "due"); ok {
		due = d
	}
	var filter patient.PatientFilter
	if author := b.optionalInt(1, maxID, "author_id"); author != nil {
		id := uint64(*author)
		filter.AuthorID = &id
	}
	page := patient.PatientPage{Sort: patient.NextFollowupSort}
	page.Page, page.PerPage = bindPageOf(b, fc.Clinic.Settings(c).DefaultPageSize)
	if b.err != nil {
		return nil, b.err
	}
	filter.NextFollowupTime = followup.DueRange(due, fc.Now(), fc.Clinic.Location(c))
	rows, total, err := patient.ListPatients(c.Request.Context(), fc.DB, viewer, filter, page)
	if err != nil {
		return nil, err
	}
	return patientListJSON{PatientData: presentPatients(rows, viewer), pageJSON: pageOf(total, page.Page, page.PerPage)}, nil
}
