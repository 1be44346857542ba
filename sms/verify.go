package sms

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// VerifyAliyun says whether r (with its body) carries a valid V3
// signature by keyID and secret: what a provider's gateway checks, and
// what the test fakes check of our client.
func VerifyAliyun(r *http.Request, body []byte, keyID, secret string) bool {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), aliyunAlgorithm+" ")
	if !ok {
		return false
	}
	fields := map[string]string{}
	for _, part := range strings.Split(auth, ",") {
		name, value, _ := strings.Cut(part, "=")
		fields[name] = value
	}
	if fields["Credential"] != keyID || r.Header.Get("x-acs-content-sha256") != sha256Hex(body) {
		return false
	}
	headers := map[string]string{}
	for _, name := range strings.Split(fields["SignedHeaders"], ";") {
		if name == "host" {
			headers[name] = r.Host
		} else {
			headers[name] = r.Header.Get(name)
		}
	}
	query := map[string]string{}
	for name, values := range r.URL.Query() {
		query[name] = values[0]
	}
	canonical, signed := canonicalHeaders(headers)
	request := strings.Join([]string{r.Method, "/", canonicalQuery(query), canonical, signed, sha256Hex(body)}, "\n")
	want := hmacSHA256([]byte(secret), aliyunAlgorithm+"\n"+sha256Hex([]byte(request)))
	got, err := hex.DecodeString(fields["Signature"])
	return err == nil && hmac.Equal(got, want) && signed == fields["SignedHeaders"]
}

// VerifyTencent says whether r (with its body) carries a valid TC3
// signature by secretID and secretKey for service.
func VerifyTencent(r *http.Request, body []byte, secretID, secretKey, service string) bool {
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || r.Header.Get("Content-Type") != tencentContentType {
		return false
	}
	want := signTencent(secretID, secretKey, service, r.Host, body, ts)
	return hmac.Equal([]byte(r.Header.Get("Authorization")), []byte(want))
}
