// Who is signed in, what they may do, and the dictionaries and settings
// every screen shows names from. Loaded once after login.
import { reactive } from 'vue'
import { hasToken, setToken } from './api.js'
import { signIn, signOut, me as fetchMe, listUsers } from './endpoints/staff.js'
import { allDictionaries } from './endpoints/dict.js'
import { clinicSettings } from './endpoints/settings.js'

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
  const data = await signIn(username, password)
  setToken(data.token)
  await load()
}

export async function logout() {
  try {
    if (hasToken()) await signOut()
  } finally {
    setToken('')
    session.me = null
  }
}

export async function load() {
  const [me, dict, settings] = await Promise.all([fetchMe(), allDictionaries(), clinicSettings()])
  session.me = me
  session.dict = dict
  session.settings = settings.settings
  session.staff = { [me.id]: me.displayName || me.username }
  // Staff names are for display only: a screen need not wait for them
  // (an author shows as #id until they arrive, or if they cannot).
  if (can('user.manage')) loadStaff().catch(() => {})
}

export async function loadStaff() {
  const data = await listUsers({ per_page: 100 })
  const staff = {}
  for (const user of data.user_data) staff[user.id] = user.displayName || user.username
  session.staff = staff
}

export async function reloadDict() {
  session.dict = await allDictionaries()
}

export function forget() {
  session.me = null
}
