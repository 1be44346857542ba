package controllers

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/notice"
)

// NoticeController serves the notices (通知) managers publish to staff.
type NoticeController struct {
	DB  *gorm.DB
	Now func() time.Time
}

type noticeJSON struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Body      string   `json:"body"`
	Audience  []string `json:"audience"`
	Pinned    bool     `json:"pinned"`
	Read      bool     `json:"read"`
	UserID    *string  `json:"userId"`
	Username  string   `json:"username"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

func presentNotice(n notice.Notice, read bool) noticeJSON {
	audience := n.Roles()
	if audience == nil {
		audience = []string{}
	}
	return noticeJSON{ID: strconv.FormatUint(n.ID, 10), Title: n.Title, Body: n.Body, Audience: audience, Pinned: n.Pinned,
		Read: read, UserID: optionalID(n.UserID), Username: n.Username,
		CreatedAt: strconv.FormatInt(n.CreatedAt.Unix(), 10), UpdatedAt: strconv.FormatInt(n.UpdatedAt.Unix(), 10)}
}

// noticeListJSON spells its paging out: unread sits between count and page,
// as the contract writes the envelope.
type noticeListJSON struct {
	NoticeData []noticeJSON `json:"notice_data"`
	Count      int64        `json:"count"`
	Unread     int64        `json:"unread"`
	Page       int          `json:"page"`
	PerPage    int          `json:"per_page"`
}

type oneNoticeJSON struct {
	Notice noticeJSON `json:"notice"`
}

const (
	maxNoticeTitleRunes = 100
	maxNoticeBodyRunes  = 5000
	maxNoticeRoles      = 10
)

// List is GET /notice: the notices addressed to the caller's role or to
// everyone, pinned first, newest next, with what it has read.
func (nc NoticeController) List(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	page, perPage := bindPage(b)
	if b.err != nil {
		return nil, b.err
	}
	rows, total, unread, err := notice.ListNotices(c.Request.Context(), nc.DB, viewer, page, perPage)
	if err != nil {
		return nil, err
	}
	out := make([]noticeJSON, len(rows))
	for i, n := range rows {
		out[i] = presentNotice(n.Notice, n.Read)
	}
	return noticeListJSON{NoticeData: out, Count: total, Unread: unread, Page: page, PerPage: perPage}, nil
}

// bindNotice reads title, body, audience (role keys, comma-separated;
// blank: everyone) and pinned (0/1); a new notice needs title and body.
func bindNotice(c *gin.Context, creating bool) (notice.NoticeFields, error) {
	b := newBinder(c)
	var f notice.NoticeFields
	if creating || b.sent("title") {
		f.Title = b.requiredText(textRule{maxRunes: maxNoticeTitleRunes}, "title")
		f.Set |= notice.NoticeTitle
	}
	if creating || b.sent("body") {
		f.Body = b.requiredText(textRule{maxRunes: maxNoticeBodyRunes, multiline: true}, "body")
		f.Set |= notice.NoticeBody
	}
	if b.sent("audience") {
		f.Set |= notice.NoticeAudience
		if name, v, ok := b.value("audience"); ok {
			for _, key := range strings.Split(v, ",") {
				key = strings.TrimSpace(key)
				if key == "" || len(key) > 32 || strings.ContainsAny(key, " %_!") {
					b.invalid(name)
					break
				}
				f.Audience = append(f.Audience, key)
			}
			if len(f.Audience) > maxNoticeRoles {
				b.invalid(name)
			}
		}
	}
	if pinned := b.optionalBool("pinned"); pinned != nil {
		f.Pinned = *pinned
		f.Set |= notice.NoticePinned
	}
	return f, b.err
}

// Create is POST /notice (notice.manage).
func (nc NoticeController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	f, err := bindNotice(c, true)
	if err != nil {
		return nil, err
	}
	n, err := notice.CreateNotice(c.Request.Context(), nc.DB, viewer, f, nc.Now())
	if err != nil {
		return nil, err
	}
	return oneNoticeJSON{presentNotice(n, false)}, nil
}

// Update is PATCH /notice/{id} (notice.manage): the fields sent change.
func (nc NoticeController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	f, err := bindNotice(c, false)
	if err != nil {
		return nil, err
	}
	n, err := notice.UpdateNotice(c.Request.Context(), nc.DB, viewer, id, f, nc.Now())
	if err != nil {
		return nil, err
	}
	return oneNoticeJSON{presentNotice(n, false)}, nil
}

// Delete is DELETE /notice/{id} (notice.manage).
func (nc NoticeController) Delete(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := notice.DeleteNotice(c.Request.Context(), nc.DB, viewer, id, nc.Now()); err != nil {
		return nil, err
	}
	return deletedJSON{Deleted: true}, nil
}

type readJSON struct {
	Read bool `json:"read"`
}

// Read is POST /notice/{id}/read: the caller has read a notice addressed
// to it.
func (nc NoticeController) Read(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := notice.MarkNoticeRead(c.Request.Context(), nc.DB, viewer, id, nc.Now()); err != nil {
		return nil, err
	}
	return readJSON{Read: true}, nil
}
