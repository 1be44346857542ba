package migrations

import (
	"time"

	"gorm.io/gorm"
)

// idempotencyKey0013 is a creating request made with an Idempotency-Key:
// claimed before the request runs, marked committed in the same
// transaction as what it creates, then given the answer to replay.
type idempotencyKey0013 struct {
	ID     uint64 `gorm:"primaryKey"`
	UserID uint64 `gorm:"not null;uniqueIndex:idx_idempotency_keys_user_key,priority:1"`
	// KeyHash is the SHA-256 of the key, in hex: fixed width, and compared
	// byte for byte whatever the column's collation.
	KeyHash string `gorm:"type:char(64);not null;uniqueIndex:idx_idempotency_keys_user_key,priority:2"`
	// Request is the method and route; Fingerprint the SHA-256 of the
	// parameters: a key reused for another request is refused.
	Request     string    `gorm:"type:varchar(200);not null"`
	Fingerprint string    `gorm:"type:char(64);not null"`
	State       string    `gorm:"type:varchar(16);not null"` // pending, committed, done
	ResourceID  *uint64   // what the request created, once committed
	Status      int       `gorm:"not null;default:0"` // the answer's HTTP status, once done
	ContentType string    `gorm:"type:varchar(100);not null;default:''"`
	Body        *string   `gorm:"type:text"`
	CreatedAt   time.Time `gorm:"not null;index"`
}

func (idempotencyKey0013) TableName() string { return "idempotency_keys" }

func createIdempotencyKeys(tx *gorm.DB) error {
	return withTableOptions(tx).Migrator().CreateTable(&idempotencyKey0013{})
}
