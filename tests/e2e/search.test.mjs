// End-to-end: a search started from the built page trains in Web Workers and finishes, with WebGPU
// on and off; the page's own thread has no task over 50 ms while it runs (a longtask observer
// measures it and the test prints the longest); pause holds the workers and stop ends the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage, screenshots, serveDist, withBrowser } from './browser.mjs';

const server = serveDist();

/** Opens the page with `query`, recording long tasks on its thread from the first script on. */
const open = (browser, query) => openPage(browser, `${server.url}${query}`, { enabled: true, viewport: { width: 1280, height: 900 } });

/** Starts the search and waits until it has finished; returns what the page showed. */
async function runToTheEnd(page, screenshotName) {
  const startedAt = await page.evaluate(() => performance.now());
  await page.click('#start');
  await page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 240_000 });
  const longest = await page.evaluate((t0) => Math.max(0, ...window.__longTasks.filter((t) => t.start >= t0).map((t) => t.duration)), startedAt);
  const lag = await page.evaluate((t0) => Math.max(0, ...window.__lags.filter((t) => t.start >= t0).map((t) => t.lag)), startedAt);
  // The charts redraw at most every 500 ms: a search that ends in a burst is drawn just after.
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(screenshots, screenshotName), fullPage: true });
  return {
    longest,
    lag,
    rows: await page.locator('#leaderboard-table tbody tr').count(),
    workers: await page.locator('.workers li').count(),
    engine: await page.locator('#run-engine').getAttribute('data-engine'),
    engineLine: (await page.locator('#run-engine').textContent()).trim(),
    best: (await page.locator('#best').textContent()).trim(),
  };
}

for (const [name, flags] of [['on', ['--enable-unsafe-webgpu']], ['off', ['--disable-features=WebGPU']]]) {
  test(`a search with WebGPU ${name} trains in workers and finishes`, async () => {
    return withBrowser(flags, async (browser) => {
      // The default pool (the browser's cores less one) leaves the page a core of its own; the
      // tests below run two workers.
      const { page, errors } = await open(browser, '?data=moons&strategy=evolution&trials=8&epochs=10&engine=auto');
      const run = await runToTheEnd(page, `search-webgpu-${name}.png`);
      console.log(`  WebGPU ${name}: ${run.engineLine}`);
      console.log(`  WebGPU ${name}: ${run.workers} worker(s), ${run.rows} trials on the leaderboard, ${run.best}; ${run.longest > 0 ? `longest task on the page's thread ${run.longest.toFixed(0)} ms` : 'no task of 50 ms or more on the page\'s thread'}, a 10 ms timer ran at most ${run.lag.toFixed(1)} ms late`);
      assert.equal(run.rows, 8);
      assert.match(run.best, /^best: trial \d+, \d+\.\d\d %$/);
      assert.ok(['cpu', 'gpu'].includes(run.engine));
      if (name === 'off') assert.match(run.engineLine, /GPU could not train|no WebGPU/);
      // Reported above; the bound catches a page that freezes, not a busy machine.
      assert.ok(run.longest <= 200, `a task on the page's thread took ${run.longest} ms`);
      assert.deepEqual(errors, []);
    });
  });
}

