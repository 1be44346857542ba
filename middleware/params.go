package middleware

import (
	"bytes"
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
// token from them, enforcing the body size limit (45002). A body is held
// in memory only within the server's budget of body bytes (nil: none):
// the legacy contract puts the token in the body, so bodies are read
// before anyone is known, and without a budget a flood of them would be
// held all at once.
func ParseParams(maxBody int64, budget *Gate) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := parseQuery(c.Request)
		if err == nil && c.Request.ContentLength > maxBody {
			err = apierr.ErrBodyTooLarge // at once, not after waiting for the budget
		}
		if err == nil && hasBody(c.Request) {
			var release func()
			if release, err = budget.Acquire(c.Request.Context(), bodyCharge(c.Request, maxBody)); err == nil {
				defer release() // once the request is answered: its parameters point into the body
				err = parseBody(p, c.Writer, c.Request, maxBody)
			}
		}
		if err != nil {
			Fail(c, err)
			return
		}
		c.Set(paramsKey, p)
		c.Next()
	}
}

// ParseQuery reads the query string's parameters only, for the routes
// that authenticate before reading a (large) body.
func ParseQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := parseQuery(c.Request)
		if err != nil {
			Fail(c, err)
			return
		}
		c.Set(paramsKey, p)
		c.Next()
	}
}

func parseQuery(r *http.Request) (Params, error) {
	p := Params{values: map[string]Param{}}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return p, apierr.ErrMalformedQuery
	}
	addFirstValues(p, query)
	return p, nil
}

// hasBody: a method whose body is read, with one (or one of unknown
// length).
func hasBody(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
}

// bodyCharge is what a body may take of the budget: its length, or the
// most it may be when the client did not say (chunked).
func bodyCharge(r *http.Request, maxBody int64) int64 {
	if r.ContentLength > 0 && r.ContentLength <= maxBody {
		return r.ContentLength
	}
	return maxBody
}

// parseBody adds the body's parameters to p (they win over the query's).
func parseBody(p Params, w http.ResponseWriter, r *http.Request, maxBody int64) error {
	if r.ContentLength > maxBody {
		return apierr.ErrBodyTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded":
		body, err := readBody(r.Body, r.ContentLength)
		if err != nil {
			return bodyError(err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return apierr.ErrMalformedBody
		}
		addFirstValues(p, form)
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return bodyError(err)
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		addFirstValues(p, r.MultipartForm.Value)
	case "application/json":
		if err := addJSONValues(p, r.Body); err != nil {
			return bodyError(err)
		}
	}
	// Other content types carry no parameters we read; their body is ignored.
	return nil
}

// readBody reads a body whole into a buffer of its declared length, not
// one grown by doubling past it.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length <= 0 {
		return io.ReadAll(body)
	}
	buf := bytes.NewBuffer(make([]byte, 0, length+1))
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
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
// true/false, null as empty. It reads token by token: a nested value is
// skipped (and marked Structured), never built, so a body of a million
// tiny arrays costs no more memory than its own bytes.
func addJSONValues(p Params, body io.Reader) error {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	open, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil // an empty body
	}
	if err != nil {
		return err
	}
	if open == nil {
		return jsonEnd(dec)
	}
	if open != json.Delim('{') {
		return apierr.ErrMalformedBody
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := key.(string)
		value, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := value.(type) {
		case string:
			p.set(name, v, false)
		case json.Number:
			p.set(name, v.String(), false)
		case bool:
			p.set(name, strconv.FormatBool(v), false)
		case nil:
			p.set(name, "", false)
		case json.Delim:
			if err := skipJSON(dec); err != nil {
				return err
			}
			p.set(name, "", true)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	return jsonEnd(dec)
}

// skipJSON reads past the rest of an object or array whose opening
// delimiter was just read.
func skipJSON(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// jsonEnd: nothing but white space may follow the value.
func jsonEnd(dec *json.Decoder) error {
	switch _, err := dec.Token(); {
	case err == nil:
		return apierr.ErrMalformedBody
	case errors.Is(err, io.EOF):
		return nil
	default:
		return err
	}
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
