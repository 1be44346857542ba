import { describe, expect, it } from 'vitest'
import { dayStart, shiftDay, yuan, toSeconds, fromSeconds, fieldValue } from './labels.js'

describe('dayStart', () => {
  it('is midnight in the zone given', () => {
    expect(dayStart('2026-12-03', 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 2, 16) / 1000)
    expect(dayStart('2026-12-03', 'UTC')).toBe(Date.UTC(2026, 11, 3) / 1000)
  })

  it('follows daylight saving where the zone has it', () => {
    // New York: UTC-4 on 2026-03-08 at midnight (before the 02:00 change
    // it is still -5), UTC-4 on 2026-03-09.
    expect(dayStart('2026-03-08', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 5) / 1000)
    expect(dayStart('2026-03-09', 'America/New_York')).toBe(Date.UTC(2026, 2, 9, 4) / 1000)
  })
})

describe('shiftDay', () => {
  it('crosses months and years', () => {
    expect(shiftDay('2026-12-31', 1)).toBe('2027-01-01')
    expect(shiftDay('2026-03-01', -1)).toBe('2026-02-28')
  })
})

describe('amounts and values', () => {
  it('shows fen as yuan', () => {
    expect(yuan('30000')).toBe('300.00')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(null)).toBe('0.00')
  })

  it('reads a picker wall time as the clinic time, whatever the browser zone', () => {
    // 10:30 typed into a picker is 10:30 in Shanghai (02:30 UTC).
    expect(toSeconds(new Date(2026, 11, 3, 10, 30), 'Asia/Shanghai')).toBe(String(Date.UTC(2026, 11, 3, 2, 30) / 1000))
    expect(toSeconds(new Date(2026, 2, 9, 9, 0), 'America/New_York')).toBe(String(Date.UTC(2026, 2, 9, 13, 0) / 1000))
    expect(toSeconds(null)).toBe('')
  })

  it('shows the clinic wall time in a picker', () => {
    const d = fromSeconds(Date.UTC(2026, 11, 3, 2, 30) / 1000, 'Asia/Shanghai')
    expect([d.getDate(), d.getHours(), d.getMinutes()]).toEqual([3, 10, 30])
    expect(toSeconds(d, 'Asia/Shanghai')).toBe(String(Date.UTC(2026, 11, 3, 2, 30) / 1000))
    expect(fromSeconds(null)).toBe(null)
  })

  it('shows a missing field as a dash, sex and state as words', () => {
    expect(fieldValue('remarks', null)).toBe('—')
    expect(fieldValue('sex', '1')).toBe('女')
    expect(fieldValue('sex', '0')).toBe('男')
    expect(fieldValue('state', '2')).toBe('已到诊')
  })
})
