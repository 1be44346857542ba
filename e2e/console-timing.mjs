// The console's performance targets, measured in Debian's Chromium against
// a running server (docs/performance.md):
//   - the first screen's JavaScript, as sent (gzip), before and after login;
//   - the patient pool interactive: from opening /#/patients with a session
//     to the first page of rows on screen, cold (a new browser context, no
//     cache) and reopened (scripts cached), and a search typed into the
//     pool until its rows show.
// Usage: node e2e/console-timing.mjs BASE_URL PASSWORD [PHONE]
// (as admin; USER_NAME=kefu01 for a consultant, who sees only own patients)
import { chromium } from 'playwright-core'

const [base, password, phone = ''] = process.argv.slice(2)
const runs = Number(process.env.RUNS || 7)
const username = process.env.USER_NAME || 'admin'
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
})

const scriptBytes = (page) => page.evaluate(() => performance.getEntriesByType('resource')
  .filter((e) => e.name.endsWith('.js')).reduce((sum, e) => sum + e.encodedBodySize, 0))
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

// The login page, and what signing in adds (the dashboard and its chart).
let context = await browser.newContext({ viewport: { width: 1366, height: 768 } })
let page = await context.newPage()
await page.goto(base + '/')
await page.getByLabel('用户名').waitFor()
const loginBytes = await scriptBytes(page)
await page.getByLabel('用户名').fill(username)
await page.getByLabel('密码').fill(password)
await page.getByRole('button', { name: '登录' }).click()
await page.locator('.layout').waitFor()
if (username === 'admin') await page.locator('canvas').first().waitFor()
const dashboardBytes = await scriptBytes(page)
const token = await page.evaluate(() => localStorage.getItem('crm.token'))
await context.close()

// A baseline for this machine, in the same sitting: a new browser context
// opening a page that runs no script (the server's /healthz).
const bare = []
for (let i = 0; i < runs; i++) {
  context = await browser.newContext()
  page = await context.newPage()
  const start = Date.now()
  await page.goto(base + '/healthz')
  bare.push(Date.now() - start)
  await context.close()
}

const cold = []
const warm = []
const search = []
for (let i = 0; i < runs; i++) {
  context = await browser.newContext({ viewport: { width: 1366, height: 768 } })
  await context.addInitScript((t) => localStorage.setItem('crm.token', t), token)
  page = await context.newPage()
  const start = Date.now()
  await page.goto(base + '/#/patients')
  await page.locator('.el-table__body tr').first().waitFor()
  cold.push(Date.now() - start)
  // Opened again in the same browser: the scripts come from its cache.
  const again = Date.now()
  await page.reload()
  await page.locator('.el-table__body tr').first().waitFor()
  warm.push(Date.now() - again)
  if (phone) {
    const typed = Date.now()
    await page.locator('input[name=q]').fill(phone)
    await page.locator('input[name=q]').press('Enter')
    await page.getByText(/共 \d+ 位患者/).filter({ hasNotText: '共 0 ' }).waitFor()
    await page.locator('.el-table__body tr', { hasText: phone }).first().waitFor()
    search.push(Date.now() - typed)
  }
  await context.close()
}
await browser.close()

console.log(`login page JavaScript (gzip): ${(loginBytes / 1024).toFixed(1)} KB`)
console.log(`after login, dashboard with chart (gzip): ${(dashboardBytes / 1024).toFixed(1)} KB`)
console.log(`baseline, a new context opening /healthz: median ${median(bare)} ms`)
console.log(`pool, cold open to rows: median ${median(cold)} ms of ${cold.join(', ')}`)
console.log(`pool, reopened (scripts cached) to rows: median ${median(warm)} ms of ${warm.join(', ')}`)
if (phone) console.log(`pool, search by phone to rows: median ${median(search)} ms of ${search.join(', ')}`)
