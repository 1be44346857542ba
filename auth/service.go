package auth

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"crm/apierr"
	"crm/config"
	"crm/internal/memo"
	"crm/models/access"
	"crm/models/staff"
)

// Service is login, refresh, logout and per-request authentication.
type Service struct {
	db        *gorm.DB
	tokens    *Tokens
	passwords *Passwords
	throttle  *LoginThrottle
	window    time.Duration
	// rotationGrace: a token just rotated away, presented again this soon
	// (a second tab), is refused without ending the session.
	rotationGrace time.Duration
	now           func() time.Time
	log           *slog.Logger
	// sessions serves the per-request session check from memory; changes
	// bump changes (after they commit), so they apply to the next request.
	sessions *memo.Cache[uint64, staff.SessionView]
	changes  *memo.Generation
}

// NewService builds the service; changes is the generation of the caches
// of sessions, users, roles and menus, which the service bumps when it
// refreshes or ends a session; with rdb (nil: none) the login throttle's
// buckets are shared by every replica.
func NewService(db *gorm.DB, cfg config.Auth, secret []byte, changes *memo.Generation, rdb *redis.Client,
	now func() time.Time, log *slog.Logger) (*Service, error) {
	tokens, err := NewTokens(secret, cfg, now)
	if err != nil {
		return nil, err
	}
	passwords, err := NewPasswords(cfg.BcryptCost, cfg.BcryptConcurrency, cfg.BcryptMaxWait)
	if err != nil {
		return nil, err
	}
	return &Service{
		db:            db,
		tokens:        tokens,
		passwords:     passwords,
		throttle:      NewLoginThrottle(cfg.Throttle, rdb, log),
		window:        cfg.RefreshWindow,
		rotationGrace: cfg.RotationGrace,
		now:           now,
		log:           log,
		sessions:      memo.New[uint64, staff.SessionView](changes, sessionCacheSize, cfg.CacheTTL, now),
		changes:       changes,
	}, nil
}

// sessionCacheSize bounds the sessions kept in memory: far more than a
// clinic has logged in at once, a few hundred bytes each.
const sessionCacheSize = 10_000

// Passwords is the bcrypt checker, for the metrics to read its queue.
func (s *Service) Passwords() *Passwords { return s.passwords }

// Throttle is the login throttle, for the metrics to count its refusals.
func (s *Service) Throttle() *LoginThrottle { return s.throttle }

// Now is the service's clock, for writes that record when they happened.
func (s *Service) Now() time.Time { return s.now() }

// Client is where a request comes from, as recorded on its session.
type Client struct {
	Address   string
	UserAgent string
}

// Login checks a username and password and opens a session. The throttle
// runs before the user lookup and bcrypt; an unknown user costs the same
// bcrypt as a wrong password, so timing reveals nothing.
func (s *Service) Login(ctx context.Context, username, password string, client Client) (string, error) {
	now := s.now()
	attempt, ok := s.throttle.Begin(ctx, username, client.Address, now)
	if !ok {
		s.log.Warn("login throttled", "username", username, "client", client.Address)
		return "", apierr.ErrTooManyRequests
	}
	user, err := staff.FindUserForLogin(ctx, s.db, username)
	unknown := errors.Is(err, apierr.ErrNotFound)
	if err != nil && !unknown {
		return "", err
	}
	if unknown && !s.throttle.CheckUnknown(ctx, now) {
		return "", s.loginFailed(ctx, nil, username, client, staff.LoginNoSuchUser, apierr.ErrNoSuchUser)
	}
	match, err := s.passwords.VerifyScheme(ctx, user.PasswordScheme, user.PasswordHash, password)
	if err != nil {
		return "", err
	}
	switch {
	case unknown:
		return "", s.loginFailed(ctx, nil, username, client, staff.LoginNoSuchUser, apierr.ErrNoSuchUser)
	case !match:
		return "", s.loginFailed(ctx, &user.ID, username, client, staff.LoginWrongPassword, apierr.ErrWrongPassword)
	case !user.Enabled:
		return "", s.loginFailed(ctx, &user.ID, username, client, staff.LoginDisabled, apierr.ErrAccountDisabled)
	}
	attempt.Succeeded()
	if user.PasswordScheme == staff.SchemeLegacyMD5 {
		if err := s.upgradeLegacyHash(ctx, user, password); err != nil {
			return "", err
		}
	}
	jti := NewJTI()
	session, err := staff.OpenSession(ctx, s.db, user, jti, client.Address, client.UserAgent, now)
	if err != nil {
		return "", err
	}
	s.log.Info("login", "user_id", user.ID, "username", username, "session_id", session.ID, "client", client.Address)
	return s.tokens.Issue(user.ID, session.ID, jti)
}

