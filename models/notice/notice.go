package notice

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/idempotency"
	"crm/models/oplog"
	"crm/models/staff"
	"crm/models/store"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notice is a message managers publish to staff (通知): to everyone, or to
// the users of some roles; pinned ones come first.
type Notice struct {
	ID        uint64
	Title     string
	Body      string
	Audience  string // role keys, space-separated; "" is everyone
	Pinned    bool
	UserID    *uint64
	Username  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (Notice) TableName() string { return "notices" }

type noticeRead struct {
	NoticeID uint64
	UserID   uint64
	ReadAt   time.Time
}

func (noticeRead) TableName() string { return "notice_reads" }

// Roles are the audience's role keys (none: everyone).
func (n Notice) Roles() []string { return strings.Fields(n.Audience) }

// NoticeView is a notice as one user sees it.
type NoticeView struct {
	Notice
	Read bool
}

// NoticeFields are a notice's writable fields; Set marks those sent.
type NoticeFields struct {
	Title    string
	Body     string
	Audience []string
	Pinned   bool
	Set      NoticeFieldSet
}

type NoticeFieldSet uint8

const (
	NoticeTitle NoticeFieldSet = 1 << iota
	NoticeBody
	NoticeAudience
	NoticePinned
)

var ErrUnknownAudience = apierr.Invalid("audience")

// visibleNotices are the notices addressed to v's role or to everyone.
func visibleNotices(db *gorm.DB, v access.Viewer) *gorm.DB {
	// The audience is a short list of keys: matched as a space-padded
	// word, parameterised.
	return db.Model(&Notice{}).Where(clause.Or(
		clause.Eq{Column: "audience", Value: ""},
		store.Like("audience", "% "+store.EscapeLike(v.RoleKey)+" %"),
	))
}

// ListNotices returns a page of the notices v may read, pinned first,
// then newest, with whether v has read each, how many there are and how
// many are unread.
func ListNotices(ctx context.Context, db *gorm.DB, v access.Viewer, page, perPage int) ([]NoticeView, int64, int64, error) {
	db = db.WithContext(ctx)
	var total, read int64
	if err := visibleNotices(db, v).Count(&total).Error; err != nil {
		return nil, 0, 0, err
	}
	err := visibleNotices(db, v).Joins("JOIN notice_reads ON notice_reads.notice_id = notices.id AND notice_reads.user_id = ?", v.UserID).
		Count(&read).Error
	if err != nil {
		return nil, 0, 0, err
	}
	var rows []Notice
	err = visibleNotices(db, v).Order("pinned DESC, created_at DESC, id DESC").
		Offset((page - 1) * perPage).Limit(perPage).Find(&rows).Error
	if err != nil {
		return nil, 0, 0, err
	}
	ids := make([]uint64, len(rows))
	for i, n := range rows {
		ids[i] = n.ID
	}
	var readIDs []uint64
	if len(ids) > 0 {
		err = db.Model(&noticeRead{}).Where(clause.IN{Column: "notice_id", Values: store.ToAny(ids)}).
			Where(clause.Eq{Column: "user_id", Value: v.UserID}).Pluck("notice_id", &readIDs).Error
		if err != nil {
			return nil, 0, 0, err
		}
	}
	out := make([]NoticeView, len(rows))
	for i, n := range rows {
		out[i] = NoticeView{Notice: n, Read: slices.Contains(readIDs, n.ID)}
	}
	return out, total, total - read, nil
}

// CreateNotice publishes a notice (notice.manage).
func CreateNotice(ctx context.Context, db *gorm.DB, v access.Viewer, f NoticeFields, now time.Time) (Notice, error) {
	var n Notice
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkAudience(tx, f.Audience); err != nil {
			return err
		}
		userID := v.UserID
		n = Notice{Title: f.Title, Body: f.Body, Audience: audienceText(f.Audience), Pinned: f.Pinned, UserID: &userID,
			Username: v.Username, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&n).Error; err != nil {
			return err
		}
		if err := idempotency.MarkIdempotencyCommitted(tx, ctx, n.ID); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpNoticeCreate, oplog.TargetNotice, n.ID, map[string]any{"title": n.Title, "audience": n.Audience}, now)
	})
	return n, err
}

// UpdateNotice changes the fields in f.Set.
func UpdateNotice(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, f NoticeFields, now time.Time) (Notice, error) {
	var n Notice
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "id", Value: id}).Take(&n).Error; err != nil {
			return store.NotFound(err)
		}
		if f.Set&NoticeAudience != 0 {
			if err := checkAudience(tx, f.Audience); err != nil {
				return err
			}
			n.Audience = audienceText(f.Audience)
		}
		if f.Set&NoticeTitle != 0 {
			n.Title = f.Title
		}
		if f.Set&NoticeBody != 0 {
			n.Body = f.Body
		}
		if f.Set&NoticePinned != 0 {
			n.Pinned = f.Pinned
		}
		n.UpdatedAt = now
		err := tx.Model(&Notice{}).Where(clause.Eq{Column: "id", Value: id}).Updates(map[string]any{
			"title": n.Title, "body": n.Body, "audience": n.Audience, "pinned": n.Pinned, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpNoticeUpdate, oplog.TargetNotice, n.ID, map[string]any{"title": n.Title, "audience": n.Audience}, now)
	})
	return n, err
}

// DeleteNotice removes a notice and who read it.
func DeleteNotice(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n Notice
		if err := tx.Where(clause.Eq{Column: "id", Value: id}).Take(&n).Error; err != nil {
			return store.NotFound(err)
		}
		if err := tx.Where(clause.Eq{Column: "notice_id", Value: id}).Delete(&noticeRead{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&n).Error; err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpNoticeDelete, oplog.TargetNotice, id, map[string]any{"title": n.Title}, now)
	})
}

// MarkNoticeRead records that v read a notice addressed to it (46001 for
// one that is not); reading it again changes nothing.
func MarkNoticeRead(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	db = db.WithContext(ctx)
	var n Notice
	if err := visibleNotices(db, v).Where(clause.Eq{Column: "id", Value: id}).Take(&n).Error; err != nil {
		return store.NotFound(err)
	}
	return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&noticeRead{NoticeID: id, UserID: v.UserID, ReadAt: now}).Error
}

// checkAudience: every key names an existing role.
func checkAudience(tx *gorm.DB, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	var n int64
	if err := tx.Model(&staff.Role{}).Where(clause.IN{Column: "role_key", Values: store.ToAny(keys)}).Count(&n).Error; err != nil {
		return err
	}
	if int(n) != len(keys) {
		return ErrUnknownAudience
	}
	return nil
}

// audienceText stores the keys padded with spaces, so that one is matched
// as a whole word.
func audienceText(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return " " + strings.Join(slices.Compact(keys), " ") + " "
}
