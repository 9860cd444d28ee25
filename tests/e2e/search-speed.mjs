// Search speed in the browser: opens the built page (dist/) in headless Chromium with a search in
// its query, starts it, and prints trials per minute and the best score once it has finished.
// Figures only, no pass/fail.
//
// Usage: node tests/e2e/search-speed.mjs 'QUERY' [more queries...]
//   e.g. '?data=mnist&samples=10000&space=optuna-mnist&strategy=random&trials=40&epochs=0&jobs=2&engine=cpu'
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const server = await serve(process.env.NAS_DIST ?? join(projectRoot, 'dist'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-quic', '--disable-sync'],
});
try {
  for (const query of process.argv.slice(2)) {
    const page = await browser.newPage();
    await page.goto(`${server.url}${query}`);
    await page.locator('#start:not([disabled])').waitFor({ timeout: 60_000 });
    const start = Date.now();
    await page.click('#start');
    await page.locator('#run-status[data-status="finished"], #run-status[data-status="failed"]').waitFor({ timeout: 3_600_000 });
    const seconds = (Date.now() - start) / 1000;
    const trials = await page.locator('#leaderboard-table tbody tr').count();
    const total = await page.evaluate(() => document.querySelector('.run-progress label').textContent);
    const best = (await page.locator('#best').textContent()).trim();
    const engine = (await page.locator('#run-engine').textContent()).trim();
    const finished = Number(total.match(/^(\d+) of/)?.[1] ?? trials);
    console.log(`${query}\n  ${finished} trials in ${seconds.toFixed(1)} s = ${(finished * 60 / seconds).toFixed(1)} trials/min; ${best}\n  ${engine}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
