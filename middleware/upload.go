package middleware

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"crm/apierr"
)

// Upload is a file sent as a multipart part, read whole (its size is
// bounded by the route's body limit).
type Upload struct {
	Filename string
	Data     []byte
}

const (
	// maxUploadParts and maxUploadField bound the other parts of an
	// upload: a handful of short fields beside the file.
	maxUploadParts = 32
	maxUploadField = 64 << 10
)

// ParseUpload reads the body of a route that takes a file, after
// ParseQuery and authentication: the body is read only for a caller
// known to be allowed, which a stranger sending 20 MiB bodies never is.
// A multipart body is read part by part, up to maxUpload in all (45002
// beyond it), the part named field kept for the handler (UploadOf) and
// the others as parameters; any other body, which carries no file, as
// ParseParams would read it, up to maxBody.
func ParseUpload(maxUpload, maxBody int64, field string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := ParamsOf(c)
		r := c.Request
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var upload *Upload
		var err error
		switch {
		case !hasBody(r):
		case mediaType == "multipart/form-data":
			upload, err = readUpload(p, c.Writer, r, maxUpload, field)
		default:
			err = parseBody(p, c.Writer, r, maxBody)
		}
		if err != nil {
			Fail(c, err)
			return
		}
		c.Set(paramsKey, p)
		if upload != nil {
			c.Set(uploadKey, *upload)
		}
		c.Next()
	}
}

func readUpload(p Params, w http.ResponseWriter, r *http.Request, maxUpload int64, field string) (*Upload, error) {
	if r.ContentLength > maxUpload {
		return nil, apierr.ErrBodyTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	parts, err := r.MultipartReader()
	if err != nil {
		return nil, apierr.ErrMalformedBody
	}
	var upload *Upload
	inBody := map[string]bool{}
	for n := 0; ; n++ {
		part, err := parts.NextPart()
		if errors.Is(err, io.EOF) {
			return upload, nil
		}
		if err != nil {
			return nil, bodyError(err)
		}
		if n >= maxUploadParts {
			return nil, apierr.ErrMalformedBody
		}
		name := part.FormName()
		switch {
		case name == field && upload == nil:
			data, err := readBody(part, r.ContentLength)
			if err != nil {
				return nil, bodyError(err)
			}
			upload = &Upload{Filename: part.FileName(), Data: data}
		case part.FileName() != "" || name == field:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, bodyError(err)
			}
		default:
			var value bytes.Buffer
			if _, err := value.ReadFrom(io.LimitReader(part, maxUploadField+1)); err != nil {
				return nil, bodyError(err)
			}
			if value.Len() > maxUploadField {
				return nil, apierr.ErrMalformedBody
			}
			if !inBody[name] { // the first of a name, as ParseParams takes it
				p.set(name, value.String(), false)
				inBody[name] = true
			}
		}
	}
}

// UploadOf returns the file ParseUpload kept, if one was sent.
func UploadOf(c *gin.Context) (Upload, bool) {
	return valueOf[Upload](c, uploadKey)
}

// ParamsFrom makes parameters of plain values (a row of an imported file),
// so that they are bound by the same rules as a request's.
func ParamsFrom(values map[string]string) Params {
	p := Params{values: map[string]Param{}}
	for name, v := range values {
		p.set(name, v, false)
	}
	return p
}
