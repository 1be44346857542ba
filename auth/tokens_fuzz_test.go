package auth

import (
	"strings"
	"testing"
	"time"

	"crm/config"
)

// FuzzParseToken: whatever arrives as a token, the parsers answer without
// panicking, and accept nothing but what Issue signed. The seeds run with
// every `go test`; `go test ./auth -fuzz FuzzParseToken` explores further.
func FuzzParseToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	tokens, err := NewTokens([]byte(strings.Repeat("s", 32)), config.Default().Auth, func() time.Time { return now })
	if err != nil {
		f.Fatal(err)
	}
	valid, err := tokens.Issue(7, 3, "jti-1")
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	for _, seed := range []string{
		valid,
		"",
		".",
		"..",
		parts[0] + "." + parts[1] + ".", // unsigned
		"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",             // alg none
		"eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9." + parts[1] + "." + parts[2], // another algorithm named
		parts[0] + "." + parts[1] + "." + parts[2] + "x",
		strings.Repeat("a", 3000),
		valid + " ",
		"Bearer " + valid,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, parse := range []func(string) (*Claims, error){tokens.ParseAccess, tokens.ParseRefresh} {
			claims, err := parse(raw)
			if err == nil && raw != valid {
				t.Fatalf("accepted a token it did not issue: %q (%+v)", raw, claims)
			}
			if err != nil && claims != nil {
				t.Fatalf("claims returned with an error for %q", raw)
			}
		}
	})
}
