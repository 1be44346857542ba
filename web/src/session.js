// Who is signed in, what they may do, and the dictionaries and settings
// every screen shows names from. Loaded once after login.
import { reactive } from 'vue'
import { get, post, del, hasToken, setToken } from './api.js'

export const session = reactive({
  me: null,
  dict: { doctors: [], diseases: [], media: [], ways: [] },
  settings: { clinicName: '', timezone: 'Asia/Shanghai', defaultPageSize: 30 },
  // Staff names by id, for the author column (only user.manage may list
  // staff; others see their own name and "#id").
  staff: {},
})

export function can(permission) {
  return !!session.me && session.me.permissions.includes(permission)
}

export async function login(username, password) {
  const data = await post('/token', { username, password })
  setToken(data.token)
  await load()
}

export async function logout() {
  try {
    if (hasToken()) await del('/token')
  } finally {
    setToken('')
    session.me = null
  }
}

export async function load() {
  const [me, dict, settings] = await Promise.all([get('/me'), get('/dict'), get('/setting')])
  session.me = me
  session.dict = dict
  session.settings = settings.settings
  session.staff = { [me.id]: me.displayName || me.username }
  // Staff names are for display only: a screen need not wait for them
  // (an author shows as #id until they arrive, or if they cannot).
  if (can('user.manage')) loadStaff().catch(() => {})
}

export async function loadStaff() {
  const data = await get('/user', { per_page: 100 })
  const staff = {}
  for (const user of data.user_data) staff[user.id] = user.displayName || user.username
  session.staff = staff
}

export async function reloadDict() {
  session.dict = await get('/dict')
}

export function forget() {
  session.me = null
}
