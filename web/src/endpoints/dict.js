// The clinic's dictionaries: doctors, diseases, channels, advisory ways.
import { get, patch } from '../api.js'

export const allDictionaries = () => get('/dict')
export const listDict = (kind) => get(`/dict/${kind}`)
export const setDictEnabled = (kind, id, enabled) => patch(`/dict/${kind}/${id}`, { enabled: enabled ? '1' : '0' })
