// Who works here: the session, the signed-in account, users, roles,
// permissions and menus.
import { get, post, patch, del } from '../api.js'

export const signIn = (username, password) => post('/token', { username, password })
export const signOut = () => del('/token')
export const me = () => get('/me')
export const changePassword = (oldPassword, newPassword) => post('/me/password', { old_password: oldPassword, new_password: newPassword })
export const listUsers = (query) => get('/user', query)
export const setUserEnabled = (id, enabled) => patch(`/user/${id}`, { enabled: enabled ? '1' : '0' })
export const resetPassword = (id, password) => post(`/user/${id}/password`, { password })
export const listRoles = () => get('/role')
export const listPermissions = () => get('/permission')
export const listMenus = () => get('/menus')
