package sms

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Tencent sends by Tencent Cloud SMS (SendSms, 2021-01-11), signed with
// TC3-HMAC-SHA256.
type Tencent struct {
	Endpoint   string // https://sms.tencentcloudapi.com; a fake's URL in tests
	Region     string // ap-guangzhou
	SecretID   string
	SecretKey  string
	SdkAppID   string   // SmsSdkAppId, 1400…
	SignName   string   // 签名内容
	TemplateID string   // the template's id
	Params     []string // the template's variables, in its order ({1}, {2}, …)
	Client     *http.Client
	Now        func() time.Time
}

func (Tencent) Name() string { return "tencent" }

const (
	tencentAlgorithm   = "TC3-HMAC-SHA256"
	tencentContentType = "application/json; charset=utf-8"
)

// signTencent is the Authorization of a POST of payload to host for
// service at ts, as the TC3 document builds it: the canonical request
// (method, "/", no query, the content-type and host headers, their names,
// the payload's hash), hashed into the string to sign with the algorithm,
// time and credential scope, HMAC'd with a key derived from the secret,
// the date and the service.
func signTencent(secretID, secretKey, service, host string, payload []byte, ts int64) string {
	canonical, signed := canonicalHeaders(map[string]string{"content-type": tencentContentType, "host": host})
	request := strings.Join([]string{http.MethodPost, "/", "", canonical, signed, sha256Hex(payload)}, "\n")
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := tencentAlgorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sha256Hex([]byte(request))
	key := hmacSHA256(hmacSHA256(hmacSHA256([]byte("TC3"+secretKey), date), service), "tc3_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	return tencentAlgorithm + " Credential=" + secretID + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + signature
}

type tencentSend struct {
	PhoneNumberSet   []string
	SmsSdkAppID      string `json:"SmsSdkAppId"`
	SignName         string
	TemplateID       string `json:"TemplateId"`
	TemplateParamSet []string
}

// tencentReply is SendSms's answer: a status per number, or an error.
type tencentReply struct {
	Response struct {
		Error *struct {
			Code    string
			Message string
		}
		SendStatusSet []struct {
			SerialNo string
			Code     string
			Message  string
		}
		RequestID string `json:"RequestId"`
	}
}

// tencentRetried are the codes of a message not taken this time: the
// API's rate limits, the per-number 30-second and hourly limits, the
// service's own failures.
func tencentRetried(code string) bool {
	return strings.HasPrefix(code, "RequestLimitExceeded") || strings.HasPrefix(code, "InternalError") ||
		code == "LimitExceeded.PhoneNumberThirtySecondLimit" || code == "LimitExceeded.PhoneNumberOneHourLimit"
}

func (t Tencent) Send(ctx context.Context, m Message) (Receipt, error) {
	endpoint, err := url.Parse(t.Endpoint)
	if err != nil {
		return Receipt{}, &Error{Outcome: Refused, Code: "config", Message: "bad endpoint"}
	}
	values := make([]string, len(t.Params))
	for i, name := range t.Params {
		values[i] = m.Params[name]
	}
	payload, err := json.Marshal(tencentSend{PhoneNumberSet: []string{"+86" + m.Phone}, SmsSdkAppID: t.SdkAppID,
		SignName: t.SignName, TemplateID: t.TemplateID, TemplateParamSet: values})
	if err != nil {
		return Receipt{}, &Error{Outcome: Refused, Code: "params", Message: err.Error()}
	}
	ts := now(t.Now).Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.Scheme+"://"+endpoint.Host+"/", strings.NewReader(string(payload)))
	if err != nil {
		return Receipt{}, &Error{Outcome: Refused, Code: "request", Message: err.Error()}
	}
	req.Header.Set("Content-Type", tencentContentType)
	req.Header.Set("X-TC-Action", "SendSms")
	req.Header.Set("X-TC-Version", "2021-01-11")
	req.Header.Set("X-TC-Region", t.Region)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Authorization", signTencent(t.SecretID, t.SecretKey, "sms", endpoint.Host, payload, ts))
	var reply tencentReply
	status, err := post(client(t.Client), req, &reply)
	if err != nil {
		return Receipt{}, err
	}
	r := reply.Response
	code, message := "", ""
	switch {
	case r.Error != nil:
		code, message = r.Error.Code, r.Error.Message
	case len(r.SendStatusSet) != 1:
		code, message = "reply", "no send status"
	case strings.EqualFold(r.SendStatusSet[0].Code, "Ok"):
		return Receipt{ProviderID: r.SendStatusSet[0].SerialNo, RequestID: r.RequestID}, nil
	default:
		code, message = r.SendStatusSet[0].Code, r.SendStatusSet[0].Message
	}
	outcome := Refused
	if tencentRetried(code) || status >= 500 {
		outcome = Retry
	}
	return Receipt{}, &Error{Outcome: outcome, Code: code, Message: message, RequestID: r.RequestID}
}
