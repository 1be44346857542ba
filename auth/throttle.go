package auth

import (
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"crm/config"
)

// LoginThrottle limits login attempts per username and per client address
// with token buckets. It is consulted before the user lookup and bcrypt, so
// a refused attempt costs almost nothing. State is per process: with
// several replicas each keeps its own buckets, which still bounds the rate.
type LoginThrottle struct {
	byUsername *keyedLimiter
	byAddress  *keyedLimiter
}

// maxTrackedKeys bounds memory against floods of made-up usernames.
const maxTrackedKeys = 10000

func NewLoginThrottle(cfg config.Throttle) *LoginThrottle {
	return &LoginThrottle{
		byUsername: newKeyedLimiter(cfg.UsernameBurst, cfg.UsernameEvery),
		byAddress:  newKeyedLimiter(cfg.AddressBurst, cfg.AddressEvery),
	}
}

// Attempt is an admitted login attempt.
type Attempt struct {
	username *rate.Reservation
	at       time.Time
}

// Begin admits an attempt or refuses it. Usernames are compared without
// case so "Admin" and "admin" share a bucket.
func (t *LoginThrottle) Begin(username, address string, now time.Time) (Attempt, bool) {
	addr, ok := t.byAddress.reserve(address, now)
	if !ok {
		return Attempt{}, false
	}
	user, ok := t.byUsername.reserve(strings.ToLower(username), now)
	if !ok {
		addr.CancelAt(now) // the attempt did not happen
		return Attempt{}, false
	}
	return Attempt{username: user, at: now}, true
}

// Succeeded gives the username's attempt back: a user who logs in
// correctly every morning never runs into the limit. The address keeps
// the attempt, so one valid account cannot launder another's guesses.
func (a Attempt) Succeeded() {
	if a.username != nil {
		a.username.CancelAt(a.at)
	}
}

type keyedLimiter struct {
	mu       sync.Mutex
	limiters *expirable.LRU[string, *rate.Limiter]
	burst    int
	every    time.Duration
}

func newKeyedLimiter(burst int, every time.Duration) *keyedLimiter {
	// A bucket left alone for burst×every is full again; forgetting it
	// then loses nothing.
	ttl := time.Duration(burst) * every
	return &keyedLimiter{
		limiters: expirable.NewLRU[string, *rate.Limiter](maxTrackedKeys, nil, ttl),
		burst:    burst,
		every:    every,
	}
}

func (k *keyedLimiter) reserve(key string, now time.Time) (*rate.Reservation, bool) {
	k.mu.Lock()
	lim, found := k.limiters.Get(key)
	if !found {
		lim = rate.NewLimiter(rate.Every(k.every), k.burst)
		k.limiters.Add(key, lim)
	}
	k.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil, false
	}
	return r, true
}
