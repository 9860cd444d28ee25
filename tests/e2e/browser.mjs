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
