package sms

import (
	"testing"
	"time"
)

// The example of Alibaba Cloud's "V3版本请求体&签名机制" (固定参数示例):
// RunInstances on ecs.cn-shanghai with two query parameters and no body.
func TestAliyunSignatureReproducesTheV3DocumentSample(t *testing.T) {
	headers := signAliyun(aliyunRequest{
		Host: "ecs.cn-shanghai.aliyuncs.com", Action: "RunInstances", Version: "2014-05-26",
		Query: map[string]string{"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"},
		Date:  time.Date(2023, 10, 26, 10, 22, 32, 0, time.UTC), Nonce: "3156853299f313e23d1673dc12e1703d",
	}, "YourAccessKeyId", "YourAccessKeySecret")
	want := "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
	if got := headers["authorization"]; got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
	if headers["x-acs-content-sha256"] != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("content hash %s", headers["x-acs-content-sha256"])
	}
}

// The example of Tencent Cloud's "签名方法 v3": DescribeInstances on
// cvm at 1551113065, with the document's (masked) sample keys.
func TestTencentSignatureReproducesTheTC3DocumentSample(t *testing.T) {
	payload := `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	if got := sha256Hex([]byte(payload)); got != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
		t.Fatalf("payload hash %s", got)
	}
	got := signTencent("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******", "cvm",
		"cvm.tencentcloudapi.com", []byte(payload), 1551113065)
	want := "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
	if got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
}

func TestPercentEncodingIsRFC3986(t *testing.T) {
	for in, want := range map[string]string{"AZaz09-_.~": "AZaz09-_.~", "a b*c+d/e=f&g": "a%20b%2Ac%2Bd%2Fe%3Df%26g", "预约": "%E9%A2%84%E7%BA%A6"} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}
