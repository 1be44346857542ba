package idempotency

import (
	"context"
	"crm/apierr"
	"crm/models/store"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
)

// A creating request sent with an Idempotency-Key is claimed before it
// runs (pending), marked committed in the same transaction as what it
// creates, and then given its answer (done). A retry with the same key
// finds one of the three: the answer to replay; a commit whose answer
// was lost (the creation is not repeated); or a claim that never
// committed, which the retry takes over once the first attempt can no
// longer be running.
type IdempotencyKey struct {
	ID          uint64
	UserID      uint64
	KeyHash     string
	Request     string
	Fingerprint string
	State       string
	ResourceID  *uint64
	Status      int
	ContentType string
	Body        *string
	CreatedAt   time.Time
}

const (
	idempotencyPending   = "pending"
	idempotencyCommitted = "committed"
	idempotencyDone      = "done"
)

// IdempotencyKeyLifetime is how long a key is remembered.
const IdempotencyKeyLifetime = 24 * time.Hour

var (
	ErrIdempotencyKeyReused = apierr.Conflict("Idempotency-Key 已用于另一个请求")
	ErrIdempotencyInFlight  = apierr.Conflict("同一 Idempotency-Key 的请求正在处理，请稍后重试")
)

// IdempotentRequest is what a key is claimed for.
type IdempotentRequest struct {
	UserID      uint64
	Key         string
	Request     string // method and route
	Fingerprint string // of the parameters
}

// Replay reports whether the claim is an earlier attempt's outcome to
// answer with, rather than a request to run.
func (k IdempotencyKey) Replay() bool { return k.State != idempotencyPending }

// Answered reports whether the earlier attempt's answer was stored.
func (k IdempotencyKey) Answered() bool { return k.State == idempotencyDone && k.Body != nil }

// ClaimIdempotencyKey claims r's key for this attempt, or returns the
// earlier attempt to replay. A pending claim older than staleAfter (longer
// than any attempt can run) never committed: this attempt takes it over.
func ClaimIdempotencyKey(ctx context.Context, db *gorm.DB, r IdempotentRequest, now time.Time, staleAfter time.Duration) (IdempotencyKey, error) {
	sum := sha256.Sum256([]byte(r.Key))
	hash := hex.EncodeToString(sum[:])
	db = db.WithContext(ctx)
	for range 3 {
		var k IdempotencyKey
		err := db.Where("user_id = ? AND key_hash = ?", r.UserID, hash).Take(&k).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			k = IdempotencyKey{UserID: r.UserID, KeyHash: hash, Request: r.Request, Fingerprint: r.Fingerprint,
				State: idempotencyPending, CreatedAt: now}
			err := db.Create(&k).Error
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				continue // claimed by a concurrent attempt: look again
			}
			return k, err
		case err != nil:
			return k, err
		case k.CreatedAt.Before(now.Add(-IdempotencyKeyLifetime)):
			// Expired: forgotten, as if pruned already.
			if err := db.Where("id = ? AND created_at = ?", k.ID, k.CreatedAt).Delete(&IdempotencyKey{}).Error; err != nil {
				return k, err
			}
			continue
		case k.Request != r.Request || k.Fingerprint != r.Fingerprint:
			return k, ErrIdempotencyKeyReused
		case k.Replay():
			return k, nil
		case k.CreatedAt.After(now.Add(-staleAfter)):
			return k, ErrIdempotencyInFlight
		}
		res := db.Model(&IdempotencyKey{}).Where("id = ? AND state = ? AND created_at = ?", k.ID, idempotencyPending, k.CreatedAt).
			Update("created_at", now)
		if res.Error != nil {
			return k, res.Error
		}
		if res.RowsAffected == 1 {
			k.CreatedAt = now
			return k, nil
		}
	}
	return IdempotencyKey{}, ErrIdempotencyInFlight
}

type idempotencyClaimKey struct{}

// WithIdempotencyClaim carries a claim to the transaction that creates
// what the request asked for.
func WithIdempotencyClaim(ctx context.Context, claim IdempotencyKey) context.Context {
	return context.WithValue(ctx, idempotencyClaimKey{}, claim.ID)
}

// markIdempotencyCommitted records, in the creating transaction, that the
// request's key has done its work: from then on a retry repeats nothing.
func MarkIdempotencyCommitted(tx *gorm.DB, ctx context.Context, resourceID uint64) error {
	id, ok := ctx.Value(idempotencyClaimKey{}).(uint64)
	if !ok {
		return nil
	}
	return tx.Model(&IdempotencyKey{}).Where("id = ? AND state = ?", id, idempotencyPending).
		Updates(map[string]any{"state": idempotencyCommitted, "resource_id": resourceID}).Error
}

// AnswerIdempotencyKey keeps the answer to replay.
func AnswerIdempotencyKey(ctx context.Context, db *gorm.DB, claim IdempotencyKey, status int, contentType, body string) error {
	return db.WithContext(ctx).Model(&IdempotencyKey{}).Where("id = ?", claim.ID).
		Updates(map[string]any{"state": idempotencyDone, "status": status, "content_type": contentType, "body": body}).Error
}

// ReleaseIdempotencyKey forgets a claim whose request failed before it
// committed anything: a retry runs it again.
func ReleaseIdempotencyKey(ctx context.Context, db *gorm.DB, claim IdempotencyKey) error {
	return db.WithContext(ctx).Where("id = ? AND state = ?", claim.ID, idempotencyPending).Delete(&IdempotencyKey{}).Error
}

// PruneIdempotencyKeys deletes the keys claimed before before.
func PruneIdempotencyKeys(ctx context.Context, db *gorm.DB, before time.Time, batch int) (int64, error) {
	return store.PruneOlder(db.WithContext(ctx), &IdempotencyKey{}, before, batch)
}
