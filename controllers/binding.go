// Package controllers turns HTTP requests into model calls: bind the
// parameters, call one model function, present the result.
package controllers

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/internal/casing"
	"crm/middleware"
	"crm/models/access"
)

// Handler returns the success body or an error; JSON adapts it to Gin so
// that no handler writes a failure response of its own.
type Handler func(c *gin.Context) (any, error)

func JSON(h Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := h(c)
		if err != nil {
			middleware.Fail(c, err)
			return
		}
		middleware.Respond(c, body)
	}
}

// binder reads parameters by any of their spellings (snake_case first,
// then camelCase) and keeps the first problem: 44001 for a required
// parameter that is absent or blank, 40035 for one whose value breaks its
// rule. Values are trimmed; a blank optional value means "none".
type binder struct {
	params middleware.Params
	err    error
}

func newBinder(c *gin.Context) *binder {
	return &binder{params: middleware.ParamsOf(c)}
}

func (b *binder) missing(name string) {
	if b.err == nil {
		b.err = apierr.Missing(name)
	}
}

func (b *binder) invalid(name string) {
	if b.err == nil {
		b.err = apierr.Invalid(name)
	}
}

// lookup finds the first of names the request carries, each as written
// (snake_case) or in camelCase.
func (b *binder) lookup(names []string) (middleware.Param, bool) {
	for _, name := range names {
		if p, found := b.params.Lookup(name); found {
			return p, true
		}
		if camel := casing.Camel(name); camel != name {
			if p, found := b.params.Lookup(camel); found {
				return p, true
			}
		}
	}
	return middleware.Param{}, false
}

// sent reports whether the request carries any of names, in either
// spelling, blank or not.
func (b *binder) sent(names ...string) bool {
	_, found := b.lookup(names)
	return found
}

// value returns the name the client used and the trimmed value; ok is
// false when the parameter is absent, blank or unusable (then recorded).
// names are snake_case: their camelCase spellings are accepted too.
func (b *binder) value(names ...string) (string, string, bool) {
	p, found := b.lookup(names)
	if !found {
		return names[0], "", false
	}
	if p.Structured || !utf8.ValidString(p.Value) {
		b.invalid(p.Name)
		return p.Name, "", false
	}
	v := strings.TrimSpace(p.Value)
	return p.Name, v, v != ""
}

// textRule bounds free text in characters and refuses what no field
// needs: invalid UTF-8, control characters (multi-line fields keep line
// breaks and tabs), line separators in single-line fields, and the
// bidirectional controls that make text display in another order than it
// is stored in (a name that reads one way and sorts, searches and exports
// another).
type textRule struct {
	maxRunes  int
	multiline bool
}

func (r textRule) allows(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > r.maxRunes {
		return false
	}
	for _, c := range s {
		switch {
		case r.multiline && (c == '\n' || c == '\r' || c == '\t'):
		case unicode.IsControl(c), bidiControl(c):
			return false
		case !r.multiline && (c == '\u2028' || c == '\u2029'):
			return false
		}
	}
	return true
}

// bidiControl: the embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069) and the implicit marks (U+200E, U+200F, U+061C).
func bidiControl(c rune) bool {
	return c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069' ||
		c == '\u200e' || c == '\u200f' || c == '\u061c'
}

func (b *binder) requiredText(rule textRule, names ...string) string {
	return b.requiredMatch(rule.allows, names...)
}

// requiredMatch is required text that must satisfy valid in full.
func (b *binder) requiredMatch(valid func(string) bool, names ...string) string {
	name, v, ok := b.value(names...)
	if !ok {
		b.missing(name)
		return ""
	}
	if !valid(v) {
		b.invalid(name)
	}
	return v
}

func (b *binder) optionalText(rule textRule, names ...string) *string {
	name, v, ok := b.value(names...)
	if !ok {
		return nil
	}
	if !rule.allows(v) {
		b.invalid(name)
		return nil
	}
	return &v
}

