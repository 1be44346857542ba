package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Migration 0019: notices (通知) that managers publish to staff, by role,
// and who has read each; behind the seeded menu 通知管理. notice.manage
// goes to managers and the superadmin.
type notice0019 struct {
	ID        uint64    `gorm:"primaryKey"`
	Title     string    `gorm:"type:varchar(100);not null"`
	Body      string    `gorm:"type:text;not null"`
	Audience  string    `gorm:"type:varchar(255);not null;default:''"` // role keys, space-separated; '' is everyone
	Pinned    bool      `gorm:"not null;default:false;index:idx_notices_order,priority:1"`
	UserID    *uint64   `gorm:"index"`
	User      *user0001 `gorm:"foreignKey:UserID;constraint:OnDelete:SET NULL"`
	Username  string    `gorm:"type:varchar(32);not null"`
	CreatedAt time.Time `gorm:"not null;index:idx_notices_order,priority:2"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (notice0019) TableName() string { return "notices" }

type noticeRead0019 struct {
	NoticeID uint64      `gorm:"primaryKey;autoIncrement:false"`
	Notice   *notice0019 `gorm:"foreignKey:NoticeID;constraint:OnDelete:CASCADE"`
	UserID   uint64      `gorm:"primaryKey;autoIncrement:false;index"`
	User     *user0001   `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
	ReadAt   time.Time   `gorm:"not null"`
}

func (noticeRead0019) TableName() string { return "notice_reads" }

func createNotices(tx *gorm.DB) error {
	m := withTableOptions(tx).Migrator()
	for _, table := range []any{&notice0019{}, &noticeRead0019{}} {
		if !m.HasTable(table) {
			if err := m.CreateTable(table); err != nil {
				return err
			}
		}
	}
	return addRolePermissions(tx, map[string][]string{
		"manager":    {"notice.manage"},
		"superadmin": {"notice.manage", "setting.manage"},
	})
}
