// End-to-end: a search over GAN settings in the built page. A link opens it on the ring with the
// gan example space; the space editor shows the GAN's fields; the search trains in workers and
// its leaderboard, best line and charts rank trials by modes covered, then high-quality share;
// its share link opens the same search; the GAN lab's "Search GAN settings" sets one up on the
// lab's target; a bad GAN setting is named at its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage, screenshots, serveDist, withBrowser } from './browser.mjs';

const server = serveDist();

test('a GAN search trains in workers, ranks by modes then quality, and shares', async () => {
  return withBrowser([], async (browser) => {
    const query = '?data=ring&space=gan-ring&strategy=random&trials=4&epochs=2&jobs=2&engine=cpu&seed=3';
    const { page, errors } = await openPage(browser, `${server.url}${query}`, { viewport: { width: 1280, height: 900 } });
    assert.equal(await page.locator('#data-set').inputValue(), 'ring');
    assert.equal(await page.locator('#space-family').inputValue(), 'gan');
    for (const id of ['#space-gan-d-steps', '#space-gan-noise-dims', '#space-gan-discriminator-widths', '#space-gan-iterations-per-epoch']) {
      assert.ok(await page.locator(id).isVisible(), `${id} is in the editor`);
    }
    assert.equal(await page.locator('#space-dropout').count(), 0, 'a GAN space has no dropout field');
    assert.match(await page.locator('label[for="space-dense-widths"]').textContent(), /Generator widths/);

    // A bad GAN setting is refused where it is.
    await page.fill('#space-gan-noise-dims', '2, 99');
    await page.locator('#space-gan-noise-dims').dispatchEvent('change');
    const problem = page.locator('#space-gan-noise-dims-error');
    await problem.waitFor({ timeout: 10_000 });
    console.log(`  bad noise dims: ${(await problem.textContent()).trim()}`);
    assert.match(await problem.textContent(), /99/);
    await page.fill('#space-gan-noise-dims', '1, 2');
    await page.locator('#space-gan-noise-dims').dispatchEvent('change');
    await problem.waitFor({ state: 'detached', timeout: 10_000 });

    const startedAt = Date.now();
    await page.click('#start');
    await page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 300_000 });
    const seconds = (Date.now() - startedAt) / 1000;
    const rows = await page.locator('#leaderboard-table tbody tr').count();
    const best = (await page.locator('#best').textContent()).trim();
    const board = await page.locator('#leaderboard-table tbody tr').allTextContents();
    console.log(`  4 GAN trials (2 x 1,000 iterations each, 2 workers) in ${seconds.toFixed(1)} s; best: ${best}`);
    board.forEach((row) => console.log(`    ${row.replace(/\s+/g, ' ').trim()}`));
    assert.equal(rows, 4);
    assert.match(best, /\d\/8 modes, \d+\.\d % HQ/);
    assert.match(board[0], /G \dx\d+ .* \| D \dx\d+/);
    const modes = board.map((row) => Number((row.match(/(\d)\/8 modes/) ?? [0, -1])[1]));
    assert.ok(modes.every((m, i) => i === 0 || m <= modes[i - 1] || m < 0), `ranked by modes first: ${modes}`);
    await page.locator('#leaderboard').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, 'gan-search.png'), fullPage: true });
    const drawing = await page.locator('#network-drawing').textContent();
    assert.match(drawing, /Generator: noise to a point.*Discriminator: a point to real or generated/s);

    // The best trial's GAN, trained again in the lab: the same settings, step by step.
    await page.click('#gan-open-trial');
    await page.waitForFunction(() => Number(document.querySelector('#gan-status')?.dataset.iteration) === 0);
    const bestLabel = board[0];
    const depth = bestLabel.match(/G (\d)x(\d+)/);
    assert.equal(await page.locator('#gan-g-depth').inputValue(), depth[1], 'the lab shows the trial\'s generator');
    await page.selectOption('#gan-speed', 'fast');
    await page.click('#gan-play');
    await page.waitForFunction(() => Number(document.querySelector('#gan-status')?.dataset.iteration) >= 2000, null, { timeout: 60_000 });
    await page.click('#gan-play');
    const figures = (await page.locator('#gan-figures').textContent()).trim();
    console.log(`  the best trial's GAN in the lab after 2,000 iterations: ${figures}`);
    // Same settings, same seed, same engine: the lab's figures are the trial's.
    const [, hq] = best.match(/(\d+\.\d) % HQ/);
    assert.match(figures, new RegExp(`${modes[0]} of 8 modes covered, ${hq.replace('.', '\\.')} % of samples high quality`));
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-search-trial-in-lab.png') });

    // The share link opens the same GAN search.
    await page.click('#share');
    const url = await page.locator('#share-url').inputValue();
    const shared = await openPage(browser, url, { viewport: { width: 1280, height: 900 } });
    assert.equal(await shared.page.locator('#data-set').inputValue(), 'ring');
    assert.equal(await shared.page.locator('#space-family').inputValue(), 'gan');
    assert.equal(await shared.page.locator('#space-gan-noise-dims').inputValue(), '1, 2');

    // From the GAN lab: its target, the example GAN space, ready to start.
    await shared.page.selectOption('#gan-target', 'grid');
    await shared.page.click('#gan-reset');
    await shared.page.click('#gan-search');
    await shared.page.waitForFunction(() => document.querySelector('#data-set').value === 'grid');
    assert.equal(await shared.page.locator('#space-family').inputValue(), 'gan');
    await shared.page.screenshot({ path: join(screenshots, 'gan-search-from-lab.png') });
    assert.deepEqual(errors, []);
    assert.deepEqual(shared.errors, []);
  });
});