// upgradeLegacyHash replaces an imported md5-wrapped hash with a plain
// bcrypt of the password just proven.
func (s *Service) upgradeLegacyHash(ctx context.Context, user staff.User, password string) error {
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := staff.UpgradePasswordHash(ctx, s.db, user.ID, user.PasswordHash, hash); err != nil {
		return err
	}
	s.log.Info("legacy password hash upgraded", "user_id", user.ID)
	return nil
}

// loginFailed records a failed login and returns the answer for it.
func (s *Service) loginFailed(ctx context.Context, userID *uint64, username string, client Client, reason string, answer error) error {
	s.log.Info("login failed", "username", username, "client", client.Address, "reason", reason)
	if err := staff.RecordLoginFailure(ctx, s.db, userID, username, client.Address, reason, s.now()); err != nil {
		return err
	}
	return answer
}

// Refresh exchanges a token, expired or not, for a new one of the same
// session, and retires the presented one.
func (s *Service) Refresh(ctx context.Context, raw string, client Client) (string, error) {
	now := s.now()
	claims, userID, err := s.parseRefreshable(raw)
	if err != nil {
		return "", err
	}
	session, err := staff.RefreshableSession(ctx, s.db, claims.SessionID, userID, s.window, now)
	if err != nil {
		return "", err
	}
	jti := NewJTI()
	err = staff.RotateSession(ctx, s.db, session, claims.ID, jti, client.Address, now, s.rotationGrace)
	s.changes.Bump() // the presented token, or the whole session, stops working
	if errors.Is(err, staff.ErrRefreshReused) {
		s.log.Warn("refresh token reused; session revoked", "user_id", userID, "session_id", session.ID)
		return "", apierr.ErrInvalidToken
	}
	if err != nil {
		return "", err
	}
	return s.tokens.Issue(userID, session.ID, jti)
}

// Logout revokes the session of the presented token, which may be expired.
func (s *Service) Logout(ctx context.Context, raw string, client Client) error {
	session, err := s.currentSession(ctx, raw)
	if err != nil {
		return err
	}
	err = staff.RevokeSession(ctx, s.db, session.ID, staff.RevokedByLogout, client.Address, s.now())
	s.changes.Bump()
	if err != nil {
		return err
	}
	s.log.Info("logout", "user_id", session.UserID, "session_id", session.ID)
	return nil
}

// Authenticate turns a request's token into the viewer. It answers 42001
// only for a token that is expired and that a refresh would accept: v5
// joins claim errors, so ErrTokenExpired alone does not prove the token is
// otherwise sound.
func (s *Service) Authenticate(ctx context.Context, raw string) (access.Viewer, error) {
	claims, err := s.tokens.ParseAccess(raw)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			if _, err := s.currentSession(ctx, raw); err != nil {
				return access.Viewer{}, err
			}
			return access.Viewer{}, apierr.ErrTokenExpired
		}
		return access.Viewer{}, apierr.ErrInvalidToken
	}
	userID, _ := claims.UserID() // Validate already checked it
	view, err := s.sessions.Get(ctx, claims.SessionID, func(ctx context.Context) (staff.SessionView, error) {
		return staff.LoadSessionView(ctx, s.db, claims.SessionID)
	})
	if err != nil {
		return access.Viewer{}, err
	}
	return view.ActiveViewer(userID, claims.ID)
}

// currentSession is the live session whose current token raw is, expired
// or not: what a logout, or a 42001 answer, requires.
func (s *Service) currentSession(ctx context.Context, raw string) (staff.Session, error) {
	claims, userID, err := s.parseRefreshable(raw)
	if err != nil {
		return staff.Session{}, err
	}
	session, err := staff.RefreshableSession(ctx, s.db, claims.SessionID, userID, s.window, s.now())
	if err != nil {
		return staff.Session{}, err
	}
	if session.CurrentJTI != claims.ID {
		return staff.Session{}, apierr.ErrInvalidToken
	}
	return session, nil
}

func (s *Service) parseRefreshable(raw string) (*Claims, uint64, error) {
	claims, err := s.tokens.ParseRefresh(raw)
	if err != nil {
		return nil, 0, apierr.ErrInvalidToken
	}
	userID, _ := claims.UserID()
	return claims, userID, nil
}
