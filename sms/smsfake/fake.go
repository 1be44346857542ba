// Package smsfake stands in for the SMS vendors' endpoints in tests and
// benchmarks: an httptest server that checks each request's signature
// and answers as the vendor does, success, errors and throttling.
package smsfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	"crm/sms"
)

// Sent is one message a fake took.
type Sent struct {
	Phone  string
	Params map[string]string // by name (Aliyun) or "1", "2", … (Tencent)
}

// Fake is a vendor's endpoint.
type Fake struct {
	*httptest.Server
	mu       sync.Mutex
	sent     []Sent
	failures []string // codes to answer the next requests with, in order
	rejected int      // requests whose signature did not verify
	serial   int
}

// Sent lists the messages taken, in order.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// Rejected counts requests refused for their signature.
func (f *Fake) Rejected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rejected
}

// FailNext answers the next requests with these vendor codes, one each.
func (f *Fake) FailNext(codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, codes...)
}

// take records a request: its failure code if one is queued, else the
// message's serial number.
func (f *Fake) take(verified bool, s Sent) (failure string, serial int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !verified {
		f.rejected++
		return "signature", 0
	}
	if len(f.failures) > 0 {
		failure, f.failures = f.failures[0], f.failures[1:]
		return failure, 0
	}
	f.serial++
	f.sent = append(f.sent, s)
	return "", f.serial
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Aliyun is dysmsapi's SendSms for keyID and secret.
func Aliyun(keyID, secret string) *Fake {
	f := &Fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		params := map[string]string{}
		_ = json.Unmarshal([]byte(q.Get("TemplateParam")), &params)
		ok := r.Header.Get("x-acs-action") == "SendSms" && r.Header.Get("x-acs-version") == "2017-05-25" &&
			sms.VerifyAliyun(r, body, keyID, secret)
		failure, serial := f.take(ok, Sent{Phone: q.Get("PhoneNumbers"), Params: params})
		requestID := "F655A8D5-B967-440B-8683-" + strconv.Itoa(100000000000+serial)
		switch failure {
		case "":
			writeJSON(w, http.StatusOK, map[string]string{"Code": "OK", "Message": "OK",
				"BizId": strconv.Itoa(900619746936498440+serial) + "^0", "RequestId": requestID})
		case "signature":
			writeJSON(w, http.StatusBadRequest, map[string]string{"Code": "SignatureDoesNotMatch",
				"Message": "Specified signature does not match our calculation.", "RequestId": requestID, "HostId": "dysmsapi.aliyuncs.com"})
		case "isv.BUSINESS_LIMIT_CONTROL":
			writeJSON(w, http.StatusOK, map[string]string{"Code": failure, "Message": "触发分钟级流控Permits:1", "RequestId": requestID})
		case "Throttling.User":
			writeJSON(w, http.StatusBadRequest, map[string]string{"Code": failure, "Message": "Request was denied due to user flow control.", "RequestId": requestID})
		case "ServiceUnavailable":
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"Code": failure, "Message": "The request has failed due to a temporary failure of the server.", "RequestId": requestID})
		default: // e.g. isv.MOBILE_NUMBER_ILLEGAL
			writeJSON(w, http.StatusOK, map[string]string{"Code": failure, "Message": "非法手机号", "RequestId": requestID})
		}
	}))
	return f
}

// Tencent is sms.tencentcloudapi.com's SendSms for secretID and secretKey.
func Tencent(secretID, secretKey string) *Fake {
	f := &Fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			PhoneNumberSet   []string
			TemplateParamSet []string
		}
		_ = json.Unmarshal(body, &req)
		ok := r.Header.Get("X-TC-Action") == "SendSms" && r.Header.Get("X-TC-Version") == "2021-01-11" &&
			len(req.PhoneNumberSet) == 1 && sms.VerifyTencent(r, body, secretID, secretKey, "sms")
		s := Sent{Params: map[string]string{}}
		if len(req.PhoneNumberSet) == 1 {
			s.Phone = req.PhoneNumberSet[0]
		}
		for i, v := range req.TemplateParamSet {
			s.Params[strconv.Itoa(i+1)] = v
		}
		failure, serial := f.take(ok, s)
		requestID := "a0aabda6-cf91-4f3e-a81f-" + strconv.Itoa(100000000000+serial)
		apiError := func(code, message string) {
			writeJSON(w, http.StatusOK, map[string]any{"Response": map[string]any{
				"Error": map[string]string{"Code": code, "Message": message}, "RequestId": requestID}})
		}
		status := func(code, message, serialNo string) {
			writeJSON(w, http.StatusOK, map[string]any{"Response": map[string]any{
				"SendStatusSet": []map[string]any{{"SerialNo": serialNo, "PhoneNumber": s.Phone, "Fee": 1,
					"SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"}},
				"RequestId": requestID}})
		}
		switch failure {
		case "":
			status("Ok", "send success", "5000:"+strconv.Itoa(104571066915705365+serial))
		case "signature":
			apiError("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
		case "RequestLimitExceeded":
			apiError(failure, "Your current request times equals to `20` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls.")
		case "InternalError.Timeout":
			apiError(failure, "请求下发短信超时。")
		default: // per-number codes, e.g. LimitExceeded.PhoneNumberThirtySecondLimit, InvalidParameterValue.IncorrectPhoneNumber
			status(failure, failure, "")
		}
	}))
	return f
}
