package migrations

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// seedSuperadmin creates the first account. There is no fixed default
// password: the operator's CRM_ADMIN_PASSWORD, or a random one shown once.
func seedSuperadmin(tx *gorm.DB, seed Seed, generated *generatedPassword) error {
	username := seed.AdminUsername
	if !regexp.MustCompile(`^[A-Za-z0-9_.\-]{3,32}$`).MatchString(username) {
		return fmt.Errorf("admin username %q must be 3-32 letters, digits, '_', '.' or '-'", username)
	}
	password, made := seed.AdminPassword, false
	if password == "" {
		password, made = rand.Text(), true
	}
	if len(password) < 8 || len(password) > 72 {
		return fmt.Errorf("the admin password (CRM_ADMIN_PASSWORD) must be 8-72 bytes, got %d", len(password))
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), seed.BcryptCost)
	if err != nil {
		return err
	}
	var role role0001
	if err := tx.Where("role_key = ?", "superadmin").Take(&role).Error; err != nil {
		return fmt.Errorf("superadmin role: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	admin := user0001{Username: username, DisplayName: "超级管理员", PasswordHash: string(hash),
		RoleID: role.ID, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&admin).Error; err != nil {
		return err
	}
	if made {
		*generated = generatedPassword{username, password}
	}
	return nil
}
