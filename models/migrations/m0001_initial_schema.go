package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Frozen copies of the tables as 0001 creates them.

type role0001 struct {
	ID          uint64    `gorm:"primaryKey"`
	Key         string    `gorm:"column:role_key;type:varchar(32);not null;uniqueIndex:uq_roles_role_key"`
	Name        string    `gorm:"type:varchar(32);not null;uniqueIndex:uq_roles_name"`
	Permissions string    `gorm:"type:text;not null"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

func (role0001) TableName() string { return "roles" }

type user0001 struct {
	ID           uint64    `gorm:"primaryKey"`
	Username     string    `gorm:"type:varchar(32);not null;uniqueIndex:uq_users_username"`
	DisplayName  string    `gorm:"type:varchar(32);not null;default:''"`
	PasswordHash string    `gorm:"type:varchar(255);not null"`
	RoleID       uint64    `gorm:"not null;index:idx_users_role_id"`
	Role         *role0001 `gorm:"foreignKey:RoleID;constraint:OnDelete:RESTRICT"`
	Enabled      bool      `gorm:"not null;default:true"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

func (user0001) TableName() string { return "users" }

// session0001: one row per login. current_jti is the only token of the
// session that works; previous_jti and rotated_at tell a second tab's
// late refresh from a stolen token being replayed.
type session0001 struct {
	ID           uint64     `gorm:"primaryKey"`
	UserID       uint64     `gorm:"not null;index:idx_sessions_user_id"`
	User         *user0001  `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
	CurrentJTI   string     `gorm:"column:current_jti;type:varchar(32);not null"`
	PreviousJTI  string     `gorm:"column:previous_jti;type:varchar(32);not null;default:''"`
	RotatedAt    *time.Time `gorm:"column:rotated_at"`
	CreatedAt    time.Time  `gorm:"not null;index:idx_sessions_created_at"`
	RevokedAt    *time.Time `gorm:"column:revoked_at"`
	RevokeReason string     `gorm:"type:varchar(32);not null;default:''"`
	ClientIP     string     `gorm:"column:client_ip;type:varchar(45);not null;default:''"`
	UserAgent    string     `gorm:"type:varchar(255);not null;default:''"`
}

func (session0001) TableName() string { return "sessions" }

type menu0001 struct {
	ID        uint64    `gorm:"primaryKey"`
	ParentID  uint64    `gorm:"not null;default:0;index:idx_menus_parent_id"`
	Title     string    `gorm:"type:varchar(32);not null"`
	Name      string    `gorm:"type:varchar(16);not null;uniqueIndex:uq_menus_name"`
	URL       string    `gorm:"column:url;type:varchar(64);not null;default:''"`
	SortOrder int       `gorm:"not null;default:0"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (menu0001) TableName() string { return "menus" }

type roleMenu0001 struct {
	RoleID uint64    `gorm:"primaryKey;autoIncrement:false"`
	MenuID uint64    `gorm:"primaryKey;autoIncrement:false;index:idx_role_menus_menu_id"`
	Role   *role0001 `gorm:"foreignKey:RoleID;constraint:OnDelete:CASCADE"`
	Menu   *menu0001 `gorm:"foreignKey:MenuID;constraint:OnDelete:CASCADE"`
}

func (roleMenu0001) TableName() string { return "role_menus" }

// disease0001: parent_id 0 marks a department, otherwise the department
// the disease belongs to.
type disease0001 struct {
	ID        uint64    `gorm:"primaryKey"`
	ParentID  uint64    `gorm:"not null;default:0;index:idx_diseases_parent_id"`
	Name      string    `gorm:"type:varchar(64);not null;uniqueIndex:uq_diseases_name"`
	SortOrder int       `gorm:"not null;default:0"`
	Enabled   bool      `gorm:"not null;default:true"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (disease0001) TableName() string { return "diseases" }

type doctor0001 struct {
	ID           uint64    `gorm:"primaryKey"`
	Name         string    `gorm:"type:varchar(32);not null;uniqueIndex:uq_doctors_name"`
	Title        string    `gorm:"type:varchar(32);not null;default:''"`
	Introduction string    `gorm:"type:text"`
	SortOrder    int       `gorm:"not null;default:0"`
	Enabled      bool      `gorm:"not null;default:true"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

func (doctor0001) TableName() string { return "doctors" }

type mediaChannel0001 struct {
	ID        uint64    `gorm:"primaryKey"`
	Name      string    `gorm:"type:varchar(32);not null;uniqueIndex:uq_media_channels_name"`
	SortOrder int       `gorm:"not null;default:0"`
	Enabled   bool      `gorm:"not null;default:true"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (mediaChannel0001) TableName() string { return "media_channels" }

type advisoryWay0001 struct {
	ID        uint64    `gorm:"primaryKey"`
	Name      string    `gorm:"type:varchar(32);not null;uniqueIndex:uq_advisory_ways_name"`
	SortOrder int       `gorm:"not null;default:0"`
	Enabled   bool      `gorm:"not null;default:true"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (advisoryWay0001) TableName() string { return "advisory_ways" }

// patient0001: times are unix seconds as the contract speaks them.
// tel_digits holds the phone's digits only, for duplicate checks and exact
// search. The composite indexes serve the list's default order (add_time)
// under the consultant's scope (author_id) and the common state filter.
type patient0001 struct {
	ID              uint64            `gorm:"primaryKey"`
	Name            string            `gorm:"type:varchar(30);not null;index:idx_patients_name"`
	Sex             int8              `gorm:"type:tinyint;not null;default:0"`
	Age             *int16            `gorm:"type:smallint"`
	Tel             *string           `gorm:"type:varchar(20)"`
	TelDigits       string            `gorm:"type:varchar(20);not null;default:'';index:idx_patients_tel_digits"`
	Wechat          *string           `gorm:"type:varchar(64);index:idx_patients_wechat"`
	QQ              *string           `gorm:"column:qq;type:varchar(20);index:idx_patients_qq"`
	AddTime         int64             `gorm:"not null;index:idx_patients_add_time;index:idx_patients_author_add_time,priority:2;index:idx_patients_state_add_time,priority:2"`
	OrderTime       *int64            `gorm:"index:idx_patients_order_time"`
	ReachTime       *int64            `gorm:"index:idx_patients_reach_time"`
	DiseaseID       *uint64           `gorm:"index:idx_patients_disease_id"`
	Disease         *disease0001      `gorm:"foreignKey:DiseaseID;constraint:OnDelete:RESTRICT"`
	AuthorID        uint64            `gorm:"not null;index:idx_patients_author_add_time,priority:1"`
	Author          *user0001         `gorm:"foreignKey:AuthorID;constraint:OnDelete:RESTRICT"`
	State           int8              `gorm:"type:tinyint;not null;index:idx_patients_state_add_time,priority:1"`
	MediaFromID     *uint64           `gorm:"column:media_from_id;index:idx_patients_media_from_id"`
	MediaFrom       *mediaChannel0001 `gorm:"foreignKey:MediaFromID;constraint:OnDelete:RESTRICT"`
	DoctorID        *uint64           `gorm:"index:idx_patients_doctor_id"`
	Doctor          *doctor0001       `gorm:"foreignKey:DoctorID;constraint:OnDelete:RESTRICT"`
	AdvisoryWay     *string           `gorm:"type:varchar(32)"`
	AdvisoryContent *string           `gorm:"type:text"`
	Area            *string           `gorm:"type:varchar(64)"`
	Remarks         *string           `gorm:"type:text"`
	CreatedAt       time.Time         `gorm:"not null"`
	UpdatedAt       time.Time         `gorm:"not null"`
	DeletedAt       gorm.DeletedAt    // indexed per dialect below
}

func (patient0001) TableName() string { return "patients" }

// setting0001 keeps installation-wide values such as a generated JWT secret,
// so restarts and replicas share them.
type setting0001 struct {
	Name      string    `gorm:"primaryKey;type:varchar(64)"`
	Value     string    `gorm:"type:text;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (setting0001) TableName() string { return "settings" }

func createInitialSchema(tx *gorm.DB) error {
	tx = withTableOptions(tx)
	tables := []any{
		&role0001{}, &user0001{}, &session0001{}, &menu0001{}, &roleMenu0001{},
		&disease0001{}, &doctor0001{}, &mediaChannel0001{}, &advisoryWay0001{},
		&patient0001{}, &setting0001{},
	}
	for _, table := range tables {
		if err := tx.Migrator().CreateTable(table); err != nil {
			return err
		}
	}
	if tx.Dialector.Name() != "mysql" {
		// Partial: nearly every row has deleted_at NULL, and SQLite's
		// planner, lacking statistics, would pick a full index for
		// "deleted_at IS NULL" and sort the whole table instead of walking
		// the add_time index. Only the recycle bin needs this one.
		return tx.Exec("CREATE INDEX idx_patients_deleted_at ON patients (deleted_at) WHERE deleted_at IS NOT NULL").Error
	}
	if err := tx.Exec("CREATE INDEX idx_patients_deleted_at ON patients (deleted_at)").Error; err != nil {
		return err
	}
	// Usernames compare exactly on both databases (SQLite's = is binary).
	return tx.Exec("ALTER TABLE users MODIFY username varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL").Error
}
