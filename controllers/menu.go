package controllers

import (
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models"
)

type MenuController struct {
	DB *gorm.DB
}

type menuDataJSON struct {
	MenuData []menuJSON `json:"menu_data"`
}

// Mine is GET /menu: the caller's role's menu tree.
func (m MenuController) Mine(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	tree, err := models.MenuTree(c.Request.Context(), m.DB, viewer)
	if err != nil {
		return nil, err
	}
	return menuDataJSON{MenuData: presentMenu(tree)}, nil
}
