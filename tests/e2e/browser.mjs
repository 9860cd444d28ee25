// What the end-to-end tests share: where the release build and the screenshots are, the Chromium
// to drive and its flags, and the loopback server for dist/ started once per test file.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dist = process.env.NAS_DIST ?? join(projectRoot, 'dist');
export const screenshots = join(projectRoot, 'target', 'e2e');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// This machine has no network beyond loopback: keep Chromium from trying to reach out.
export const QUIET_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-quic', '--disable-sync'];

/** Serves dist/ for the tests of the calling file; `server.url` is its address once they run. */
export function serveDist() {
  const server = {};
  before(async () => {
    assert.ok(existsSync(join(dist, 'index.html')), `no release build at ${dist}: run trunk build --release first`);
    mkdirSync(screenshots, { recursive: true });
    Object.assign(server, await serve(dist));
  });
  after(async () => server.close?.());
  return server;
}

/** Runs `body` with a fresh headless Chromium started with `flags` (besides the quiet ones). */
export async function withBrowser(flags, body) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...QUIET_FLAGS, ...flags] });
  try {
    return await body(browser);
  } finally {
    await browser.close();
  }
}

/**
 * Opens `url` in a new page of `target` (a browser or a context) with a 1400x1000 viewport,
 * recording errors and the long tasks on the page's thread (window.__longTasks) from the first
 * script on; waits until the start button is there (and enabled, when `enabled`).
 */
export async function openPage(target, url, { enabled = false, viewport = { width: 1400, height: 1000 } } = {}) {
  const page = await target.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    // Long tasks are only reported from 50 ms up; a 10 ms timer's lateness shows the smaller ones.
    window.__lags = [];
    let last = performance.now();
    setInterval(() => { const now = performance.now(); window.__lags.push({ start: now, lag: now - last - 10 }); last = now; }, 10);
  });
  await page.goto(url);
  await page.locator(enabled ? '#start:not([disabled])' : '#start').waitFor({ timeout: 30_000 });
  return { page, errors };
}
