package controllers

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/internal/memo"
	"crm/middleware"
	"crm/models/staff"
)

type MenuController struct {
	DB  *gorm.DB
	Now func() time.Time
	// byRole keeps each role's menu tree in memory (see memo): every page
	// of the frontend asks for it.
	byRole *memo.Cache[uint64, []staff.MenuNode]
}

// NewMenuController caches menus for up to ttl, or until changes is bumped.
func NewMenuController(db *gorm.DB, now func() time.Time, changes *memo.Generation, ttl time.Duration) MenuController {
	return MenuController{DB: db, Now: now, byRole: memo.New[uint64, []staff.MenuNode](changes, 1000, ttl, now)}
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
	tree, err := m.byRole.Get(c.Request.Context(), viewer.RoleID, func(ctx context.Context) ([]staff.MenuNode, error) {
		return staff.MenuTree(ctx, m.DB, viewer.RoleID)
	})
	if err != nil {
		return nil, err
	}
	return menuDataJSON{MenuData: presentMenu(tree)}, nil
}

type menuAdminJSON struct {
	ID        string `json:"id"`
	ParentID  string `json:"parentId"`
	Title     string `json:"title"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	SortOrder string `json:"sortOrder"`
}

// menuAdminNodeJSON is a top-level menu with its children, always a list.
type menuAdminNodeJSON struct {
	menuAdminJSON
	Children []menuAdminJSON `json:"children"`
}

func presentMenuAdmin(m staff.Menu) menuAdminJSON {
	return menuAdminJSON{ID: strconv.FormatUint(m.ID, 10), ParentID: strconv.FormatUint(m.ParentID, 10),
		Title: m.Title, Name: m.Name, URL: m.URL, SortOrder: strconv.Itoa(m.SortOrder)}
}

type menuTreeJSON struct {
	Menus []menuAdminNodeJSON `json:"menus"`
}

type menuEnvelope struct {
	Menu menuAdminJSON `json:"menu"`
}

// Tree is GET /menus: the whole tree for its administration. Top-level
// menus carry children (always a list), children none.
func (m MenuController) Tree(c *gin.Context) (any, error) {
	tree, err := staff.AllMenus(c.Request.Context(), m.DB)
	if err != nil {
		return nil, err
	}
	out := make([]menuAdminNodeJSON, len(tree))
	for i, node := range tree {
		out[i] = menuAdminNodeJSON{menuAdminJSON: presentMenuAdmin(node.Menu)}
		out[i].Children = make([]menuAdminJSON, len(node.Children))
		for j, child := range node.Children {
			out[i].Children[j] = presentMenuAdmin(child)
		}
	}
	return menuTreeJSON{Menus: out}, nil
}

func (m MenuController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	f, _, err := bindMenu(c, true)
	if err != nil {
		return nil, err
	}
	menu, err := staff.CreateMenu(c.Request.Context(), m.DB, viewer, f, m.Now())
	if err != nil {
		return nil, err
	}
	return menuEnvelope{Menu: presentMenuAdmin(menu)}, nil
}

func (m MenuController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	f, set, err := bindMenu(c, false)
	if err != nil {
		return nil, err
	}
	menu, err := staff.UpdateMenu(c.Request.Context(), m.DB, viewer, id, f, set, m.Now())
	if err != nil {
		return nil, err
	}
	return menuEnvelope{Menu: presentMenuAdmin(menu)}, nil
}

func (m MenuController) Delete(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := staff.DeleteMenu(c.Request.Context(), m.DB, viewer, id, m.Now()); err != nil {
		return nil, err
	}
	return deletedJSON{Deleted: true}, nil
}

// Menu names encode the tree for the frontend ("2-1"); urls are its routes.
var (
	menuNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,16}$`)
	menuURLPattern  = regexp.MustCompile(`^[A-Za-z0-9_./-]{0,64}$`)
)

func bindMenu(c *gin.Context, creating bool) (staff.MenuFields, staff.MenuFieldSet, error) {
	b := newBinder(c)
	include := b.sent
	if creating {
		include = func(...string) bool { return true }
	}
	var f staff.MenuFields
	var set staff.MenuFieldSet
	if include("title") {
		f.Title, set = b.requiredText(textRule{maxRunes: 32}, "title"), set|staff.MenuFieldTitle
	}
	if include("name") {
		f.Name, set = b.requiredText(textRule{maxRunes: 16}, "name"), set|staff.MenuFieldName
		if b.err == nil && !menuNamePattern.MatchString(f.Name) {
			b.invalid("name")
		}
	}
	if include("url") {
		f.URL, set = deref(b.optionalMatch(menuURLPattern.MatchString, "url")), set|staff.MenuFieldURL
	}
	if include("parent_id") {
		if parent := b.optionalInt(0, maxID, "parent_id"); parent != nil {
			f.ParentID = uint64(*parent)
		}
		set |= staff.MenuFieldParentID
	}
	if include("sort_order") {
		if order := b.optionalInt(0, maxSortOrder, "sort_order"); order != nil {
			o := int(*order)
			f.SortOrder, set = &o, set|staff.MenuFieldSortOrder
		}
	}
	return f, set, b.err
}
