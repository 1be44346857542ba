// The pool's filter as the API's query: date ranges become the inclusive
// unix-second bounds of whole days.
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

export function filterQuery(filter) {
  const query = {}
  for (const [key, value] of Object.entries(filter)) {
    if (RANGE_KEYS.includes(key)) {
      if (value && value[0] && value[1]) {
        const from = new Date(value[0])
        const to = new Date(value[1])
        from.setHours(0, 0, 0, 0)
        to.setHours(23, 59, 59, 0)
        query[key + '_from'] = Math.floor(from.getTime() / 1000)
        query[key + '_to'] = Math.floor(to.getTime() / 1000)
      }
    } else if (value !== '' && value !== null && value !== undefined) {
      query[key] = typeof value === 'string' ? value.trim() : value
    }
  }
  return query
}
