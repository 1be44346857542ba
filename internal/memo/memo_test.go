package memo

import (
	"context"
	"errors"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCache(t *testing.T) {
	var gen Generation
	clk := &clock{t: time.Unix(1000, 0)}
	c := New[int, string](&gen, 10, time.Second, clk.now)
	loads := 0
	load := func(v string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { loads++; return v, nil }
	}
	get := func(v string) string {
		got, err := c.Get(context.Background(), 1, load(v))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if get("a") != "a" || get("b") != "a" || loads != 1 {
		t.Fatalf("a second Get within the TTL is served from memory (loads %d)", loads)
	}
	clk.t = clk.t.Add(999 * time.Millisecond)
	if get("b") != "a" {
		t.Fatal("still fresh just before the TTL")
	}
	clk.t = clk.t.Add(time.Millisecond)
	if get("b") != "b" || loads != 2 {
		t.Fatal("reloaded once the TTL has run out")
	}
	gen.Bump()
	if get("c") != "c" || loads != 3 {
		t.Fatal("a Bump retires every entry")
	}
	// A load that a Bump overtakes is used once but not kept.
	_, _ = c.Get(context.Background(), 2, func(context.Context) (string, error) { gen.Bump(); return "stale", nil })
	if got, _ := c.Get(context.Background(), 2, load("fresh")); got != "fresh" {
		t.Fatalf("a value loaded across a Bump must not be served again: %q", got)
	}
	// Errors are not kept.
	boom := errors.New("boom")
	if _, err := c.Get(context.Background(), 3, func(context.Context) (string, error) { return "", boom }); err != boom {
		t.Fatal(err)
	}
	if got, _ := c.Get(context.Background(), 3, load("ok")); got != "ok" {
		t.Fatal("an error is not cached")
	}
}

func TestCacheOff(t *testing.T) {
	var gen Generation
	c := New[int, int](&gen, 1, 0, time.Now)
	n := 0
	for range 3 {
		_, _ = c.Get(context.Background(), 1, func(context.Context) (int, error) { n++; return n, nil })
	}
	if n != 3 {
		t.Fatalf("a TTL of 0 loads every time: %d loads", n)
	}
}
