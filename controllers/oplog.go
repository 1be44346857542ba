package controllers

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/models/oplog"
)

// OpLogController reads the operation log; nothing writes it but the
// changes themselves.
type OpLogController struct {
	DB *gorm.DB
}

type opLogJSON struct {
	ID         string          `json:"id"`
	UserID     *string         `json:"userId"`
	Username   string          `json:"username"`
	Action     string          `json:"action"`
	TargetType string          `json:"targetType"`
	TargetID   string          `json:"targetId"`
	Address    string          `json:"address"`
	Time       string          `json:"time"`
	Summary    json.RawMessage `json:"summary"`
}

type opLogListJSON struct {
	LogData []opLogJSON `json:"log_data"`
	pageJSON
}

// List is GET /log: newest first; filters user_id, action, target_type,
// from and to (unix seconds, inclusive).
func (oc OpLogController) List(c *gin.Context) (any, error) {
	b := newBinder(c)
	var f oplog.OpLogFilter
	if user := b.optionalInt(1, maxID, "user_id"); user != nil {
		id := uint64(*user)
		f.UserID = &id
	}
	f.Action = deref(b.optionalText(textRule{maxRunes: 32}, "action"))
	f.TargetType = deref(b.optionalText(textRule{maxRunes: 32}, "target_type"))
	if from := b.optionalTime("from"); from != nil {
		t := time.Unix(*from, 0)
		f.From = &t
	}
	if to := b.optionalTime("to"); to != nil {
		t := time.Unix(*to, 0).Add(time.Second - time.Nanosecond) // the whole last second
		f.To = &t
	}
	page, perPage := bindPage(b)
	if b.err != nil {
		return nil, b.err
	}
	rows, total, err := oplog.ListOpLog(c.Request.Context(), oc.DB, f, page, perPage)
	if err != nil {
		return nil, err
	}
	out := make([]opLogJSON, len(rows))
	for i, r := range rows {
		out[i] = opLogJSON{ID: strconv.FormatUint(r.ID, 10), UserID: optionalID(r.UserID), Username: r.Username,
			Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, Address: r.Address,
			Time: strconv.FormatInt(r.CreatedAt.Unix(), 10), Summary: json.RawMessage(r.Summary)}
	}
	return opLogListJSON{LogData: out, pageJSON: pageOf(total, page, perPage)}, nil
}
