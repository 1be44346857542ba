package sms_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"crm/sms"
	"crm/sms/smsfake"
)

var message = sms.Message{Phone: "13800138000", Text: "张三，您好",
	Params: map[string]string{"name": "张三", "time": "12月8日 09:30", "doctor": "王医生", "clinic": "温州门诊"}}

func aliyunClient(endpoint, secret string) sms.Aliyun {
	return sms.Aliyun{Endpoint: endpoint, AccessKeyID: "test-key", AccessSecret: secret, SignName: "温州门诊",
		TemplateCode: "SMS_100000001", Params: []string{"name", "time", "doctor"}}
}

func tencentClient(endpoint, secret string) sms.Tencent {
	return sms.Tencent{Endpoint: endpoint, Region: "ap-guangzhou", SecretID: "AKIDtest", SecretKey: secret,
		SdkAppID: "1400006666", SignName: "温州门诊", TemplateID: "1110", Params: []string{"name", "time", "doctor"}}
}

func outcome(t *testing.T, err error) (sms.Outcome, string) {
	t.Helper()
	var e *sms.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *sms.Error", err)
	}
	return e.Outcome, e.Code
}

func TestAliyunSendsSignedAndReadsTheVendorsAnswers(t *testing.T) {
	fake := smsfake.Aliyun("test-key", "test-secret")
	defer fake.Close()
	client := aliyunClient(fake.URL, "test-secret")

	receipt, err := client.Send(context.Background(), message)
	if err != nil || receipt.ProviderID != "900619746936498441^0" || receipt.RequestID != "F655A8D5-B967-440B-8683-100000000001" {
		t.Fatalf("receipt %+v, error %v", receipt, err)
	}
	want := []smsfake.Sent{{Phone: "13800138000", Params: map[string]string{"name": "张三", "time": "12月8日 09:30", "doctor": "王医生"}}}
	if diff := cmp.Diff(want, fake.Sent()); diff != "" {
		t.Fatalf("sent (-want +got):\n%s", diff)
	}

	for code, want := range map[string]sms.Outcome{"isv.BUSINESS_LIMIT_CONTROL": sms.Retry, "Throttling.User": sms.Retry,
		"ServiceUnavailable": sms.Retry, "isv.MOBILE_NUMBER_ILLEGAL": sms.Refused} {
		fake.FailNext(code)
		_, err := client.Send(context.Background(), message)
		if got, gotCode := outcome(t, err); got != want || gotCode != code {
			t.Errorf("%s: outcome %v code %s, want %v", code, got, gotCode, want)
		}
	}
	_, err = aliyunClient(fake.URL, "wrong-secret").Send(context.Background(), message)
	if got, code := outcome(t, err); got != sms.Refused || code != "SignatureDoesNotMatch" || fake.Rejected() != 1 {
		t.Fatalf("wrong secret: %v %s, rejected %d", got, code, fake.Rejected())
	}
	if len(fake.Sent()) != 1 {
		t.Fatalf("sent %d, want 1", len(fake.Sent()))
	}
}

func TestTencentSendsSignedAndReadsTheVendorsAnswers(t *testing.T) {
	fake := smsfake.Tencent("AKIDtest", "test-secret")
	defer fake.Close()
	client := tencentClient(fake.URL, "test-secret")

	receipt, err := client.Send(context.Background(), message)
	if err != nil || receipt.ProviderID != "5000:104571066915705366" || receipt.RequestID != "a0aabda6-cf91-4f3e-a81f-100000000001" {
		t.Fatalf("receipt %+v, error %v", receipt, err)
	}
	want := []smsfake.Sent{{Phone: "+8613800138000", Params: map[string]string{"1": "张三", "2": "12月8日 09:30", "3": "王医生"}}}
	if diff := cmp.Diff(want, fake.Sent()); diff != "" {
		t.Fatalf("sent (-want +got):\n%s", diff)
	}
	for code, want := range map[string]sms.Outcome{"RequestLimitExceeded": sms.Retry, "InternalError.Timeout": sms.Retry,
		"LimitExceeded.PhoneNumberThirtySecondLimit": sms.Retry, "InvalidParameterValue.IncorrectPhoneNumber": sms.Refused} {
		fake.FailNext(code)
		_, err := client.Send(context.Background(), message)
		if got, gotCode := outcome(t, err); got != want || gotCode != code {
			t.Errorf("%s: outcome %v code %s, want %v", code, got, gotCode, want)
		}
	}
	_, err = tencentClient(fake.URL, "wrong-secret").Send(context.Background(), message)
	if got, code := outcome(t, err); got != sms.Refused || code != "AuthFailure.SignatureFailure" || fake.Rejected() != 1 {
		t.Fatalf("wrong secret: %v %s, rejected %d", got, code, fake.Rejected())
	}
}

// A provider never reached is tried again; one that took the request and
// broke the connection is not (the message may have gone).
func TestTransportFailuresAreRetriedOnlyWhenNothingWasSent(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + listener.Addr().String()
	listener.Close()
	if got, _ := outcome(t, errOf(aliyunClient(closed, "s").Send(context.Background(), message))); got != sms.Retry {
		t.Errorf("refused connection: %v, want Retry", got)
	}
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer hangUp.Close()
	if got, _ := outcome(t, errOf(tencentClient(hangUp.URL, "s").Send(context.Background(), message))); got != sms.Unknown {
		t.Errorf("connection broken after the request: %v, want Unknown", got)
	}
}

func errOf(_ sms.Receipt, err error) error { return err }

func TestMaskKeepsTheEnds(t *testing.T) {
	if got := sms.Mask("13800138000"); got != "138****8000" {
		t.Fatalf("Mask = %s", got)
	}
}