// optionalMatch is optional text that must satisfy valid in full.
func (b *binder) optionalMatch(valid func(string) bool, names ...string) *string {
	name, v, ok := b.value(names...)
	if !ok {
		return nil
	}
	if !valid(v) {
		b.invalid(name)
		return nil
	}
	return &v
}

func (b *binder) requiredInt(min, max int64, names ...string) int64 {
	name, v, ok := b.value(names...)
	if !ok {
		b.missing(name)
		return 0
	}
	n, valid := parseInt(v, min, max)
	if !valid {
		b.invalid(name)
	}
	return n
}

func (b *binder) optionalInt(min, max int64, names ...string) *int64 {
	name, v, ok := b.value(names...)
	if !ok {
		return nil
	}
	n, valid := parseInt(v, min, max)
	if !valid {
		b.invalid(name)
		return nil
	}
	return &n
}

func parseInt(s string, min, max int64) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= min && n <= max
}

// Unix seconds accepted for any time parameter: after 1970, before 10000.
const (
	minUnixTime = 1
	maxUnixTime = 253402300799
)

// maxID bounds ids to what both databases store.
const maxID = 1<<63 - 1

// optionalRef reads a dictionary id where 0 or blank means "none".
func (b *binder) optionalRef(names ...string) *uint64 {
	n := b.optionalInt(0, maxID, names...)
	if n == nil || *n == 0 {
		return nil
	}
	id := uint64(*n)
	return &id
}

// optionalFilterID reads an id filter where 0 asks for rows without one.
func (b *binder) optionalFilterID(names ...string) *uint64 {
	n := b.optionalInt(0, maxID, names...)
	if n == nil {
		return nil
	}
	id := uint64(*n)
	return &id
}

// optionalTime reads unix seconds; 0 (the old backend's "not set") or
// blank means none.
func (b *binder) optionalTime(names ...string) *int64 {
	t := b.optionalInt(0, maxUnixTime, names...)
	if t == nil || *t == 0 {
		return nil
	}
	return t
}

// optionalChoice reads one of a fixed set of words, case-insensitively.
func (b *binder) optionalChoice(choices []string, names ...string) (string, bool) {
	name, v, ok := b.value(names...)
	if !ok {
		return "", false
	}
	for _, c := range choices {
		if strings.EqualFold(v, c) {
			return c, true
		}
	}
	b.invalid(name)
	return "", false
}

// optionalBool reads 1/0 or true/false.
func (b *binder) optionalBool(names ...string) *bool {
	name, v, ok := b.value(names...)
	if !ok {
		return nil
	}
	var result bool
	switch strings.ToLower(v) {
	case "1", "true":
		result = true
	case "0", "false":
	default:
		b.invalid(name)
		return nil
	}
	return &result
}

// idList reads a required comma-separated list of ids ("3,1,2").
func (b *binder) idList(names ...string) []uint64 {
	name, v, ok := b.value(names...)
	if !ok {
		b.missing(name)
		return nil
	}
	var ids []uint64
	for _, part := range strings.Split(v, ",") {
		id, err := strconv.ParseUint(strings.TrimSpace(part), 10, 64)
		if err != nil || id == 0 || id > maxID {
			b.invalid(name)
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}

// pathID reads the {id} of the path.
func pathID(c *gin.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 || id > maxID {
		return 0, apierr.Invalid("id")
	}
	return id, nil
}

// viewerAndID is the current user and the path's id.
func viewerAndID(c *gin.Context) (access.Viewer, uint64, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return access.Viewer{}, 0, err
	}
	id, err := pathID(c)
	return viewer, id, err
}

// bindPage reads page and per_page (both spellings) with the list's bounds.
func bindPage(b *binder) (page, perPage int) { return bindPageOf(b, defaultPerPage) }

// bindPageOf is bindPage with another default page size.
func bindPageOf(b *binder, defaultSize int) (page, perPage int) {
	page, perPage = 1, defaultSize
	if p := b.optionalInt(1, maxPage, "page"); p != nil {
		page = int(*p)
	}
	if pp := b.optionalInt(1, maxPerPage, "per_page"); pp != nil {
		perPage = int(*pp)
	}
	return page, perPage
}
