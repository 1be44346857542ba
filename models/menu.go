package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

type Menu struct {
	ID        uint64
	ParentID  uint64
	Title     string
	Name      string
	URL       string `gorm:"column:url"`
	SortOrder int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MenuNode is a top-level menu with the children the viewer may see.
type MenuNode struct {
	Menu
	Children []Menu
}

// MenuTree returns the viewer's two-level menu in configured order, built
// in memory from one query so the cost does not grow with the tree. A child
// whose parent the role does not see is left out rather than promoted.
func MenuTree(ctx context.Context, db *gorm.DB, v Viewer) ([]MenuNode, error) {
	var rows []Menu
	err := db.WithContext(ctx).
		Joins("JOIN role_menus ON role_menus.menu_id = menus.id").
		Where("role_menus.role_id = ?", v.RoleID).
		Order("menus.sort_order, menus.id").
		Find(&rows).Error
	if err != nil {
		return nil, err
	}
	children := map[uint64][]Menu{}
	var tree []MenuNode
	for _, m := range rows {
		if m.ParentID == 0 {
			tree = append(tree, MenuNode{Menu: m})
		} else {
			children[m.ParentID] = append(children[m.ParentID], m)
		}
	}
	for i := range tree {
		tree[i].Children = children[tree[i].ID]
	}
	return tree, nil
}
