package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"crm/config"
)

// The unknown-user path costs one bcrypt at the configured cost, like the
// wrong-password path; that is what makes their timing equal.
func TestDummyHashHasTheConfiguredCost(t *testing.T) {
	p, err := NewPasswords(10, 1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost(p.dummy); err != nil || cost != 10 {
		t.Errorf("dummy cost %d (%v)", cost, err)
	}
	if ok, err := p.Verify(context.Background(), "", "anything"); ok || err != nil {
		t.Errorf("no hash never matches: %v %v", ok, err)
	}
}

func TestPasswordCheckerSaturation(t *testing.T) {
	p, err := NewPasswords(bcrypt.MinCost, 1, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	release, err := p.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify(context.Background(), "", "x"); err == nil || !strings.Contains(err.Error(), "45011") {
		t.Errorf("a saturated checker answers 45011, got %v", err)
	}
	release()
	if _, err := p.Verify(context.Background(), "", "x"); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestShortSecretRefused(t *testing.T) {
	if _, err := NewTokens([]byte("31-bytes-secret-31-bytes-secret"), config.Default().Auth, time.Now); err == nil {
		t.Error("a secret under 32 bytes must be refused")
	}
	if _, err := NewTokens([]byte(strings.Repeat("k", 32)), config.Default().Auth, time.Now); err != nil {
		t.Error(err)
	}
}

func TestThrottleBuckets(t *testing.T) {
	ctx := context.Background()
	th := NewLoginThrottle(config.Throttle{UserAddressBurst: 2, UserAddressEvery: time.Minute,
		AddressBurst: 3, AddressEvery: time.Minute, UnknownBurst: 2, UnknownEvery: time.Minute}, nil, nil)
	now := time.Unix(1_800_000_000, 0)
	for i := 0; i < 2; i++ {
		if _, ok := th.Begin(ctx, "alice", "a", now); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if _, ok := th.Begin(ctx, "ALICE", "a", now); ok {
		t.Error("the username-and-address bucket is case-insensitive and empty")
	}
	// Her owner, elsewhere, is not held up by the guesses from a.
	if _, ok := th.Begin(ctx, "alice", "b", now); !ok {
		t.Error("alice refused from another address")
	}
	// The refused attempt did not use the address bucket of a: one left.
	if _, ok := th.Begin(ctx, "bob", "a", now); !ok {
		t.Error("address a refused its third attempt")
	}
	if _, ok := th.Begin(ctx, "carol", "a", now); ok {
		t.Error("address bucket a is empty")
	}
	if _, ok := th.Begin(ctx, "alice", "c", now.Add(time.Minute)); !ok {
		t.Error("one attempt refills per minute")
	}
	// Success gives the attempt back to both buckets: many users behind
	// one address all log in.
	for i := range 10 {
		a, ok := th.Begin(ctx, "user"+string(rune('0'+i)), "nat", now)
		if !ok {
			t.Fatalf("user %d refused behind the shared address", i)
		}
		a.Succeeded()
	}
	// Unknown usernames: a bounded number of bcrypt checks.
	if !th.CheckUnknown(ctx, now) || !th.CheckUnknown(ctx, now) || th.CheckUnknown(ctx, now) {
		t.Error("want two checks of unknown usernames, then none")
	}
}
