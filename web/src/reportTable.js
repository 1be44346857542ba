// Reports arrive as periods, each with a total and one entry per group;
// the console shows them as flat rows (period × group), a chart series per
// group, and a CSV of the same rows.

export const REPORT_KINDS = {
  patients: {
    path: '/report', envelope: 'report',
    byOptions: { author: '登记人', media: '来源渠道', doctor: '医生', disease: '病种', advisory_way: '咨询方式', area: '地区', state: '状态' },
    metrics: [
      { key: 'registered', label: '登记' }, { key: 'booked', label: '预约' }, { key: 'arrived', label: '到诊' },
      { key: 'lost', label: '流失' }, { key: 'arrivalRate', label: '到诊率', percent: true },
    ],
  },
  revenue: {
    path: '/report/revenue', envelope: 'revenue',
    byOptions: { author: '咨询顾问', media: '来源渠道', doctor: '医生', disease: '病种' },
    metrics: [
      { key: 'visits', label: '就诊' }, { key: 'first', label: '初诊' }, { key: 'returns', label: '复诊' },
      { key: 'amountYuan', label: '金额(元)' },
    ],
  },
}

export function formatMetric(metric, value) {
  if (metric.percent) return (Number(value) * 100).toFixed(1) + '%'
  return String(value)
}

export function flatRows(report) {
  const rows = []
  for (const period of report.periods) {
    if (report.by) {
      for (const group of period.groups) rows.push({ period: period.key, group: group.name, ...group })
    } else {
      rows.push({ period: period.key, group: '合计', ...period.total })
    }
  }
  return rows
}

export function chartOption(report, metric) {
  const keys = report.periods.map((p) => p.key)
  const pick = (figures) => Number(figures[metric.key] ?? 0)
  const series = report.by
    ? report.groups.map((g, i) => ({ name: g.name, type: 'bar', stack: metric.percent ? undefined : 'all', data: report.periods.map((p) => pick(p.groups[i])) }))
    : [{ name: metric.label, type: 'bar', data: report.periods.map((p) => pick(p.total)) }]
  return {
    tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' }, grid: { left: 48, right: 16, top: 36, bottom: 24 },
    xAxis: { type: 'category', data: keys }, yAxis: { type: 'value' }, series,
  }
}

// csvOf quotes every cell, and a leading = + - @ gets an apostrophe so a
// spreadsheet never runs a group name as a formula.
export function csvOf(headers, rows) {
  const cell = (value) => {
    let text = String(value ?? '')
    if (/^[=+\-@]/.test(text)) text = "'" + text
    return '"' + text.replace(/"/g, '""') + '"'
  }
  return '\ufeff' + [headers, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}
