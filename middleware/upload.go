package middleware

import (
	"io"
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

// ParseUpload is ParseParams for the routes that take a file: a larger
// body limit (45002 beyond it), and the part named field kept for the
// handler (UploadOf).
func ParseUpload(maxBody int64, field string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, upload, err := parseUpload(c.Writer, c.Request, maxBody, field)
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

func parseUpload(w http.ResponseWriter, r *http.Request, maxBody int64, field string) (Params, *Upload, error) {
	p, err := parseParams(w, r, maxBody)
	if err != nil || r.MultipartForm == nil {
		return p, nil, err
	}
	// The parts are in memory (ParseMultipartForm was given the whole body
	// limit), so parseParams's RemoveAll of temporary files left them.
	files := r.MultipartForm.File[field]
	if len(files) == 0 {
		return p, nil, nil
	}
	f, err := files[0].Open()
	if err != nil {
		return p, nil, apierr.ErrMalformedBody
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBody+1))
	if err != nil {
		return p, nil, apierr.ErrMalformedBody
	}
	if int64(len(data)) > maxBody {
		return p, nil, apierr.ErrBodyTooLarge
	}
	return p, &Upload{Filename: files[0].Filename, Data: data}, nil
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
