// What managers watch: the dashboard, reports, the funnel and the ranking.
import { get } from '../api.js'

export const dashboard = () => get('/dashboard')
export const report = (path, query) => get(path, query)
export const funnel = (query) => get('/report/funnel', query)
export const followupReport = (query) => get('/report/followups', query)
export const ranking = (query) => get('/rank', query)
