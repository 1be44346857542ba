package controllers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/reminder"
)

// ReminderController serves the reminders' settings (rules, template,
// quiet hours) and the send log.
type ReminderController struct {
	DB  *gorm.DB
	Now func() time.Time
}

type reminderSettingsJSON struct {
	Enabled    string   `json:"enabled"`
	Rules      string   `json:"rules"`
	Template   string   `json:"template"`
	QuietHours string   `json:"quietHours"`
	Address    string   `json:"address"`
	Variables  []string `json:"variables"`
}

type reminderSettingsEnvelope struct {
	Reminders reminderSettingsJSON `json:"reminders"`
}

func presentReminderSettings(s reminder.Settings) reminderSettingsEnvelope {
	return reminderSettingsEnvelope{reminderSettingsJSON{Enabled: flag(s.Enabled), Rules: s.RulesText(), Template: s.Template,
		QuietHours: s.QuietText(), Address: s.Address, Variables: reminder.Variables}}
}

// Settings is GET /reminder/settings.
func (rc ReminderController) Settings(c *gin.Context) (any, error) {
	if _, err := middleware.CurrentUser(c); err != nil {
		return nil, err
	}
	s, err := reminder.Load(rc.DB.WithContext(c.Request.Context()))
	if err != nil {
		return nil, err
	}
	return presentReminderSettings(s), nil
}

// reminderTextRule bounds the free texts; the model checks their forms.
var reminderTextRule = textRule{maxRunes: reminder.MaxTemplateRunes, multiline: true}

// SaveSettings is PUT /reminder/settings: enabled, rules, template,
// quiet_hours, address; those sent change.
func (rc ReminderController) SaveSettings(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	ch := reminder.Change{Enabled: b.optionalBool("enabled")}
	text := func(name string) *string {
		if !b.sent(name) {
			return nil
		}
		v := deref(b.optionalText(reminderTextRule, name))
		return &v
	}
	ch.Rules, ch.Template, ch.Quiet, ch.Address = text("rules"), text("template"), text("quiet_hours"), text("address")
	if b.err != nil {
		return nil, b.err
	}
	s, err := reminder.Update(c.Request.Context(), rc.DB, viewer, ch, rc.Now())
	if err != nil {
		return nil, err
	}
	return presentReminderSettings(s), nil
}

type outboxEntryJSON struct {
	ID            string  `json:"id"`
	AppointmentID string  `json:"appointmentId"`
	PatientID     string  `json:"patientId"`
	PatientName   string  `json:"patientName"`
	Rule          string  `json:"rule"`
	StartTime     string  `json:"startTime"`
	DueAt         string  `json:"dueAt"`
	Status        string  `json:"status"`
	Attempts      string  `json:"attempts"`
	Provider      string  `json:"provider"`
	ProviderID    string  `json:"providerId"`
	RequestID     string  `json:"requestId"`
	ErrorCode     string  `json:"errorCode"`
	Error         string  `json:"error"`
	Body          string  `json:"body"`
	SentAt        *string `json:"sentAt"`
}

type outboxJSON struct {
	ReminderData []outboxEntryJSON `json:"reminder_data"`
	pageJSON
}

func presentOutboxEntry(e reminder.Entry) outboxEntryJSON {
	return outboxEntryJSON{ID: strconv.FormatUint(e.ID, 10), AppointmentID: strconv.FormatUint(e.AppointmentID, 10),
		PatientID: strconv.FormatUint(e.PatientID, 10), PatientName: e.PatientName, Rule: e.Rule,
		StartTime: strconv.FormatInt(e.StartTime, 10), DueAt: strconv.FormatInt(e.DueAt, 10), Status: e.Status,
		Attempts: strconv.Itoa(int(e.Attempts)), Provider: e.Provider, ProviderID: e.ProviderID, RequestID: e.RequestID,
		ErrorCode: e.ErrorCode, Error: e.Error, Body: e.Body, SentAt: optionalInt(e.SentAt)}
}

// Outbox is GET /reminder/outbox?status=&from=&to=&page=&per_page=: the
// send log, latest due first.
func (rc ReminderController) Outbox(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	var f reminder.Filter
	f.Status, _ = b.optionalChoice(reminder.Statuses, "status")
	f.From, f.To = b.optionalInt(minUnixTime, maxUnixTime, "from"), b.optionalInt(minUnixTime, maxUnixTime, "to")
	page, perPage := bindPage(b)
	if b.err != nil {
		return nil, b.err
	}
	rows, total, err := reminder.List(c.Request.Context(), rc.DB, viewer, f, page, perPage)
	if err != nil {
		return nil, err
	}
	out := make([]outboxEntryJSON, len(rows))
	for i, e := range rows {
		out[i] = presentOutboxEntry(e)
	}
	return outboxJSON{ReminderData: out, pageJSON: pageOf(total, page, perPage)}, nil
}
