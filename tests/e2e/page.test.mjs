// End-to-end: the release build (dist/) served on loopback and opened in headless Chromium, once with
// WebGPU on and once with it off; the page must render its layout and report the engine it found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { screenshots, serveDist, withBrowser } from './browser.mjs';

const server = serveDist();

/** Opens the page in a fresh Chromium and waits until the engine badge has left "detecting". */
async function openPage(extraFlags, screenshotName) {
  return withBrowser(extraFlags, async (browser) => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    await page.goto(server.url);
    const badge = page.locator('#engine:not([data-engine="detecting"])');
    await badge.waitFor({ timeout: 30_000 });
    const result = {
      title: await page.title(),
      heading: await page.locator('h1').textContent(),
      engine: await badge.getAttribute('data-engine'),
      headline: (await badge.locator('.engine-name').textContent()).trim(),
      panels: await page.locator('section.panel h2').allTextContents(),
      errors,
    };
    await page.screenshot({ path: join(screenshots, screenshotName), fullPage: true });
    return result;
  });
}

const PANELS = ['Data', 'Search space', 'Search', 'Live views', 'Leaderboard', 'Network', 'Inside the trial', 'GAN lab', 'Saved searches'];

test('with WebGPU on, the page reports the WebGPU adapter', async () => {
  const page = await openPage(['--enable-unsafe-webgpu'], 'webgpu-on.png');
  console.log(`  engine (WebGPU on): ${page.headline}`);
  assert.equal(page.title, 'NAS Playground');
  assert.equal(page.heading, 'NAS Playground');
  assert.deepEqual(page.panels, PANELS);
  assert.equal(page.engine, 'gpu');
  assert.match(page.headline, /^WebGPU: \S.* \((software adapter|discrete GPU|integrated GPU|virtual GPU|unknown type)\)$/);
  assert.doesNotMatch(page.headline, /unnamed adapter/);
  assert.deepEqual(page.errors, []);
});

test('with WebGPU off, the page falls back to the CPU and says why', async () => {
  const page = await openPage(['--disable-features=WebGPU'], 'webgpu-off.png');
  console.log(`  engine (WebGPU off): ${page.headline}`);
  assert.equal(page.title, 'NAS Playground');
  assert.deepEqual(page.panels, PANELS);
  assert.equal(page.engine, 'cpu');
  assert.match(page.headline, /^CPU: no WebGPU adapter \(.+\)$/);
  assert.deepEqual(page.errors, []);
});

test('start-up: the wasm sizes and the time until the page is usable, cold and on a warm cache', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const { dist } = await import('./browser.mjs');
  for (const name of readdirSync(dist).filter((f) => f.endsWith('.wasm'))) {
    const bytes = readFileSync(join(dist, name));
    console.log(`  ${name}: ${(bytes.length / 1e6).toFixed(2)} MB raw, ${(gzipSync(bytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzip`);
  }
  await withBrowser([], async (browser) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const usableAfter = async () => {
      await page.locator('#start:not([disabled])').waitFor({ timeout: 30_000 });
      return page.evaluate(() => performance.now());
    };
    await page.goto(server.url);
    const cold = await usableAfter();
    await page.reload();
    const warm = await usableAfter();
    console.log(`  usable (start enabled) after ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms on a warm cache`);
    assert.ok(warm > 0);
    await context.close();
  });
});