test('pause holds the workers, stop ends the search, and both answer at once', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await open(browser, '?data=spiral&strategy=random&trials=200&epochs=200&jobs=1&engine=cpu');
    await page.click('#start');
    await page.locator('#run-status[data-status="running"]').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('.workers progress')?.value ?? 0) > 0, null, { timeout: 60_000 });
    await page.click('#pause');
    await page.locator('#run-status[data-status="paused"]').waitFor();
    const progressAt = async () => page.evaluate(() => document.querySelector('.workers progress').value);
    await page.waitForTimeout(300);
    const held = await progressAt();
    await page.waitForTimeout(1000);
    assert.equal(await progressAt(), held, 'training went on while paused');
    await page.click('#resume');
    await page.waitForFunction((v) => Number(document.querySelector('.workers progress').value) !== v, held, { timeout: 10_000 });
    const stopClicked = Date.now();
    await page.click('#stop');
    await page.locator('#run-status[data-status="stopped"]').waitFor({ timeout: 10_000 });
    console.log(`  stop answered in ${Date.now() - stopClicked} ms`);
    await page.screenshot({ path: join(screenshots, 'search-stopped.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});

test('a CSV the person picks is searched on, and a malformed one is refused with its line', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await open(browser, '?strategy=random&trials=4&epochs=5&jobs=1&engine=cpu');
    // Two classes either side of a line, semicolon-separated with decimal commas.
    const rows = Array.from({ length: 120 }, (_, i) => {
      const x = ((i * 37) % 100) / 10 - 5, y = ((i * 53) % 100) / 10 - 5;
      return `${x.toFixed(1).replace('.', ',')};${y.toFixed(1).replace('.', ',')};${x + y > 0 ? 'above' : 'below'}`;
    });
    await page.setInputFiles('#csv-file', { name: 'halves.csv', mimeType: 'text/csv', buffer: Buffer.from(`x;y;side\n${rows.join('\n')}\n`) });
    await page.waitForFunction(() => document.querySelector('#data-set').value === 'csv');
    await page.click('#start');
    await page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 60_000 });
    const rowsShown = await page.locator('#leaderboard-table tbody tr').count();
    console.log(`  CSV: ${rowsShown} trials, ${(await page.locator('#best').textContent()).trim()}`);
    assert.equal(rowsShown, 4);

    await page.setInputFiles('#csv-file', { name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y,label\n1,2,a\n3,oops,b\n4,5,a\n') });
    // The data panel reads the file at once and shows where it is wrong.
    const inline = (await page.locator('#data-error').textContent()).trim();
    console.log(`  bad CSV in the data panel: ${inline}`);
    assert.match(inline, /line 3/);
    await page.click('#start');
    const alert = page.locator('.run-error');
    await alert.waitFor({ timeout: 30_000 });
    const message = (await alert.textContent()).trim();
    console.log(`  bad CSV: ${message}`);
    assert.match(message, /broken\.csv/);
    assert.match(message, /line 3/);
    assert.match(message, /oops/);
    // The failed search had no trial to resume, so only the good one stays in "Saved searches".
    await page.waitForFunction(() => document.querySelectorAll('#saved-list li').length === 1, null, { timeout: 10_000 });
    const kept = (await page.locator('#saved-list li').textContent()).trim();
    console.log(`  saved after the failure: ${kept}`);
    assert.match(kept, /4 trials, finished/);
    // The charts redraw at most every 500 ms; let them show the emptied view before the picture.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(screenshots, 'search-bad-csv.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});

test('a stopped search saved as a log goes on from that log in a fresh page', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await open(browser, '?data=spiral&strategy=evolution&trials=12&epochs=30&jobs=1&engine=cpu&seed=4');
    await page.click('#start');
    await page.waitForFunction(() => document.querySelectorAll('#leaderboard-table tbody tr.finished').length >= 3, null, { timeout: 60_000 });
    await page.click('#stop');
    await page.locator('#run-status[data-status="stopped"]').waitFor({ timeout: 10_000 });
    const kept = await page.locator('#leaderboard-table tbody tr.finished').count();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-log')]);
    const logPath = join(screenshots, 'stopped-search.jsonl');
    await download.saveAs(logPath);

    const fresh = await open(browser, '?jobs=2&engine=cpu');
    await fresh.page.setInputFiles('#log-file', logPath);
    await fresh.page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 120_000 });
    const rows = await fresh.page.locator('#leaderboard-table tbody tr').count();
    console.log(`  resumed: ${kept} trials kept from the log, ${rows} after going on with 2 workers`);
    assert.ok(kept >= 3);
    assert.equal(rows, 12);
    await fresh.page.screenshot({ path: join(screenshots, 'search-resumed.png'), fullPage: true });

    // A damaged log is refused with its line, and nothing starts.
    await fresh.page.setInputFiles('#log-file', { name: 'damaged.jsonl', mimeType: 'text/plain', buffer: Buffer.from('{"event":"trial_started"}\n') });
    const alert = fresh.page.locator('.run-error');
    await alert.waitFor({ timeout: 10_000 });
    console.log(`  damaged log: ${(await alert.textContent()).trim()}`);
    assert.match(await alert.textContent(), /damaged\.jsonl: line 1/);
    assert.equal(await fresh.page.locator("#leaderboard-table tbody tr").count(), 12, "the finished search was cleared by a bad log");
    assert.deepEqual([...errors, ...fresh.errors], []);
  });
});

test('an image search fetches the shipped digits in its workers and finishes', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await open(browser, '?data=mnist&samples=600&space=mnist-mlp&strategy=random&trials=3&epochs=2&jobs=2&engine=cpu');
    const run = await runToTheEnd(page, 'search-mnist.png');
    console.log(`  MNIST (600 digits): ${run.rows} trials, ${run.best}`);
    assert.equal(run.rows, 3);
    assert.match(run.best, /^best: trial \d+, \d+\.\d\d %$/);
    assert.deepEqual(errors, []);
  });
});

/** Each trial's score on the leaderboard, by trial number. */
async function scores(page) {
  const rows = await page.locator('#leaderboard-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [Number(tr.dataset.trial), tr.querySelectorAll('td')[3]?.textContent.trim()]));
  return rows.sort((a, b) => a[0] - b[0]);
}

for (const engine of ['cpu', 'gpu']) {
  test(`a grid search fused in a worker on the ${engine} gives every trial the score it has alone`, async () => {
    return withBrowser(['--enable-unsafe-webgpu'], async (browser) => {
      const query = `?data=spiral&space=keras-grid&strategy=grid&epochs=5&jobs=1&engine=${engine}`;
      const alone = await open(browser, `${query}&fuse=1`);
      await runToTheEnd(alone.page, `search-fuse-1-${engine}.png`);
      const fused = await open(browser, `${query}&fuse=15`);
      assert.equal(await fused.page.locator('#fuse').inputValue(), '15');
      const run = await runToTheEnd(fused.page, `search-fuse-15-${engine}.png`);
      const [a, f] = [await scores(alone.page), await scores(fused.page)];
      console.log(`  ${engine}: 15 trials fused in stacks of 3 (one per width), ${run.best}; first scores ${f.slice(0, 3).map(([t, s]) => `${t}: ${s}`).join(', ')}`);
      assert.equal(f.length, 15);
      assert.deepEqual(f, a);
      assert.equal(run.engine, engine);
      assert.deepEqual(alone.errors, []);
      assert.deepEqual(fused.errors, []);
    });
  });
}
