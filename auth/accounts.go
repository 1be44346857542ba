package auth

import (
	"context"

	"crm/apierr"
	"crm/models/access"
	"crm/models/staff"
)

// The account operations that handle a password: they hash (and check)
// here, then let the model apply the rules and write.

// NewAccount is a user to create, with its initial password in clear.
type NewAccount struct {
	Username    string
	Password    string
	DisplayName string
	RoleKey     string
}

func (s *Service) CreateAccount(ctx context.Context, v access.Viewer, in NewAccount) (staff.User, error) {
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return staff.User{}, err
	}
	return staff.CreateAccount(ctx, s.db, v, staff.NewUser{
		Username: in.Username, DisplayName: in.DisplayName, PasswordHash: hash, RoleKey: in.RoleKey,
	}, s.now())
}

// ResetPassword sets another user's password and ends its sessions.
func (s *Service) ResetPassword(ctx context.Context, v access.Viewer, userID uint64, password string) error {
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	return staff.ResetPassword(ctx, s.db, v, userID, hash, s.now())
}

// ChangeOwnPassword needs the current password, checked under the login
// throttle (a stolen session must not become a password-guessing oracle),
// and ends the caller's other sessions.
func (s *Service) ChangeOwnPassword(ctx context.Context, v access.Viewer, oldPassword, newPassword string) error {
	attempt, ok := s.throttle.Begin(ctx, v.Username, v.Address, s.now())
	if !ok {
		return apierr.ErrTooManyRequests
	}
	user, err := staff.FindUserForLogin(ctx, s.db, v.Username)
	if err != nil {
		return err
	}
	match, err := s.passwords.VerifyScheme(ctx, user.PasswordScheme, user.PasswordHash, oldPassword)
	if err != nil {
		return err
	}
	if !match {
		return apierr.ErrWrongPassword
	}
	attempt.Succeeded()
	hash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return staff.ChangeOwnPassword(ctx, s.db, v, hash, s.now())
}
