package memo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// retiredChannel carries the news that some replica bumped its generation.
const retiredChannel = "crm:memo:retired"

// Share makes g's bumps reach every replica subscribed through rdb: a bump
// here is published before Bump returns (so a change is refused on every
// replica by the time its request is answered, give or take the network),
// and a bump heard from elsewhere retires the entries here. Should Redis
// fail, the caches still expire by their TTL. Call it once, before the
// caches serve; the subscription ends with ctx.
func (g *Generation) Share(ctx context.Context, rdb *redis.Client, log *slog.Logger) error {
	sub := rdb.Subscribe(ctx, retiredChannel)
	// Subscribed for certain before the first request: Receive returns
	// the subscription's confirmation.
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return fmt.Errorf("redis: subscribe: %w", err)
	}
	g.announce = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := rdb.Publish(ctx, retiredChannel, "1").Err(); err != nil {
			log.Warn("redis: could not tell the other replicas that access changed; they will see it within auth.cache_ttl", "err", err)
		}
	}
	messages := sub.Channel()
	go func() {
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-messages:
				if !ok {
					return
				}
				// Our own announcements come back too: one extra retirement.
				g.heard()
			}
		}
	}()
	return nil
}
