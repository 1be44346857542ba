package auth

import (
	"context"
	"crypto/md5" //nolint:gosec // only to check hashes imported from the old backend
	"crypto/rand"
	"encoding/hex"
	"errors"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/semaphore"

	"crm/apierr"
	"crm/models/staff"
)

// Passwords hashes and checks passwords with bcrypt. At most `slots` checks
// run at once (one per CPU by default), so a login flood queues here instead
// of starving every other request of CPU; a check that cannot start within
// maxWait is refused as "too many requests".
type Passwords struct {
	cost    int
	slots   *semaphore.Weighted
	maxWait time.Duration
	dummy   []byte
	// waiting and running count the checks queued for a slot and those
	// holding one, for the metrics.
	waiting, running atomic.Int64
}

func NewPasswords(cost, concurrency int, maxWait time.Duration) (*Passwords, error) {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	// The dummy hash has the same cost as real ones, so checking a password
	// for a user who does not exist takes as long as for one who does.
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		return nil, err
	}
	return &Passwords{cost: cost, slots: semaphore.NewWeighted(int64(concurrency)), maxWait: maxWait, dummy: dummy}, nil
}

// Hash makes the bcrypt hash of a new password.
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, p.cost)
}

// HashPassword makes the bcrypt hash of a password at cost: the one way a
// password is hashed, by the server (through Passwords, which bounds how
// many run at once) and by the commands that run without one.
func HashPassword(password string, cost int) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(hash), err
}

// VerifyScheme checks a password against a hash of the given scheme: a
// legacy hash wraps the old backend's hex md5 in bcrypt, so both schemes
// cost one bcrypt.
func (p *Passwords) VerifyScheme(ctx context.Context, scheme, hash, password string) (bool, error) {
	if scheme == staff.SchemeLegacyMD5 {
		sum := md5.Sum([]byte(password))
		password = hex.EncodeToString(sum[:])
	}
	return p.Verify(ctx, hash, password)
}

// Verify reports whether password matches hash. An empty hash (no such
// user) is checked against the dummy and never matches.
func (p *Passwords) Verify(ctx context.Context, hash, password string) (bool, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(p.dummy, []byte(password))
		return false, nil
	}
	err = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}
	return err == nil, err
}

func (p *Passwords) acquire(ctx context.Context) (func(), error) {
	waitCtx, cancel := context.WithTimeout(ctx, p.maxWait)
	defer cancel()
	p.waiting.Add(1)
	err := p.slots.Acquire(waitCtx, 1)
	p.waiting.Add(-1)
	if err != nil {
		return nil, apierr.ErrTooManyRequests
	}
	p.running.Add(1)
	return func() { p.running.Add(-1); p.slots.Release(1) }, nil
}

// Queue is the number of bcrypt operations waiting for a slot and running.
func (p *Passwords) Queue() (waiting, running int64) { return p.waiting.Load(), p.running.Load() }
