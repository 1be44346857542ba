package staff

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Session is one login. Only the token whose id is CurrentJTI works; the
// refresh window counts from CreatedAt, the login, not from the last refresh.
type Session struct {
	ID           uint64
	UserID       uint64
	CurrentJTI   string `gorm:"column:current_jti"`
	PreviousJTI  string `gorm:"column:previous_jti"`
	RotatedAt    *time.Time
	CreatedAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
	ClientIP     string `gorm:"column:client_ip"`
	UserAgent    string
}

// Why a session ended, as recorded in sessions.revoke_reason.
const (
	RevokedByLogout       = "logout"
	RevokedByRefreshReuse = "refresh_reuse"
)

// maxUserAgent matches the column; longer agents are cut, not refused.
const maxUserAgent = 255

// OpenSession records a successful login: the session and its log entry.
func OpenSession(ctx context.Context, db *gorm.DB, u User, jti, clientIP, userAgent string, now time.Time) (Session, error) {
	s := Session{UserID: u.ID, CurrentJTI: jti, CreatedAt: now, ClientIP: store.BoundedText(clientIP, 45),
		UserAgent: store.BoundedText(userAgent, maxUserAgent)}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&s).Error; err != nil {
			return err
		}
		return oplog.OpRecord{UserID: &u.ID, Username: u.Username, Address: clientIP, Action: oplog.OpLogin,
			TargetType: oplog.TargetSession, TargetID: s.ID}.Write(tx, now)
	})
	return s, err
}

// Why a login failed, as the log records it.
const (
	LoginNoSuchUser    = "no_such_user"
	LoginWrongPassword = "wrong_password"
	LoginDisabled      = "disabled"
)

// RecordLoginFailure logs a failed login: the username tried (the binding
// allows only short, plain names), the address, and why.
func RecordLoginFailure(ctx context.Context, db *gorm.DB, userID *uint64, username, address, reason string, now time.Time) error {
	return oplog.OpRecord{UserID: userID, Username: username, Address: address, Action: oplog.OpLoginFailed,
		TargetType: oplog.TargetSession, Summary: map[string]any{"reason": reason}}.Write(db.WithContext(ctx), now)
}

// ErrSessionInvalid covers every reason a session cannot be used; callers
// must not tell them apart to the client.
var ErrSessionInvalid = apierr.ErrInvalidToken

// SessionView is a session with what a request needs of its user and
// role, read in one query by primary keys.
type SessionView struct {
	CurrentJTI string
	Revoked    bool
	Enabled    bool
	Viewer     access.Viewer // the session's user as it acts, but for its address
}

// LoadSessionView reads a session, its user and the user's role;
// ErrSessionInvalid if any of them is gone.
func LoadSessionView(ctx context.Context, db *gorm.DB, sessionID uint64) (SessionView, error) {
	var row struct {
		SessionID   uint64
		UserID      uint64
		CurrentJTI  string
		RevokedAt   *time.Time
		Username    string
		DisplayName string
		Enabled     bool
		RoleID      uint64
		RoleKey     string
		Permissions access.PermissionSet
	}
	err := db.WithContext(ctx).Table("sessions").
		Select("sessions.id AS session_id, sessions.user_id, sessions.current_jti, sessions.revoked_at, "+
			"users.username, users.display_name, users.enabled, users.role_id, roles.role_key, roles.permissions").
		Joins("JOIN users ON users.id = sessions.user_id").
		Joins("JOIN roles ON roles.id = users.role_id").
		Where("sessions.id = ?", sessionID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return SessionView{}, ErrSessionInvalid
	}
	if err != nil {
		return SessionView{}, err
	}
	u := User{ID: row.UserID, Username: row.Username, DisplayName: row.DisplayName, RoleID: row.RoleID,
		Role: Role{ID: row.RoleID, Key: row.RoleKey, Permissions: row.Permissions}}
	return SessionView{CurrentJTI: row.CurrentJTI, Revoked: row.RevokedAt != nil, Enabled: row.Enabled,
		Viewer: u.Viewer(row.SessionID)}, nil
}

