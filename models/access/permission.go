package access

import (
	"database/sql/driver"
	"errors"
	"slices"
	"strings"
)

// Permission is a key a role may hold. The keys are stored in roles and
// referenced by the route map; renaming one needs a migration.
type Permission string

const (
	PermPatientList              Permission = "patient.list"
	PermPatientCreate            Permission = "patient.create"
	PermPatientEdit              Permission = "patient.edit"
	PermPatientViewAll           Permission = "patient.view_all"
	PermPatientFullPhone         Permission = "patient.full_phone"
	PermPatientEditAll           Permission = "patient.edit_all"
	PermPatientConfirmArrival    Permission = "patient.confirm_arrival"
	PermPatientDelete            Permission = "patient.delete"
	PermPatientRestore           Permission = "patient.restore"
	PermPatientPurge             Permission = "patient.purge"
	PermPatientRegisterForOthers Permission = "patient.register_for_others"
	PermPatientReassign          Permission = "patient.reassign"
	PermVisitCharge              Permission = "visit.charge"
	PermPatientImport            Permission = "patient.import"
	PermNoticeManage             Permission = "notice.manage"
	PermSettingManage            Permission = "setting.manage"

	PermDictManage Permission = "dict.manage"
	PermUserManage Permission = "user.manage"
	PermRoleManage Permission = "role.manage"
	PermMenuManage Permission = "menu.manage"
	PermLogView    Permission = "log.view"

	PermReportView    Permission = "report.view"
	PermPatientExport Permission = "patient.export"

	PermScheduleManage Permission = "schedule.manage"
)

type PermissionInfo struct {
	Key         Permission
	Description string
}

// Permissions lists every key the code defines, with the description an
// administrator sees.
func Permissions() []PermissionInfo {
	return []PermissionInfo{
		{PermPatientList, "查看客户池（自己登记的患者）"},
		{PermPatientCreate, "登记患者"},
		{PermPatientEdit, "编辑自己登记的患者"},
		{PermPatientViewAll, "查看所有人登记的患者"},
		{PermPatientFullPhone, "查看他人患者的完整电话号码"},
		{PermPatientEditAll, "编辑他人登记的患者"},
		{PermPatientConfirmArrival, "确认到诊（及修改已到诊患者的状态）"},
		{PermPatientDelete, "删除患者（移入回收站）"},
		{PermPatientRestore, "查看回收站并恢复患者"},
		{PermPatientPurge, "彻底删除回收站中的患者"},
		{PermPatientRegisterForOthers, "代他人登记患者、转移患者归属"},
		{PermPatientReassign, "批量转移患者归属（如顾问离职）"},
		{PermVisitCharge, "登记就诊金额"},
		{PermPatientImport, "从表格导入线索（XLSX/CSV）"},
		{PermNoticeManage, "发布和管理通知"},
		{PermSettingManage, "修改系统参数"},
		{PermDictManage, "管理医生、病种科室、来源渠道、咨询方式"},
		{PermUserManage, "管理人员（不能超出自己的权限）"},
		{PermRoleManage, "管理角色及其权限和菜单"},
		{PermMenuManage, "管理菜单"},
		{PermLogView, "查看行为日志"},
		{PermReportView, "查看数据报表和排行"},
		{PermPatientExport, "导出患者数据"},
		{PermScheduleManage, "管理医生排班"},
	}
}

// PermissionSet is stored as one space-separated column on the role, so the
// per-request user lookup loads it with the role in a single query.
type PermissionSet []Permission

func NewPermissionSet(keys ...Permission) PermissionSet {
	set := slices.Clone(keys)
	slices.Sort(set)
	return slices.Compact(set)
}

// AllPermissions is every key the code defines, sorted.
func AllPermissions() PermissionSet {
	var keys []Permission
	for _, p := range Permissions() {
		keys = append(keys, p.Key)
	}
	return NewPermissionSet(keys...)
}

// Known reports whether every key of s is defined by the code.
func (s PermissionSet) Known() bool {
	all := AllPermissions()
	for _, p := range s {
		if !all.Has(p) {
			return false
		}
	}
	return true
}

// Covers reports whether s holds every key of other.
func (s PermissionSet) Covers(other PermissionSet) bool {
	for _, p := range other {
		if !s.Has(p) {
			return false
		}
	}
	return true
}

func (s PermissionSet) Has(p Permission) bool {
	_, found := slices.BinarySearch(s, p)
	return found
}

func (s PermissionSet) Value() (driver.Value, error) {
	parts := make([]string, len(s))
	for i, p := range s {
		parts[i] = string(p)
	}
	return strings.Join(parts, " "), nil
}

func (s *PermissionSet) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case string:
		text = v
	case []byte:
		text = string(v)
	case nil:
	default:
		return errors.New("permission set: unsupported column type")
	}
	var keys []Permission
	for _, field := range strings.Fields(text) {
		keys = append(keys, Permission(field))
	}
	*s = NewPermissionSet(keys...)
	return nil
}
