// Package memo keeps rows that every request reads and few requests change
// (the caller's session, user and role; a role's menu) in memory, for at
// most a TTL. A change made by this process bumps the Generation that every
// cache shares, which retires all their entries at once; a change made by
// another process (a replica, the crm command) is seen when the entry's TTL
// runs out.
package memo

import (
	"context"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Generation numbers the state of the cached rows. Every cache made with
// it stores the generation an entry was loaded in and trusts only entries
// of the current one.
type Generation struct {
	n        atomic.Uint64
	announce func() // tells the other replicas, if they share the news (see Share)
}

// Bump retires every entry loaded so far, and any load still in flight,
// here and, when shared, on every replica. Call it after a change has
// committed.
func (g *Generation) Bump() {
	g.n.Add(1)
	if g.announce != nil {
		g.announce()
	}
}

// heard retires every entry because another replica changed something.
func (g *Generation) heard() { g.n.Add(1) }

func (g *Generation) current() uint64 { return g.n.Load() }

// Cache is a read-through cache of up to size entries.
type Cache[K comparable, V any] struct {
	gen     *Generation
	ttl     time.Duration
	now     func() time.Time
	entries *lru.Cache[K, entry[V]]
}

type entry[V any] struct {
	value    V
	loadedAt time.Time // when its load began, so the TTL covers the load too
	gen      uint64
}

// New makes a cache; a ttl of 0 or less turns it off (every Get loads).
func New[K comparable, V any](gen *Generation, size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	entries, err := lru.New[K, entry[V]](size)
	if err != nil {
		panic(err) // only for a size below 1: a programming error
	}
	return &Cache[K, V]{gen: gen, ttl: ttl, now: now, entries: entries}
}

// Get returns key's value, from memory if it was loaded less than the TTL
// ago in the current generation, else from load. Errors are not kept.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	if c.ttl <= 0 {
		return load(ctx)
	}
	if e, ok := c.entries.Get(key); ok && e.gen == c.gen.current() && c.now().Sub(e.loadedAt) < c.ttl {
		return e.value, nil
	}
	gen, start := c.gen.current(), c.now()
	value, err := load(ctx)
	if err != nil {
		return value, err
	}
	// Loaded across a Bump, the value may predate the change: it goes in
	// under the old generation, which no lookup trusts.
	c.entries.Add(key, entry[V]{value: value, loadedAt: start, gen: gen})
	return value, nil
}
