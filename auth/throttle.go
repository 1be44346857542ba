package auth

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"crm/config"
)

// LoginThrottle limits password checks with token buckets, consulted
// before the user lookup and bcrypt so a refused attempt costs almost
// nothing. Three budgets, none of which an attacker can spend for a user:
//
//   - per username *and* address: guessing one account's password from one
//     address is slow, while its owner, elsewhere, is not held up;
//   - per address, failed attempts only: one address cannot guess across
//     many accounts, and forty staff behind one NAT address logging in at
//     nine o'clock do not run it down;
//   - for the whole service, the bcrypt checks spent on unknown usernames:
//     a flood of made-up names costs a bounded share of the CPU.
//
// With Redis the buckets are shared by every replica; without it (or
// while Redis does not answer) each process keeps its own.
type LoginThrottle struct {
	userAddress bucketSet
	address     bucketSet
	unknown     bucketSet
	refusals    func(reason string) // counts refusals, for the metrics
}

// ThrottleRefusalReasons name the budgets in LoginThrottle's refusals.
const (
	RefusedUserAddress = "user_address"
	RefusedAddress     = "address"
)

// maxTrackedKeys bounds a process's memory against floods of made-up
// usernames and addresses.
const maxTrackedKeys = 10000

func NewLoginThrottle(cfg config.Throttle, rdb *redis.Client, log *slog.Logger) *LoginThrottle {
	set := func(name string, burst int, every time.Duration) bucketSet {
		local := newMemoryBuckets(burst, every)
		if rdb == nil {
			return local
		}
		return &redisBuckets{
			limiter: redis_rate.NewLimiter(rdb),
			limit:   redis_rate.Limit{Rate: 1, Period: every, Burst: burst},
			prefix:  "crm:login:" + name + ":",
			local:   local,
			log:     log,
		}
	}
	return &LoginThrottle{
		userAddress: set("user_address", cfg.UserAddressBurst, cfg.UserAddressEvery),
		address:     set("address", cfg.AddressBurst, cfg.AddressEvery),
		unknown:     set("unknown", cfg.UnknownBurst, cfg.UnknownEvery),
		refusals:    func(string) {},
	}
}

// CountRefusals reports every refused attempt to count (by budget).
func (t *LoginThrottle) CountRefusals(count func(reason string)) { t.refusals = count }

// Attempt is an admitted login attempt.
type Attempt struct {
	refunds []func()
}

// Begin admits an attempt or refuses it. Usernames are compared without
// case so "Admin" and "admin" share a bucket.
func (t *LoginThrottle) Begin(ctx context.Context, username, address string, now time.Time) (Attempt, bool) {
	fromAddress, ok := t.address.take(ctx, address, now)
	if !ok {
		t.refusals(RefusedAddress)
		return Attempt{}, false
	}
	pair, ok := t.userAddress.take(ctx, strings.ToLower(username)+"\x00"+address, now)
	if !ok {
		fromAddress() // the attempt did not happen
		t.refusals(RefusedUserAddress)
		return Attempt{}, false
	}
	return Attempt{refunds: []func(){fromAddress, pair}}, true
}

// Succeeded gives the attempt back to both of its buckets: a user who logs
// in correctly every morning, or a clinic behind one address, never runs
// into the limit. The failures around it stay spent.
func (a Attempt) Succeeded() {
	for _, refund := range a.refunds {
		refund()
	}
}

// CheckUnknown reports whether a login for a username that does not exist
// may still spend a bcrypt check on it. Past the budget the answer comes
// without one: it is the same answer (46004, which tells an unknown name
// apart anyway), only faster.
func (t *LoginThrottle) CheckUnknown(ctx context.Context, now time.Time) bool {
	_, ok := t.unknown.take(ctx, "", now)
	return ok
}

// bucketSet is one budget: a token bucket per key. take spends a token and
// returns the function that gives it back.
type bucketSet interface {
	take(ctx context.Context, key string, now time.Time) (refund func(), ok bool)
}

// memoryBuckets keeps the buckets in this process.
type memoryBuckets struct {
	mu       sync.Mutex
	limiters *expirable.LRU[string, *rate.Limiter]
	burst    int
	every    time.Duration
}

func newMemoryBuckets(burst int, every time.Duration) *memoryBuckets {
	// A bucket left alone for burst×every is full again; forgetting it
	// then loses nothing.
	ttl := time.Duration(burst) * every
	return &memoryBuckets{
		limiters: expirable.NewLRU[string, *rate.Limiter](maxTrackedKeys, nil, ttl),
		burst:    burst,
		every:    every,
	}
}

func (m *memoryBuckets) take(_ context.Context, key string, now time.Time) (func(), bool) {
	m.mu.Lock()
	lim, found := m.limiters.Get(key)
	if !found {
		lim = rate.NewLimiter(rate.Every(m.every), m.burst)
		m.limiters.Add(key, lim)
	}
	m.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil, false
	}
	return func() { r.CancelAt(now) }, true
}

// redisBuckets keeps the buckets in Redis (GCRA, by redis_rate), shared by
// every replica. Redis' own clock counts, not the caller's. While Redis
// does not answer, the process's own buckets stand in: logins go on,
// still throttled.
type redisBuckets struct {
	limiter *redis_rate.Limiter
	limit   redis_rate.Limit
	prefix  string
	local   *memoryBuckets
	log     *slog.Logger
}

// redisTimeout keeps a slow Redis from holding a login up.
const redisTimeout = 500 * time.Millisecond

func (r *redisBuckets) take(ctx context.Context, key string, now time.Time) (func(), bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	key = r.prefix + key
	res, err := r.limiter.Allow(ctx, key, r.limit)
	if err != nil {
		r.log.Warn("login throttle: redis unavailable, using this process's buckets", "err", err)
		return r.local.take(ctx, key, now)
	}
	if res.Allowed == 0 {
		return nil, false
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
		defer cancel()
		// A negative cost moves the bucket's schedule back: the token returns.
		if _, err := r.limiter.AllowN(ctx, key, r.limit, -1); err != nil {
			r.log.Warn("login throttle: redis unavailable, attempt not given back", "err", err)
		}
	}, true
}
