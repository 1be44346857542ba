// The names the console shows for the API's codes and times.
import { session } from './session.js'

export const STATES = [
  { value: '0', label: '未处理', type: 'info' },
  { value: '1', label: '已预约', type: 'warning' },
  { value: '2', label: '已到诊', type: 'success' },
  { value: '3', label: '流失', type: 'danger' },
]

export const FOLLOWUP_WAYS = [
  { value: 'phone', label: '电话' },
  { value: 'wechat', label: '微信' },
  { value: 'qq', label: 'QQ' },
  { value: 'sms', label: '短信' },
  { value: 'visit', label: '到院' },
  { value: 'other', label: '其他' },
]

export function stateOf(value) {
  return STATES.find((s) => s.value === String(value)) || { value, label: String(value ?? ''), type: 'info' }
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

// Dates from pickers (Date objects) become unix seconds for the API.
export function toSeconds(date) {
  if (!date) return ''
  return String(Math.floor(new Date(date).getTime() / 1000))
}

export function fromSeconds(seconds) {
  return seconds ? new Date(Number(seconds) * 1000) : null
}

// yuan shows an amount in fen as yuan with two decimals.
export function yuan(fen) {
  return (Number(fen || 0) / 100).toFixed(2)
}

export const FIELD_LABELS = {
  name: '姓名', sex: '性别', age: '年龄', tel: '电话', wechat: '微信', qq: 'QQ', area: '地区',
  addTime: '登记时间', orderTime: '预约时间', reachTime: '到诊时间', state: '状态', authorId: '登记人',
  doctorId: '医生', diseaseId: '病种', mediaFromId: '来源渠道', advisoryWay: '咨询方式',
  advisoryContent: '咨询内容', remarks: '备注', keyword: '关键词', landingPage: '页面URL',
  nextFollowupTime: '下次回访', revenue: '消费金额',
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

