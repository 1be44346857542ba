// The clinic's settings (参数设置) and the operation log.
import { get, patch } from '../api.js'

export const clinicSettings = () => get('/setting')
export const saveSettings = (fields) => patch('/setting', fields)
export const operationLog = (query) => get('/log', query)
