package oplog

import (
	"context"
	"crm/models/access"
	"crm/models/store"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OpLogEntry is one line of the operation log (行为日志).
type OpLogEntry struct {
	ID         uint64
	UserID     *uint64
	Username   string
	Action     string
	TargetType string
	TargetID   string
	Address    string
	Summary    string // a JSON object, bounded
	CreatedAt  time.Time
}

func (OpLogEntry) TableName() string { return "op_log" }

// Operation log actions. They are stored: renaming one needs a migration.
const (
	OpLogin           = "session.login"
	OpLoginFailed     = "session.login_failed"
	OpLogout          = "session.logout"
	OpRefreshReused   = "session.refresh_reused"
	OpPatientCreate   = "patient.create"
	OpPatientUpdate   = "patient.update"
	OpPatientState    = "patient.state"
	OpPatientDelete   = "patient.delete"
	OpPatientRestore  = "patient.restore"
	OpPatientPurge    = "patient.purge"
	OpPatientExport   = "patient.export"
	OpPatientReassign = "patient.reassign"
	OpPatientFollowup = "patient.followup"
	OpPatientVisit    = "patient.visit"
	OpPatientImport   = "patient.import"
	OpNoticeCreate    = "notice.create"
	OpNoticeUpdate    = "notice.update"
	OpNoticeDelete    = "notice.delete"
	OpSettingUpdate   = "setting.update"
	OpUserCreate      = "user.create"
	OpUserUpdate      = "user.update"
	OpUserPassword    = "user.password_reset"
	OpOwnPassword     = "user.password_change"
	OpUserDelete      = "user.delete"
	OpRoleCreate      = "role.create"
	OpRoleUpdate      = "role.update"
	OpRoleDelete      = "role.delete"
	OpMenuCreate      = "menu.create"
	OpMenuUpdate      = "menu.update"
	OpMenuDelete      = "menu.delete"
	OpDictCreate      = "dict.create"
	OpDictUpdate      = "dict.update"
	OpDictDelete      = "dict.delete"
	OpDictReorder     = "dict.reorder"
	OpLegacyImport    = "legacy.import"
	OpScheduleSave    = "schedule.save"
	OpAppointment     = "patient.appointment"
	OpNoShows         = "appointment.no_show"
)

// Target types.
const (
	TargetSession = "session"
	TargetPatient = "patient"
	TargetUser    = "user"
	TargetRole    = "role"
	TargetMenu    = "menu"
	TargetNotice  = "notice"
	TargetSetting = "setting"
	TargetDoctor  = "doctor"
)

// Bounds of a summary: no whole request bodies in the log, and never a
// password or token (no caller puts one in).
const (
	maxSummaryValueRunes = 100
	maxSummaryChanges    = 20
	maxSummaryBytes      = 4000
)

// opRecord is an entry about to be written.
type OpRecord struct {
	UserID     *uint64
	Username   string
	Address    string
	Action     string
	TargetType string
	TargetID   uint64
	Summary    map[string]any
}

func (r OpRecord) Entry(now time.Time) OpLogEntry {
	entry := OpLogEntry{
		UserID: r.UserID, Username: store.BoundedText(r.Username, 32), Action: r.Action, TargetType: r.TargetType,
		Address: store.BoundedText(r.Address, 45), Summary: boundedSummary(r.Summary), CreatedAt: now,
	}
	if r.TargetID != 0 {
		entry.TargetID = strconv.FormatUint(r.TargetID, 10)
	}
	return entry
}

func (r OpRecord) Write(tx *gorm.DB, now time.Time) error {
	entry := r.Entry(now)
	return tx.Create(&entry).Error
}

// viewerOp is what the viewer did, as the log records it.
func ViewerOp(v access.Viewer, action, targetType string, targetID uint64, summary map[string]any) OpRecord {
	id := v.UserID
	return OpRecord{UserID: &id, Username: v.Username, Address: v.Address, Action: action,
		TargetType: targetType, TargetID: targetID, Summary: summary}
}

// recordOp logs what the viewer did, inside the transaction of the change.
func RecordOp(tx *gorm.DB, v access.Viewer, action, targetType string, targetID uint64, summary map[string]any, now time.Time) error {
	return ViewerOp(v, action, targetType, targetID, summary).Write(tx, now)
}

// RecordSystemOp logs what no user did directly (an import from the
// command line), under a descriptive name.
func RecordSystemOp(db *gorm.DB, actor, action string, summary map[string]any, now time.Time) error {
	return OpRecord{Username: actor, Action: action, Summary: summary}.Write(db, now)
}

// changesSummary bounds a list of changes for the log. Phone numbers are
// masked: the log is for auditing who did what, and the patient's own
// history keeps the numbers for those allowed to see them.
func ChangesSummary(changes []Change) map[string]any {
	out := make([]Change, 0, min(len(changes), maxSummaryChanges))
	for i, c := range changes {
		if i == maxSummaryChanges {
			break
		}
		if c.Field == "tel" {
			c.From, c.To = maskedTel(c.From), maskedTel(c.To)
		}
		out = append(out, Change{Field: c.Field, From: shortened(c.From), To: shortened(c.To)})
	}
	summary := map[string]any{"changes": out}
	if len(changes) > maxSummaryChanges {
		summary["more"] = len(changes) - maxSummaryChanges
	}
	return summary
}

func maskedTel(tel *string) *string {
	if tel == nil {
		return nil
	}
	masked := access.MaskPhone(access.PhoneDigits(tel))
	return &masked
}

func shortened(s *string) *string {
	if s == nil || utf8.RuneCountInString(*s) <= maxSummaryValueRunes {
		return s
	}
	cut := string([]rune(*s)[:maxSummaryValueRunes]) + "…"
	return &cut
}

func boundedSummary(summary map[string]any) string {
	if summary == nil {
		summary = map[string]any{}
	}
	encoded, err := json.Marshal(summary)
	if err != nil || len(encoded) > maxSummaryBytes {
		return `{"truncated":true}`
	}
	return string(encoded)
}

// OpLogFilter narrows the log; zero values do not filter.
type OpLogFilter struct {
	UserID     *uint64
	Action     string
	TargetType string
	From, To   *time.Time
}

// ListOpLog pages through the log, newest first, with the total for the
// filter. Reading it needs log.view; nothing changes or deletes it but
// PruneOpLog.
func ListOpLog(ctx context.Context, db *gorm.DB, f OpLogFilter, page, perPage int) ([]OpLogEntry, int64, error) {
	q := db.WithContext(ctx).Model(&OpLogEntry{})
	if f.UserID != nil {
		q = q.Where(clause.Eq{Column: "user_id", Value: *f.UserID})
	}
	if f.Action != "" {
		q = q.Where(clause.Eq{Column: "action", Value: f.Action})
	}
	if f.TargetType != "" {
		q = q.Where(clause.Eq{Column: "target_type", Value: f.TargetType})
	}
	if f.From != nil {
		q = q.Where(clause.Gte{Column: "created_at", Value: *f.From})
	}
	if f.To != nil {
		q = q.Where(clause.Lte{Column: "created_at", Value: *f.To})
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []OpLogEntry
	err := q.Order("created_at DESC, id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&rows).Error
	return rows, total, err
}

// PruneOpLog deletes entries older than before, batch rows at a time, so
// a large backlog never holds a long lock. It returns how many it deleted.
func PruneOpLog(ctx context.Context, db *gorm.DB, before time.Time, batch int) (int64, error) {
	return store.PruneOlder(db.WithContext(ctx), &OpLogEntry{}, before, batch)
}

// Change is one field of a row (a patient, a user, a dictionary entry…) going from one value to another, as the
// contract writes values: strings or null.
type Change struct {
	Field string  `json:"field"`
	From  *string `json:"from"`
	To    *string `json:"to"`
}
