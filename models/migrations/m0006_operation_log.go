package migrations

import (
	"time"

	"gorm.io/gorm"
)

// opLog0006 is the operation log (行为日志): who did what to which record,
// from where, and a bounded summary of the change. It is append-only
// through the API, indexed for its filters, and pruned by age.
type opLog0006 struct {
	ID         uint64    `gorm:"primaryKey"`
	UserID     *uint64   `gorm:"index:idx_op_log_user_created,priority:1"`
	Username   string    `gorm:"type:varchar(32);not null;default:''"`
	Action     string    `gorm:"type:varchar(32);not null;index:idx_op_log_action_created,priority:1"`
	TargetType string    `gorm:"type:varchar(32);not null;default:'';index:idx_op_log_target_created,priority:1"`
	TargetID   string    `gorm:"type:varchar(32);not null;default:''"`
	Address    string    `gorm:"type:varchar(45);not null;default:''"`
	Summary    string    `gorm:"type:text;not null"`
	CreatedAt  time.Time `gorm:"not null;index:idx_op_log_created_at;index:idx_op_log_user_created,priority:2;index:idx_op_log_action_created,priority:2;index:idx_op_log_target_created,priority:2"`
}

func (opLog0006) TableName() string { return "op_log" }

func createOperationLog(tx *gorm.DB) error {
	return withTableOptions(tx).Migrator().CreateTable(&opLog0006{})
}
