// Notices (通知) and whether the signed-in user has read them.
import { get, post } from '../api.js'

export const listNotices = (query) => get('/notice', query)
export const markNoticeRead = (id) => post(`/notice/${id}/read`)
