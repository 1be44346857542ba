package middleware

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"crm/apierr"
)

// Params are a request's parameters from the query string and the body,
// whichever encoding the client used: the frontend posts form-encoded
// bodies (axios + qs), other clients JSON or multipart, all with the same
// names. Body values win over query values of the same name.
type Params struct {
	values map[string]Param
}

// Param is one parameter. Structured marks a JSON object or array, which
// no parameter accepts.
type Param struct {
	Name       string
	Value      string
	Structured bool
}

// Lookup returns the first of names the request carries.
func (p Params) Lookup(names ...string) (Param, bool) {
	for _, name := range names {
		if v, ok := p.values[name]; ok {
			return v, true
		}
	}
	return Param{}, false
}

func (p Params) set(name, value string, structured bool) {
	p.values[name] = Param{Name: name, Value: value, Structured: structured}
}

// ParamsOf returns what ParseParams stored; empty if it did not run.
func ParamsOf(c *gin.Context) Params {
	p, ok := valueOf[Params](c, paramsKey)
	if !ok {
		return Params{values: map[string]Param{}}
	}
	return p
}

// ParseParams reads the parameters once, before authentication needs the
// token from them, enforcing the body size limit (45002).
func ParseParams(maxBody int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := parseParams(c.Writer, c.Request, maxBody)
		if err != nil {
			Fail(c, err)
			return
		}
		c.Set(paramsKey, p)
		c.Next()
	}
}

func parseParams(w http.ResponseWriter, r *http.Request, maxBody int64) (Params, error) {
	p := Params{values: map[string]Param{}}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return p, apierr.ErrMalformedQuery
	}
	addFirstValues(p, query)

	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return p, nil
	}
	if r.ContentLength > maxBody {
		return p, apierr.ErrBodyTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return p, bodyError(err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return p, apierr.ErrMalformedBody
		}
		addFirstValues(p, form)
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return p, bodyError(err)
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		addFirstValues(p, r.MultipartForm.Value)
	case "application/json":
		if err := addJSONValues(p, r.Body); err != nil {
			return p, bodyError(err)
		}
	}
	// Other content types carry no parameters we read; their body is ignored.
	return p, nil
}

func addFirstValues(p Params, values map[string][]string) {
	for name, vs := range values {
		if len(vs) > 0 {
			p.set(name, vs[0], false)
		}
	}
}

// addJSONValues flattens a JSON object into parameters: strings as they
// are, numbers in their literal form (so "1" and 1 both work), booleans as
// true/false, null as empty.
func addJSONValues(p Params, body io.Reader) error {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty body
		}
		return err
	}
	if dec.More() {
		return apierr.ErrMalformedBody
	}
	if doc == nil {
		return nil
	}
	object, ok := doc.(map[string]any)
	if !ok {
		return apierr.ErrMalformedBody
	}
	for name, v := range object {
		switch v := v.(type) {
		case string:
			p.set(name, v, false)
		case json.Number:
			p.set(name, v.String(), false)
		case bool:
			p.set(name, strconv.FormatBool(v), false)
		case nil:
			p.set(name, "", false)
		default:
			p.set(name, "", true)
		}
	}
	return nil
}

func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apierr.ErrBodyTooLarge
	}
	var public *apierr.Error
	if errors.As(err, &public) {
		return public
	}
	return apierr.ErrMalformedBody
}
