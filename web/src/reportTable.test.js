import { describe, expect, it } from 'vitest'
import { REPORT_KINDS, chartOption, csvOf, flatRows, formatMetric } from './reportTable.js'

const grouped = {
  by: 'media',
  groups: [{ id: '1', name: '百度' }, { id: '2', name: '=HYPERLINK("x")' }],
  periods: [
    { key: '2026-12-01', total: { registered: 3 }, groups: [{ id: '1', name: '百度', registered: 2 }, { id: '2', name: '=HYPERLINK("x")', registered: 1 }] },
    { key: '2026-12-02', total: { registered: 1 }, groups: [{ id: '1', name: '百度', registered: 1 }, { id: '2', name: '=HYPERLINK("x")', registered: 0 }] },
  ],
}

describe('flatRows', () => {
  it('is one row per period and group', () => {
    expect(flatRows(grouped).map((r) => [r.period, r.group, r.registered])).toEqual([
      ['2026-12-01', '百度', 2], ['2026-12-01', '=HYPERLINK("x")', 1],
      ['2026-12-02', '百度', 1], ['2026-12-02', '=HYPERLINK("x")', 0],
    ])
  })

  it('is one total row per period without groups', () => {
    const report = { by: '', groups: [], periods: grouped.periods }
    expect(flatRows(report).map((r) => [r.period, r.group, r.registered])).toEqual([['2026-12-01', '合计', 3], ['2026-12-02', '合计', 1]])
  })
})

describe('chartOption', () => {
  it('has a stacked series per group, a plain one for a rate', () => {
    const count = REPORT_KINDS.patients.metrics.find((m) => m.key === 'registered')
    const rate = REPORT_KINDS.patients.metrics.find((m) => m.key === 'arrivalRate')
    const option = chartOption(grouped, count)
    expect(option.xAxis.data).toEqual(['2026-12-01', '2026-12-02'])
    expect(option.series.map((s) => [s.name, s.stack, s.data])).toEqual([['百度', 'all', [2, 1]], ['=HYPERLINK("x")', 'all', [1, 0]]])
    expect(chartOption(grouped, rate).series[0].stack).toBeUndefined()
  })
})

describe('csvOf', () => {
  it('quotes every cell, doubles quotes, and defuses formulas', () => {
    expect(csvOf(['日期', '渠道'], [['2026-12-01', '=HYPERLINK("x")'], ['2026-12-02', '-1'], ['', null]])).toBe(
      '\ufeff"日期","渠道"\r\n"2026-12-01","\'=HYPERLINK(""x"")"\r\n"2026-12-02","\'-1"\r\n"",""\r\n')
  })
})

describe('formatMetric', () => {
  it('shows a rate as a percentage', () => {
    expect(formatMetric({ percent: true }, '0.4567')).toBe('45.7%')
    expect(formatMetric({}, 12)).toBe('12')
  })
})
