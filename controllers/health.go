package controllers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

// HealthController answers the orchestrator's probes. These are not API
// endpoints: they use real HTTP statuses whatever the API's setting, since
// that is all a probe reads.
type HealthController struct {
	DB *gorm.DB
}

type healthJSON struct {
	Status string `json:"status"`
}

// Live is GET /healthz: the process serves requests.
func (HealthController) Live(c *gin.Context) {
	c.JSON(http.StatusOK, healthJSON{Status: "ok"})
}

// Ready is GET /readyz: the database answers a ping within 2 s.
func (h HealthController) Ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	sqlDB, err := h.DB.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, healthJSON{Status: "database unavailable"})
		return
	}
	c.JSON(http.StatusOK, healthJSON{Status: "ok"})
}
