package controllers

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/middleware"
)

// FuzzBindPatient sends whatever query string, body and content type to
// the patient binders, through the same parameter parsing as the server:
// they answer 44001, 40035 or 45002 or bind values within their rules, and
// never panic. The seeds run with every `go test`; `go test ./controllers
// -fuzz FuzzBindPatient` explores further.
func FuzzBindPatient(f *testing.F) {
	gin.SetMode(gin.TestMode)
	for _, seed := range []struct{ query, contentType, body string }{
		{"", "application/x-www-form-urlencoded", "name=张三&add_time=1491983355&state=0"},
		{"", "application/json", `{"name":"张三","addTime":1491983355,"state":1,"orderTime":1491983400,"tel":"135 1234 5678"}`},
		{"", "application/json", `{"name":{"x":1},"add_time":[1],"state":null}`},
		{"", "application/json", `{"name":"张三"} {"state":1}`},
		{"", "application/x-www-form-urlencoded", "name=%ZZ"},
		{"", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n张三\r\n--x--\r\n"},
		{"name=李四&state=2", "text/plain", "name=ignored"},
		{"sort_by=name&order=asc&page=2&per_page=100&q=王&state=1&add_time_from=1&doctor_id=0", "", ""},
		{"page=0&per_page=101&sort_by=password&order=sideways", "", ""},
		{"age=1e3&sex=2&qq=12a&tel=%2B-&name=\u202e", "", ""},
	} {
		f.Add(seed.query, seed.contentType, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, query, contentType string, body []byte) {
		for _, method := range []string{"POST", "GET"} {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(method, "/", bytes.NewReader(body))
			c.Request.URL.RawQuery = query
			c.Request.Header.Set("Content-Type", contentType)
			middleware.ParseParams(1<<20, nil)(c)
			if c.IsAborted() {
				wantBindingError(t, c.Errors.Last().Err)
				continue
			}
			if w, err := bindNewPatient(c); err != nil {
				wantBindingError(t, err)
			} else if !utf8.ValidString(w.fields.Name) || w.fields.Name == "" || !ruleOf(fieldNamed("name")).allows(w.fields.Name) {
				t.Fatalf("bound a name its rule refuses: %q", w.fields.Name)
			}
			if _, err := bindPatientEdit(c); err != nil {
				wantBindingError(t, err)
			}
			if q, err := bindPatientList(c, defaultPerPage); err != nil {
				wantBindingError(t, err)
			} else if q.page.Page < 1 || q.page.PerPage < 1 || q.page.PerPage > maxPerPage {
				t.Fatalf("bound page %d per_page %d", q.page.Page, q.page.PerPage)
			}
		}
	})
}

func wantBindingError(t *testing.T, err error) {
	t.Helper()
	var public *apierr.Error
	if !errors.As(err, &public) {
		t.Fatalf("not a contract error: %v", err)
	}
	switch public.Code {
	case apierr.CodeMissingParam, apierr.CodeInvalidParam, apierr.CodeBodyTooLarge:
	default:
		t.Fatalf("binding answered %d %s", public.Code, public.Message)
	}
}
