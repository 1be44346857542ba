package models

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"crm/apierr"
)

// The dictionaries a patient points at by id. Disabled rows stay valid on
// old patients but cannot be chosen for new ones.

type Disease struct {
	ID        uint64
	ParentID  uint64 // 0: a department; otherwise the department's id
	Name      string
	SortOrder int
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

type Doctor struct {
	ID           uint64
	Name         string
	Title        string
	Introduction string
	SortOrder    int
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type MediaChannel struct {
	ID        uint64
	Name      string
	SortOrder int
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

type AdvisoryWay struct {
	ID        uint64
	Name      string
	SortOrder int
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// dictionaryRef is one optional dictionary id of a patient being written.
type dictionaryRef struct {
	field string // the parameter name the client used, for the 40035 message
	model any    // &Disease{} and so on: names the table without a string
	id    *uint64
	// unchanged marks an id the patient already holds: a disabled entry
	// stays acceptable there.
	unchanged bool
}

// checkReferences refuses ids that do not exist, and disabled entries
// unless the patient already had them.
func checkReferences(db *gorm.DB, refs ...dictionaryRef) error {
	for _, ref := range refs {
		if ref.id == nil {
			continue
		}
		var row struct{ Enabled bool }
		err := db.Model(ref.model).Select("enabled").Where("id = ?", *ref.id).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apierr.Invalid(ref.field)
		}
		if err != nil {
			return err
		}
		if !row.Enabled && !ref.unchanged {
			return apierr.Invalid(ref.field)
		}
	}
	return nil
}