// ActiveViewer is the per-request check: the session is not revoked,
// still belongs to the token's user and holds this token id, and the user
// is enabled.
func (s SessionView) ActiveViewer(userID uint64, jti string) (access.Viewer, error) {
	if s.Revoked || s.Viewer.UserID != userID || s.CurrentJTI != jti || !s.Enabled {
		return access.Viewer{}, ErrSessionInvalid
	}
	return s.Viewer, nil
}

// RefreshableSession checks what a refresh (or a 42001 answer) needs: the
// session is alive, the user enabled, and the login is within window.
func RefreshableSession(ctx context.Context, db *gorm.DB, sessionID, userID uint64, window time.Duration, now time.Time) (Session, error) {
	db = db.WithContext(ctx)
	s, err := findSession(db, sessionID)
	if err != nil {
		return Session{}, err
	}
	if s.RevokedAt != nil || s.UserID != userID || !now.Before(s.CreatedAt.Add(window)) {
		return Session{}, ErrSessionInvalid
	}
	if _, err := enabledUser(db, userID); err != nil {
		return Session{}, err
	}
	return s, nil
}

var ErrRefreshReused = errors.New("refresh token reused; session revoked")

// RotateSession replaces presentedJTI by newJTI with one conditional UPDATE,
// so of two racing refreshes exactly one wins. The loser's token is either
// the one just rotated away (a second tab, within grace: plain 40014)
// or an older one (replay: the whole session is revoked, ErrRefreshReused).
func RotateSession(ctx context.Context, db *gorm.DB, s Session, presentedJTI, newJTI, address string, now time.Time, grace time.Duration) error {
	db = db.WithContext(ctx)
	res := db.Model(&Session{}).
		Where("id = ? AND current_jti = ? AND revoked_at IS NULL", s.ID, presentedJTI).
		Updates(map[string]any{"current_jti": newJTI, "previous_jti": presentedJTI, "rotated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	current, err := findSession(db, s.ID)
	if err != nil {
		return err
	}
	if current.RevokedAt != nil {
		return ErrSessionInvalid
	}
	if presentedJTI == current.PreviousJTI && current.RotatedAt != nil && now.Sub(*current.RotatedAt) <= grace {
		return ErrSessionInvalid
	}
	if err := RevokeSession(ctx, db, s.ID, RevokedByRefreshReuse, address, now); err != nil {
		return err
	}
	return ErrRefreshReused
}

// RevokeSession ends a session (a logout, or a replayed refresh token) and
// logs it; revoking an ended one changes and logs nothing.
func RevokeSession(ctx context.Context, db *gorm.DB, sessionID uint64, reason, address string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Session{}).Where("id = ? AND revoked_at IS NULL", sessionID).
			Updates(map[string]any{"revoked_at": now, "revoke_reason": reason})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		var owner struct {
			ID       uint64
			Username string
		}
		err := tx.Table("sessions").Select("users.id, users.username").
			Joins("JOIN users ON users.id = sessions.user_id").
			Where("sessions.id = ?", sessionID).Take(&owner).Error
		if err != nil {
			return err
		}
		action := oplog.OpLogout
		if reason == RevokedByRefreshReuse {
			action = oplog.OpRefreshReused
		}
		return oplog.OpRecord{UserID: &owner.ID, Username: owner.Username, Address: address, Action: action,
			TargetType: oplog.TargetSession, TargetID: sessionID}.Write(tx, now)
	})
}

func findSession(db *gorm.DB, id uint64) (Session, error) {
	var s Session
	err := db.Take(&s, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, ErrSessionInvalid
	}
	return s, err
}

func enabledUser(db *gorm.DB, id uint64) (User, error) {
	var u User
	err := db.Joins("Role").Where("users.id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrSessionInvalid
	}
	if err != nil {
		return User{}, err
	}
	if !u.Enabled {
		return User{}, ErrSessionInvalid
	}
	return u, nil
}

// PruneSessions deletes sessions logged in before the given time: past
// their refresh window they can no longer be used for anything.
func PruneSessions(ctx context.Context, db *gorm.DB, before time.Time, batch int) (int64, error) {
	return store.PruneOlder(db.WithContext(ctx), &Session{}, before, batch)
}
