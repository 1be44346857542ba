// Opens /docs in Debian's Chromium and checks that Swagger UI renders the spec
// under the page's Content-Security-Policy: the title, an operation, and
// no console error, failed request or HTTP error on the way.
// Usage: node e2e/docs.mjs http://127.0.0.1:PORT
import { chromium } from 'playwright-core';

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // No background networking: this machine's network is closed, and
  // Chromium's own connections would only fail and fill the console.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(`${base}/docs`, { waitUntil: 'load' });
  const title = await page.locator('.info .title').first().textContent({ timeout: 20000 });
  if (!title.includes('Clinic CRM API')) problems.push(`title: ${title}`);
  await page.getByText('Register a patient').first().waitFor({ timeout: 20000 });
} catch (e) {
  problems.push(e.message.split('\n')[0]);
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('ok');
