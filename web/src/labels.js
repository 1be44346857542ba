// The names the console shows for the API's codes and times.
import { session } from './session.js'
import { STATES, FOLLOWUP_WAYS, PATIENT_FIELDS, PERMISSIONS, DICT_KINDS } from './generated/facts.js'

// The server's enums, generated from its Go tables (generated/facts.js);
// only how they look is the console's own.
export { STATES, FOLLOWUP_WAYS, PATIENT_FIELDS, PERMISSIONS, DICT_KINDS }

// Tag colours by state value.
const STATE_TYPES = { 0: 'info', 1: 'warning', 2: 'success', 3: 'danger' }

export function stateOf(value) {
  const state = STATES.find((s) => s.value === String(value))
  return state ? { ...state, type: STATE_TYPES[state.value] } : { value, label: String(value ?? ''), type: 'info' }
}

export function wayLabel(value) {
  return (FOLLOWUP_WAYS.find((w) => w.value === value) || { label: value }).label
}

export function dictName(kind, id) {
  if (id === null || id === undefined || id === '' || id === '0') return ''
  const entry = session.dict[kind]?.find((d) => d.id === String(id))
  return entry ? entry.name : '#' + id
}

export function staffName(id) {
  if (!id) return ''
  return session.staff[id] || '#' + id
}

// Formatters by zone and precision: making one costs far more than using
// it, and a page of the pool shows a hundred times.
const formatters = new Map()

function formatter(timeZone, withTime) {
  const key = timeZone + (withTime ? ' time' : '')
  if (!formatters.has(key)) {
    const options = { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' }
    if (withTime) Object.assign(options, { hour: '2-digit', minute: '2-digit' })
    formatters.set(key, new Intl.DateTimeFormat('zh-CN', options))
  }
  return formatters.get(key)
}

// formatTime shows unix seconds in the clinic's time zone.
export function formatTime(seconds, withTime = true) {
  if (seconds === null || seconds === undefined || seconds === '') return ''
  const timeZone = session.settings.timezone || 'Asia/Shanghai'
  return formatter(timeZone, withTime).format(new Date(Number(seconds) * 1000)).replace(/\//g, '-')
}

// Pickers show and return Dates in the browser's zone, but the times they
// stand for are the clinic's: a picker's Date carries the clinic's wall
// time in its local fields. toSeconds reads those fields as the clinic's
// wall time; fromSeconds makes a Date whose local fields are the clinic's
// wall time. So a booking typed as 10:30 is 10:30 at the clinic, whatever
// zone the browser is in.
export function toSeconds(date, timeZone = clinicZone()) {
  if (!date) return ''
  const d = new Date(date)
  const wall = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds())
  // The offset that counts is the one at the instant itself (it differs
  // from the wall time's across a daylight-saving change).
  const guess = wall - offsetSeconds(wall, timeZone) * 1000
  return String(Math.floor((wall - offsetSeconds(guess, timeZone) * 1000) / 1000))
}

export function fromSeconds(seconds, timeZone = clinicZone()) {
  if (!seconds) return null
  const millis = Number(seconds) * 1000
  const wall = new Date(millis + offsetSeconds(millis, timeZone) * 1000)
  return new Date(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds())
}

// clinicNow is now as a picker's Date (the clinic's wall time).
export function clinicNow() {
  return fromSeconds(Math.floor(Date.now() / 1000))
}

function clinicZone() {
  return session.settings.timezone || 'Asia/Shanghai'
}

// yuan shows an amount in fen as yuan with two decimals.
export function yuan(fen) {
  return (Number(fen || 0) / 100).toFixed(2)
}

// FIELD_LABELS are the patient fields' names as the clinic says them, in
// the contract's order.
export const FIELD_LABELS = Object.fromEntries(PATIENT_FIELDS.map((f) => [f.name, f.label]))

// maxLength is a text field's bound in characters (undefined: none).
export function maxLength(name) {
  return PATIENT_FIELDS.find((f) => f.name === name)?.maxLength
}

const TIME_FIELDS = new Set(['addTime', 'orderTime', 'reachTime', 'nextFollowupTime'])
const DICT_FIELDS = { doctorId: 'doctors', diseaseId: 'diseases', mediaFromId: 'media' }

// fieldValue shows one patient field's contract value as text.
export function fieldValue(field, value) {
  if (value === null || value === undefined) return '—'
  if (TIME_FIELDS.has(field)) return formatTime(value)
  if (DICT_FIELDS[field]) return dictName(DICT_FIELDS[field], value) || '—'
  if (field === 'state') return stateOf(value).label
  if (field === 'sex') return value === '1' ? '女' : '男'
  if (field === 'authorId') return staffName(value)
  if (field === 'revenue') return '¥' + yuan(value)
  return String(value)
}

// todayKey is today's date (2026-12-03) in the clinic's time zone, the
// calendar the reports count in.
export function todayKey() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: session.settings.timezone || 'Asia/Shanghai' }).format(new Date())
}

// shiftDay moves a date key by whole days.
export function shiftDay(key, days) {
  const d = new Date(key + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

// offsetSeconds is how far the zone's wall clock is ahead of UTC at an
// instant (8 h for Asia/Shanghai; it moves with daylight saving elsewhere).
function offsetSeconds(millis, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(millis))
  const part = (type) => Number(parts.find((p) => p.type === type).value)
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'))
  return (wall - millis) / 1000
}

// dayStart is the unix second at which a day (2026-12-03) begins in the
// clinic's zone: a filter's days are the clinic's days, as in the reports,
// whatever zone the browser is in.
export function dayStart(key, timeZone = session.settings.timezone || 'Asia/Shanghai') {
  const midnightUTC = Date.parse(key + 'T00:00:00Z')
  const guess = midnightUTC / 1000 - offsetSeconds(midnightUTC, timeZone)
  // The offset that counts is the one at the day's start, which differs
  // from the guess's across a daylight-saving change.
  return midnightUTC / 1000 - offsetSeconds(guess * 1000, timeZone)
}

// dayRange is the inclusive unix-second bounds of the clinic's days from
// one day key to another, as the API's _from/_to filters take them.
export function dayRange(fromKey, toKey, timeZone) {
  return { from: dayStart(fromKey, timeZone), to: dayStart(shiftDay(toKey, 1), timeZone) - 1 }
}


// shortTime is formatTime without this year's year: "12-07 16:43" for the
// narrow columns of a list ("2025-12-07 16:43" for another year's).
export function shortTime(seconds) {
  const full = formatTime(seconds)
  const year = formatTime(Date.now() / 1000).slice(0, 5)
  return full.startsWith(year) ? full.slice(5) : full
}
