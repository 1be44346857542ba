package migrations

import (
	"time"

	"gorm.io/gorm"
)

// The seeds are literals on purpose: they describe the installation as of
// this migration, whatever the code's constants become later.

type seedMenu struct {
	id       uint64
	parentID uint64
	title    string
	name     string
	url      string
	level    int // the original's power level that first sees the row
}

// The original installation's 17 rows (seed-menus.md). "regsiter" is the
// original's spelling, and the frontend routes on it.
func seedMenus0002() []seedMenu {
	return []seedMenu{
		{1, 0, "仪表盘", "1", "dashboard", 0},
		{2, 0, "客户池", "2", "patients", 0},
		{3, 2, "登记用户", "2-1", "regsiter", 0},
		{4, 0, "数据报表", "3", "data", 1},
		{5, 4, "绩效数据", "3-1", "effect", 1},
		{6, 4, "业绩报表", "3-2", "performance", 1},
		{7, 0, "信息管理", "4", "info", 1},
		{8, 7, "医生管理", "4-1", "doctor", 1},
		{9, 7, "病种科室", "4-2", "disease", 1},
		{10, 7, "来源渠道", "4-3", "media", 1},
		{11, 7, "咨询方式", "4-4", "way", 1},
		{12, 0, "系统设置", "5", "system", 1},
		{13, 12, "菜单管理", "5-1", "menu", 2},
		{14, 12, "人员管理", "5-2", "admin", 2},
		{15, 12, "行为日志", "5-3", "log", 1},
		{16, 12, "通知管理", "5-4", "notice", 1},
		{17, 12, "参数设置", "5-5", "config", 2},
	}
}

type seedRole struct {
	id          uint64
	key         string
	name        string
	level       int
	permissions string
}

func seedRoles0002() []seedRole {
	return []seedRole{
		{1, "consultant", "客服", 0, "patient.create patient.list"},
		{2, "manager", "管理员", 1, "patient.create patient.full_phone patient.list patient.view_all"},
		{3, "superadmin", "超级管理员", 2, "patient.create patient.full_phone patient.list patient.view_all"},
	}
}

func seedDefaults(tx *gorm.DB) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, r := range seedRoles0002() {
		row := role0001{ID: r.id, Key: r.key, Name: r.name, Permissions: r.permissions, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	for i, m := range seedMenus0002() {
		row := menu0001{ID: m.id, ParentID: m.parentID, Title: m.title, Name: m.name, URL: m.url,
			SortOrder: (i + 1) * 10, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		for _, r := range seedRoles0002() {
			if r.level >= m.level {
				if err := tx.Create(&roleMenu0001{RoleID: r.id, MenuID: m.id}).Error; err != nil {
					return err
				}
			}
		}
	}
	return seedDictionaries0002(tx, now)
}

func seedDictionaries0002(tx *gorm.DB, now time.Time) error {
	departments := []struct {
		name     string
		diseases []string
	}{
		{"男科", []string{"前列腺炎", "男性不育"}},
		{"妇科", []string{"月经不调", "妇科炎症"}},
		{"皮肤科", []string{"湿疹", "痤疮"}},
	}
	order := 0
	for _, d := range departments {
		order += 10
		dept := disease0001{Name: d.name, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&dept).Error; err != nil {
			return err
		}
		for _, name := range d.diseases {
			order += 10
			row := disease0001{ParentID: dept.ID, Name: name, SortOrder: order, Enabled: true, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		}
	}
	doctors := []struct{ name, title string }{
		{"张明", "主任医师"}, {"李华", "副主任医师"}, {"王芳", "主治医师"},
	}
	for i, d := range doctors {
		row := doctor0001{Name: d.name, Title: d.title, SortOrder: (i + 1) * 10, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	for i, name := range []string{"百度", "搜狗", "360", "微信", "QQ", "电话", "商务通"} {
		row := mediaChannel0001{Name: name, SortOrder: (i + 1) * 10, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	for i, name := range []string{"商务通", "电话", "微信", "QQ", "到院咨询"} {
		row := advisoryWay0001{Name: name, SortOrder: (i + 1) * 10, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	return nil
}
