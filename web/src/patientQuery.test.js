import { describe, expect, it } from 'vitest'
import { emptyFilter, filterQuery } from './patientQuery.js'

describe('filterQuery', () => {
  it('sends no parameter for an empty filter', () => {
    expect(filterQuery(emptyFilter(), 'Asia/Shanghai')).toEqual({})
  })

  it('trims text and keeps chosen values, 0 included', () => {
    const filter = { ...emptyFilter(), q: '  张三 ', state: '1', doctor_id: 0, keyword: '男科' }
    expect(filterQuery(filter, 'Asia/Shanghai')).toEqual({ q: '张三', state: '1', doctor_id: 0, keyword: '男科' })
  })

  it("makes a date range the clinic's whole days, whatever the browser's zone", () => {
    const filter = { ...emptyFilter(), add_time: ['2026-12-01', '2026-12-03'] }
    // 2026-12-01 00:00 in Shanghai is 2026-11-30 16:00 UTC.
    expect(filterQuery(filter, 'Asia/Shanghai')).toEqual({
      add_time_from: Date.UTC(2026, 10, 30, 16) / 1000,
      add_time_to: Date.UTC(2026, 11, 3, 16) / 1000 - 1,
    })
    expect(filterQuery(filter, 'UTC')).toEqual({
      add_time_from: Date.UTC(2026, 11, 1) / 1000,
      add_time_to: Date.UTC(2026, 11, 4) / 1000 - 1,
    })
  })

  it('ignores a range with one end missing', () => {
    expect(filterQuery({ ...emptyFilter(), order_time: ['2026-12-01', null] }, 'UTC')).toEqual({})
  })
})
