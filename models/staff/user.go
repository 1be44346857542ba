package staff

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/store"
	"errors"
	"regexp"
	"time"

	"gorm.io/gorm"
)

type Role struct {
	ID          uint64
	Key         string `gorm:"column:role_key"`
	Name        string
	Permissions access.PermissionSet `gorm:"type:text"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type User struct {
	ID             uint64
	Username       string
	DisplayName    string
	PasswordHash   string
	PasswordScheme string // SchemeBcrypt or SchemeLegacyMD5
	RoleID         uint64
	Role           Role `gorm:"foreignKey:RoleID"`
	Enabled        bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// How a password hash is checked. Accounts imported from the old PHP
// backend carry bcrypt(hex(md5(password))) until their first login: the
// bare md5 is never stored, and checking costs one bcrypt either way.
const (
	SchemeBcrypt    = "bcrypt"
	SchemeLegacyMD5 = "md5-bcrypt"
)

// UpgradePasswordHash replaces a legacy hash after a successful login. The
// condition on the old hash keeps two logins at once from racing.
func UpgradePasswordHash(ctx context.Context, db *gorm.DB, userID uint64, oldHash, newHash string) error {
	return db.WithContext(ctx).Model(&User{}).
		Where("id = ? AND password_hash = ? AND password_scheme = ?", userID, oldHash, SchemeLegacyMD5).
		Updates(map[string]any{"password_hash": newHash, "password_scheme": SchemeBcrypt}).Error
}

// LegacyHashUsers lists the accounts still on a wrapped md5 hash: the old
// database must be assumed leaked, so an administrator may force resets.
func LegacyHashUsers(ctx context.Context, db *gorm.DB) ([]User, error) {
	var users []User
	err := db.WithContext(ctx).Joins("Role").Where("users.password_scheme = ?", SchemeLegacyMD5).Order("users.id").Find(&users).Error
	return users, err
}

// AllUsers lists every account with its role, by id (for `crm user list`).
func AllUsers(ctx context.Context, db *gorm.DB) ([]User, error) {
	var users []User
	err := db.WithContext(ctx).Joins("Role").Order("users.id").Find(&users).Error
	return users, err
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.\-]{3,32}$`)

// ValidUsername is the rule for login and for new accounts alike.
func ValidUsername(name string) bool { return usernamePattern.MatchString(name) }

// Password lengths in bytes. bcrypt ignores everything past 72 bytes, so
// longer passwords are refused rather than silently truncated. Login accepts
// 4 bytes so accounts from the old system still work; new ones need 8.
const (
	MinLoginPasswordBytes = 4
	MinNewPasswordBytes   = 8
	MaxPasswordBytes      = 72
)

func ValidLoginPassword(p string) bool {
	return len(p) >= MinLoginPasswordBytes && len(p) <= MaxPasswordBytes
}

func ValidNewPassword(p string) bool {
	return len(p) >= MinNewPasswordBytes && len(p) <= MaxPasswordBytes
}

// FindUserForLogin loads the account with its role; ErrNotFound if none.
func FindUserForLogin(ctx context.Context, db *gorm.DB, username string) (User, error) {
	var u User
	err := db.WithContext(ctx).Joins("Role").Where("users.username = ?", username).Take(&u).Error
	return u, store.NotFound(err)
}

// NewUser is an account to create; PasswordHash is already bcrypt.
type NewUser struct {
	Username     string
	DisplayName  string
	PasswordHash string
	RoleKey      string
}

var (
	ErrUsernameTaken = apierr.Conflict("用户名已存在")
	ErrUnknownRole   = apierr.Invalid("role")
)

// CreateUser relies on the unique index for a taken username: a count
// before the insert would race.
func CreateUser(ctx context.Context, db *gorm.DB, in NewUser) (User, error) {
	db = db.WithContext(ctx)
	role, err := roleByKey(db, in.RoleKey)
	if err != nil {
		return User{}, err
	}
	return createUserWithRole(db, in, role)
}

// createUserWithRole inserts the account of in with role, already found.
func createUserWithRole(db *gorm.DB, in NewUser, role Role) (User, error) {
	u := User{Username: in.Username, DisplayName: in.DisplayName, PasswordHash: in.PasswordHash,
		PasswordScheme: SchemeBcrypt, RoleID: role.ID, Enabled: true}
	if err := db.Omit("Role").Create(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return User{}, ErrUsernameTaken
		}
		return User{}, err
	}
	u.Role = role
	return u, nil
}

func (u User) Viewer(sessionID uint64) access.Viewer {
	return access.Viewer{
		UserID:      u.ID,
		Username:    u.Username,
		DisplayName: u.DisplayName,
		RoleID:      u.RoleID,
		RoleKey:     u.Role.Key,
		Permissions: u.Role.Effective(),
		SessionID:   sessionID,
	}
}

// Effective is what the role may do. The superadmin role holds every
// permission the code defines, whatever its row says, so a permission added
// later can never lock the last administrator out.
func (r Role) Effective() access.PermissionSet {
	if r.Key == access.RoleSuperadmin {
		return access.AllPermissions()
	}
	return r.Permissions
}

// Shown is the name shown for the user: its display name, else its
// username.
func (u User) Shown() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}
