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
	th := NewLoginThrottle(config.Throttle{UsernameBurst: 2, UsernameEvery: time.Minute, AddressBurst: 3, AddressEvery: time.Minute})
	now := time.Unix(1_800_000_000, 0)
	for i := 0; i < 2; i++ {
		if _, ok := th.Begin("alice", "a", now); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if _, ok := th.Begin("ALICE", "b", now); ok {
		t.Error("the username bucket is case-insensitive and empty")
	}
	// The refused attempt did not use the address bucket of "b".
	for i := 0; i < 3; i++ {
		if _, ok := th.Begin("u"+string(rune('0'+i)), "b", now); !ok {
			t.Fatalf("address b attempt %d refused", i)
		}
	}
	if _, ok := th.Begin("zed", "b", now); ok {
		t.Error("address bucket b is empty")
	}
	if _, ok := th.Begin("alice", "c", now.Add(time.Minute)); !ok {
		t.Error("one attempt refills per minute")
	}
	// Success gives the username attempt back.
	a, ok := th.Begin("bob", "d", now)
	b, ok2 := th.Begin("bob", "d", now)
	if !ok || !ok2 {
		t.Fatal("bob refused")
	}
	a.Succeeded()
	b.Succeeded()
	for i := 0; i < 2; i++ {
		if _, ok := th.Begin("bob", "e", now); !ok {
			t.Errorf("bob's successful attempts were not given back")
		}
	}
}
