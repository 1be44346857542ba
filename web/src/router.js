// The console's screens, each with the permission it needs: a screen the
// role may not use is neither in the menu nor reachable by its address.
import { createRouter, createWebHashHistory } from 'vue-router'
import { hasToken } from './api.js'
import { session, load, can } from './session.js'

// Hash addresses (#/patients): every path without one stays the API's and
// the old frontend's.
export const screens = [
  { path: '/dashboard', title: '仪表盘', icon: 'Odometer', component: () => import('./views/DashboardView.vue'), perm: 'patient.list' },
  { path: '/patients', title: '客户池', icon: 'User', component: () => import('./views/PatientsView.vue'), perm: 'patient.list' },
  { path: '/appointments', title: '预约日历', icon: 'Calendar', component: () => import('./views/AppointmentsView.vue'), perm: 'patient.list' },
  { path: '/reminders', title: '短信提醒', icon: 'ChatDotRound', component: () => import('./views/RemindersView.vue'), perm: 'schedule.manage' },
  { path: '/followups', title: '今日回访', icon: 'Bell', component: () => import('./views/FollowupsView.vue'), perm: 'patient.list' },
  { path: '/recycle', title: '回收站', icon: 'Delete', component: () => import('./views/RecycleView.vue'), perm: 'patient.restore' },
  { path: '/import', title: '线索导入', icon: 'Upload', component: () => import('./views/LeadImportView.vue'), perm: 'patient.import' },
  { path: '/reports', title: '数据报表', icon: 'DataLine', component: () => import('./views/ReportsView.vue'), perm: 'report.view' },
  { path: '/rank', title: '业绩排名', icon: 'Trophy', component: () => import('./views/RankView.vue'), perm: 'report.view' },
  { path: '/dictionaries', title: '信息管理', icon: 'Collection', component: () => import('./views/DictionariesView.vue'), perm: 'dict.manage' },
  { path: '/users', title: '人员管理', icon: 'Avatar', component: () => import('./views/UsersView.vue'), perm: 'user.manage' },
  { path: '/roles', title: '角色权限', icon: 'Key', component: () => import('./views/RolesView.vue'), perm: 'role.manage' },
  { path: '/menus', title: '菜单管理', icon: 'Menu', component: () => import('./views/MenusView.vue'), perm: 'menu.manage' },
  { path: '/notices', title: '通知公告', icon: 'Message', component: () => import('./views/NoticesView.vue') },
  { path: '/settings', title: '参数设置', icon: 'Setting', component: () => import('./views/SettingsView.vue'), perm: 'setting.manage' },
  { path: '/log', title: '行为日志', icon: 'Document', component: () => import('./views/OpLogView.vue'), perm: 'log.view' },
  { path: '/account', title: '我的账号', icon: 'Lock', component: () => import('./views/AccountView.vue'), hidden: true },
]

export function allowed(screen) {
  return !screen.perm || can(screen.perm)
}

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('./views/LayoutView.vue'),
      children: [
        // Where / leads depends on the role, known only once the guard
        // below has loaded the session (a redirect would be decided first).
        { path: '', component: { render: () => null }, meta: { home: true } },
        ...screens.map((s) => ({ path: s.path.slice(1), component: s.component, meta: { screen: s } })),
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

function firstAllowed() {
  return (screens.find((s) => allowed(s) && !s.hidden) || { path: '/account' }).path
}

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!hasToken()) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (!session.me) {
    // Fetch the screen's code while the session loads, not after.
    for (const record of to.matched) {
      const component = record.components?.default
      if (typeof component === 'function') component().catch(() => {})
    }
    try {
      await load()
    } catch {
      return hasToken() ? false : { path: '/login' }
    }
  }
  if (to.meta.home) return firstAllowed()
  const screen = to.meta.screen
  if (screen && !allowed(screen)) return firstAllowed()
  return true
})
