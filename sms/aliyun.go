package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Aliyun sends by Alibaba Cloud SMS (dysmsapi SendSms, 2017-05-25),
// signed with the V3 signature (ACS3-HMAC-SHA256).
type Aliyun struct {
	Endpoint     string // https://dysmsapi.aliyuncs.com; a fake's URL in tests
	AccessKeyID  string
	AccessSecret string
	SignName     string   // 签名名称
	TemplateCode string   // SMS_123456789
	Params       []string // the template's variables sent in TemplateParam
	Client       *http.Client
	Now          func() time.Time
	Nonce        func() string
}

func (Aliyun) Name() string { return "aliyun" }

// aliyunRequest is a request being signed: the RPC style, every
// parameter in the query, an empty body.
type aliyunRequest struct {
	Host, Action, Version string
	Query                 map[string]string
	Date                  time.Time
	Nonce                 string
}

const aliyunAlgorithm = "ACS3-HMAC-SHA256"

// emptyHash is the SHA-256 of an empty body.
var emptyHash = sha256Hex(nil)

// signAliyun returns the request's signed headers, Authorization among
// them, as the V3 document builds them: the canonical request (method,
// "/", the sorted query, the host and x-acs-* headers, their names, the
// body's hash), hashed, after the algorithm's name, HMAC'd with the secret.
func signAliyun(r aliyunRequest, keyID, secret string) map[string]string {
	headers := map[string]string{
		"host":                  r.Host,
		"x-acs-action":          r.Action,
		"x-acs-version":         r.Version,
		"x-acs-date":            r.Date.UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": r.Nonce,
		"x-acs-content-sha256":  emptyHash,
	}
	canonical, signed := canonicalHeaders(headers)
	request := strings.Join([]string{http.MethodPost, "/", canonicalQuery(r.Query), canonical, signed, emptyHash}, "\n")
	toSign := aliyunAlgorithm + "\n" + sha256Hex([]byte(request))
	signature := hex.EncodeToString(hmacSHA256([]byte(secret), toSign))
	headers["authorization"] = aliyunAlgorithm + " Credential=" + keyID + ",SignedHeaders=" + signed + ",Signature=" + signature
	return headers
}

// aliyunReply is SendSms's answer, and the gateway's errors'.
type aliyunReply struct {
	Code      string
	Message   string
	BizID     string `json:"BizId"`
	RequestID string `json:"RequestId"`
}

// aliyunRetried are the codes of a message not taken this time: flow
// control (分钟级/小时级流控), the gateway's throttling, the service busy.
func aliyunRetried(code string) bool {
	return code == "isv.BUSINESS_LIMIT_CONTROL" || strings.HasPrefix(code, "Throttling") ||
		code == "ServiceUnavailable" || code == "InternalError"
}

func (a Aliyun) Send(ctx context.Context, m Message) (Receipt, error) {
	endpoint, err := url.Parse(a.Endpoint)
	if err != nil {
		return Receipt{}, &Error{Outcome: Refused, Code: "config", Message: "bad endpoint"}
	}
	params := map[string]string{}
	for _, name := range a.Params {
		params[name] = m.Params[name]
	}
	templateParam, err := json.Marshal(params)
	if err != nil {
		return Receipt{}, &Error{Outcome: Refused, Code: "params", Message: err.Error()}
	}
	query := map[string]string{"PhoneNumbers": m.Phone, "SignName": a.SignName,
		"TemplateCode": a.TemplateCode, "TemplateParam": string(templateParam)}
	headers := signAliyun(aliyunRequest{Host: endpoint.Host, Action: "SendSms", Version: "2017-05-25",
		Query: query, Date: now(a.Now), Nonce: nonce(a.Nonce)}, a.AccessKeyID, a.AccessSecret)
	target := endpoint.Scheme + "://" + endpoint.Host + "/?" + canonicalQuery(query)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return Receipt{}, &Error{Outcome: Refused, Code: "request", Message: err.Error()}
	}
	for name, value := range headers {
		if name != "host" {
			req.Header.Set(name, value)
		}
	}
	var reply aliyunReply
	status, err := post(client(a.Client), req, &reply)
	if err != nil {
		return Receipt{}, err
	}
	if reply.Code == "OK" && status == http.StatusOK {
		return Receipt{ProviderID: reply.BizID, RequestID: reply.RequestID}, nil
	}
	outcome := Refused
	if aliyunRetried(reply.Code) || status >= 500 {
		outcome = Retry
	}
	return Receipt{}, &Error{Outcome: outcome, Code: reply.Code, Message: reply.Message, RequestID: reply.RequestID}
}

func now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}

// nonce is gen's, or 16 random bytes in hex.
func nonce(gen func() string) string {
	if gen != nil {
		return gen()
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on Linux
	return hex.EncodeToString(b)
}

func client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 10 * time.Second}
}
