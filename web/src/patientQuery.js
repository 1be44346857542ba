// The pool's filter and sort columns, and the filter as the API's query.
import { dayRange } from './labels.js'

export const SORTABLE = {
  id: 'id', name: 'name', sex: 'sex', age: 'age', addTime: 'add_time', orderTime: 'order_time', reachTime: 'reach_time',
  state: 'state', authorId: 'author_id', doctorId: 'doctor_id', diseaseId: 'disease_id', mediaFromId: 'media_from_id',
  nextFollowupTime: 'next_followup_time',
}

const RANGE_KEYS = ['add_time', 'order_time', 'reach_time', 'next_followup_time']

export function emptyFilter() {
  return {
    q: '', state: '', author_id: '', media_from_id: '', disease_id: '', doctor_id: '', keyword: '', landing_page: '',
    add_time: null, order_time: null, reach_time: null, next_followup_time: null,
  }
}

// filterQuery turns the screen's filter into the API's query. Date ranges
// hold day keys (2026-12-03) and become the inclusive unix-second bounds
// of those days in the clinic's zone.
export function filterQuery(filter, timeZone) {
  const query = {}
  for (const [key, value] of Object.entries(filter)) {
    if (RANGE_KEYS.includes(key)) {
      if (value && value[0] && value[1]) {
        const { from, to } = dayRange(value[0], value[1], timeZone)
        query[key + '_from'] = from
        query[key + '_to'] = to
      }
    } else if (value !== '' && value !== null && value !== undefined) {
      query[key] = typeof value === 'string' ? value.trim() : value
    }
  }
  return query
}
