package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

const specPath = "../docs/openapi.yaml"

type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	// Exports are files: validated as opaque bodies of their content type.
	openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
	// So are the API reference's documents.
	for _, contentType := range []string{"application/yaml", "text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(contentType, openapi3filter.FileBodyDecoder)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &spec{doc: doc, router: router}, nil
})

func TestSpecIsValid(t *testing.T) {
	if _, err := loadSpec(); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
}

// validateAgainstSpec checks a response against the operation the request
// matches. Responses of methods or paths the spec does not list (4300x,
// unknown paths) are checked against the MethodError and NotFoundError
// schemas; CORS preflights and refusals carry no body.
func validateAgainstSpec(t testing.TB, req *http.Request, resp response) {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if len(resp.body) == 0 && (resp.status == http.StatusNoContent || resp.status == http.StatusForbidden) {
		return
	}
	probe := req.Clone(context.Background())
	if strings.HasPrefix(probe.URL.Path, api) && !strings.HasSuffix(probe.URL.Path, "/") {
		probe.URL.Path += "/"
	}
	route, pathParams, err := s.router.FindRoute(probe)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		validateSchema(t, s, "MethodError", resp)
		return
	case errors.Is(err, routers.ErrPathNotFound):
		validateSchema(t, s, "NotFoundError", resp)
		return
	case err != nil:
		t.Fatalf("spec route for %s %s: %v", req.Method, req.URL.Path, err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    probe,
			PathParams: pathParams,
			Route:      route,
		},
		Status:  resp.status,
		Header:  resp.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	input.SetBodyBytes(resp.body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("response of %s %s does not match docs/openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, err, resp.body)
	}
}

func validateSchema(t testing.TB, s *spec, name string, resp response) {
	t.Helper()
	ref := s.doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("no schema %s in the spec", name)
	}
	var body any
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	if err := dec.Decode(&body); err != nil {
		t.Errorf("body is not JSON: %s", resp.body)
		return
	}
	if err := ref.Value.VisitJSON(body); err != nil {
		t.Errorf("body does not match schema %s: %v\nbody: %s", name, err, resp.body)
	}
}
