package staff

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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

// MenuTree returns a role's two-level menu in configured order, built in
// memory from one query so the cost does not grow with the tree. A child
// whose parent the role does not see is left out rather than promoted.
func MenuTree(ctx context.Context, db *gorm.DB, roleID uint64) ([]MenuNode, error) {
	var rows []Menu
	err := db.WithContext(ctx).
		Joins("JOIN role_menus ON role_menus.menu_id = menus.id").
		Where("role_menus.role_id = ?", roleID).
		Order("menus.sort_order, menus.id").
		Find(&rows).Error
	if err != nil {
		return nil, err
	}
	return buildMenuTree(rows), nil
}

// AllMenus is the whole two-level tree, for its administration.
func AllMenus(ctx context.Context, db *gorm.DB) ([]MenuNode, error) {
	var rows []Menu
	if err := db.WithContext(ctx).Order("sort_order, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return buildMenuTree(rows), nil
}

// buildMenuTree groups flat rows (in order) by parent.
func buildMenuTree(rows []Menu) []MenuNode {
	children := map[uint64][]Menu{}
	tree := []MenuNode{}
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
	return tree
}

// MenuFields: on an edit only the fields in Set change.
type MenuFields struct {
	Title     string
	Name      string
	URL       string
	ParentID  uint64
	SortOrder *int
}

type MenuFieldSet uint8

const (
	MenuFieldTitle MenuFieldSet = 1 << iota
	MenuFieldName
	MenuFieldURL
	MenuFieldParentID
	MenuFieldSortOrder
)

var (
	ErrMenuNameTaken   = apierr.Conflict("菜单name已存在")
	ErrMenuHasChildren = apierr.Conflict("该菜单下还有子菜单")
	errMenuParent      = apierr.Invalid("parent_id")
)

// CreateMenu adds a menu. The superadmin role sees it at once; other roles
// when their menus are set to include it.
func CreateMenu(ctx context.Context, db *gorm.DB, v access.Viewer, f MenuFields, now time.Time) (Menu, error) {
	var m Menu
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkMenuParent(tx, f.ParentID, 0); err != nil {
			return err
		}
		order, err := store.SortOrderFor(tx.Model(&Menu{}), f.SortOrder)
		if err != nil {
			return err
		}
		m = Menu{ParentID: f.ParentID, Title: f.Title, Name: f.Name, URL: f.URL, SortOrder: order, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrMenuNameTaken
			}
			return err
		}
		var superadmin Role
		if err := tx.Where(clause.Eq{Column: "role_key", Value: access.RoleSuperadmin}).Take(&superadmin).Error; err == nil {
			if err := tx.Create(&RoleMenu{RoleID: superadmin.ID, MenuID: m.ID}).Error; err != nil {
				return err
			}
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpMenuCreate, oplog.TargetMenu, m.ID, map[string]any{"title": m.Title, "name": m.Name, "url": m.URL}, now)
	})
	return m, err
}

// checkMenuParent keeps the tree at two levels: a parent is a top-level
// menu other than the menu itself.
func checkMenuParent(tx *gorm.DB, parentID, self uint64) error {
	if parentID == 0 {
		return nil
	}
	if parentID == self {
		return errMenuParent
	}
	var parent Menu
	err := tx.Where(clause.Eq{Column: "id", Value: parentID}).Take(&parent).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && parent.ParentID != 0) {
		return errMenuParent
	}
	return err
}

func UpdateMenu(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, f MenuFields, set MenuFieldSet, now time.Time) (Menu, error) {
	var m Menu
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "id", Value: id}).Take(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apierr.ErrNotFound
		}
		if err != nil {
			return err
		}
		before := m
		if set&MenuFieldTitle != 0 {
			m.Title = f.Title
		}
		if set&MenuFieldName != 0 {
			m.Name = f.Name
		}
		if set&MenuFieldURL != 0 {
			m.URL = f.URL
		}
		if set&MenuFieldSortOrder != 0 && f.SortOrder != nil {
			m.SortOrder = *f.SortOrder
		}
		if set&MenuFieldParentID != 0 && f.ParentID != before.ParentID {
			if err := checkMenuParent(tx, f.ParentID, id); err != nil {
				return err
			}
			if before.ParentID == 0 {
				var children int64
				if err := tx.Model(&Menu{}).Where(clause.Eq{Column: "parent_id", Value: id}).Count(&children).Error; err != nil {
					return err
				}
				if children > 0 {
					return ErrMenuHasChildren
				}
			}
			m.ParentID = f.ParentID
		}
		changes := diffMenus(before, m)
		if len(changes) == 0 {
			return nil
		}
		m.UpdatedAt = now
		if err := tx.Save(&m).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrMenuNameTaken
			}
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpMenuUpdate, oplog.TargetMenu, id, oplog.ChangesSummary(changes), now)
	})
	return m, err
}

func diffMenus(before, after Menu) []oplog.Change {
	values := func(m Menu) []string {
		return []string{m.Title, m.Name, m.URL, fmt.Sprint(m.ParentID), fmt.Sprint(m.SortOrder)}
	}
	old, now := values(before), values(after)
	changes := []oplog.Change{}
	for i, name := range []string{"title", "name", "url", "parentId", "sortOrder"} {
		if old[i] != now[i] {
			changes = append(changes, oplog.Change{Field: name, From: &old[i], To: &now[i]})
		}
	}
	return changes
}

// DeleteMenu removes a menu without children; roles stop seeing it.
func DeleteMenu(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var m Menu
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "id", Value: id}).Take(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apierr.ErrNotFound
		}
		if err != nil {
			return err
		}
		var children int64
		if err := tx.Model(&Menu{}).Where(clause.Eq{Column: "parent_id", Value: id}).Count(&children).Error; err != nil {
			return err
		}
		if children > 0 {
			return ErrMenuHasChildren
		}
		if err := tx.Where(clause.Eq{Column: "menu_id", Value: id}).Delete(&RoleMenu{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&Menu{}, id).Error; err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpMenuDelete, oplog.TargetMenu, id, map[string]any{"title": m.Title, "name": m.Name}, now)
	})
}
