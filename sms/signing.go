package sms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// percentEncode is RFC 3986's: unreserved characters stay, everything
// else is %XX (a space is %20, never +).
func percentEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// canonicalQuery sorts the parameters by name and encodes both halves.
func canonicalQuery(params map[string]string) string {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = percentEncode(name) + "=" + percentEncode(params[name])
	}
	return strings.Join(parts, "&")
}

// canonicalHeaders is "name:value\n" for each header, lower-case names in
// order, values trimmed, and the names joined by ";".
func canonicalHeaders(headers map[string]string) (canonical, signed string) {
	names := make([]string, 0, len(headers))
	lower := make(map[string]string, len(headers))
	for name, value := range headers {
		l := strings.ToLower(name)
		names = append(names, l)
		lower[l] = strings.TrimSpace(value)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name + ":" + lower[name] + "\n")
	}
	return b.String(), strings.Join(names, ";")
}
