// End-to-end: the GAN lab in the built page. Play trains the default GAN on the ring live (the
// plane shows D's belief, both point sets, arrows and the mesh; the charts fill; modes get
// covered); single steps of D and G say what they did; the slow mode steps by itself; a bad
// setting is refused where it is and the running GAN is kept; Reset applies a new target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage, screenshots, serveDist, withBrowser } from './browser.mjs';

const server = serveDist();

/** Pixels of the plane by colour family: D's green and purple backgrounds and the point dots. */
async function plane(page) {
  return page.locator('#gan-plane').evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let real = 0, generated = 0, tinted = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r === 0x1b && g === 0x9e && b === 0x77) real++;
      else if (r === 0x75 && g === 0x70 && b === 0xb3) generated++;
      else if (r < 245 || g < 245 || b < 245) tinted++;
    }
    return { real, generated, tinted };
  });
}

const iteration = (page) => page.locator('#gan-status').getAttribute('data-iteration').then(Number);

/** Plays until the lab has trained `n` iterations (and its figures match `figures`, if given), then pauses. */
async function playUntil(page, n, { timeout = 60_000, figures = null } = {}) {
  await page.click('#gan-play');
  await page.waitForFunction(([n, figures]) => Number(document.querySelector('#gan-status')?.dataset.iteration) >= n
    && (!figures || new RegExp(figures).test(document.querySelector('#gan-figures')?.textContent ?? '')), [n, figures], { timeout });
  await page.click('#gan-play');
}

/** Waits for a fresh GAN (after Reset, a lesson or a link). */
const fresh = (page) => page.waitForFunction(() => Number(document.querySelector('#gan-status')?.dataset.iteration) === 0);

test('the GAN lab trains live on the ring, steps each network, explains, and keeps its GAN on a bad setting', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await openPage(browser, server.url, { enabled: false });
    await page.locator('#gan').scrollIntoViewIfNeeded();
    await page.locator('#gan-status').waitFor();
    const before = await plane(page);
    console.log(`  before training: ${JSON.stringify(before)}`);
    assert.ok(before.real > 100 && before.generated > 50, 'both point sets are drawn before training');

    // Single steps: each says what it did, and counts.
    await page.click('#gan-step-d');
    assert.match(await page.locator('#gan-explained').textContent(), /Discriminator step 1: D looked at 128 real points/);
    await page.click('#gan-step-g');
    assert.match(await page.locator('#gan-explained').textContent(), /Generator step 1: .*D did not change/);
    assert.equal(await iteration(page), 1, 'a D step and a G step make an iteration');

    // Play, fast, for a while: the GAN trains on the page's thread in slices.
    const startedAt = await page.evaluate(() => performance.now());
    await page.selectOption('#gan-speed', 'fast');
    await playUntil(page, 3000, { timeout: 120_000 });
    const seconds = (await page.evaluate(() => performance.now()) - startedAt) / 1000;
    const trained = await iteration(page);
    const longest = await page.evaluate((t0) => Math.max(0, ...window.__longTasks.filter((t) => t.start >= t0).map((t) => t.duration)), startedAt);
    console.log(`  ${trained} iterations in ${seconds.toFixed(1)} s (${(trained / seconds).toFixed(0)} iterations/s), longest task ${longest.toFixed(0)} ms`);
    assert.ok(longest <= 200, `a task on the page's thread took ${longest} ms`);
    await page.waitForTimeout(1200);
    const figures = await page.locator('#gan-figures').textContent();
    console.log(`  ${figures}`);
    const covered = Number(/(\d+) of 8 modes covered/.exec(figures)?.[1] ?? 0);
    assert.ok(covered >= 4, `after ${trained} iterations only ${covered} of 8 modes are covered`);
    const after = await plane(page);
    console.log(`  after training: ${JSON.stringify(after)}`);
    assert.ok(after.tinted > 20_000, 'the belief map, mesh and arrows are drawn');
    for (const id of ['gan-losses', 'gan-quality']) {
      const inked = await page.locator(`#${id}`).evaluate((c) => {
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) n++;
        return n;
      });
      console.log(`  ${id}: ${inked} inked pixels`);
      assert.ok(inked > 1500, `${id} drew ${inked} pixels`);
    }
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-ring.png') });

    // The mesh toggle repaints without it.
    await page.uncheck('#gan-mesh');
    const unmeshed = await plane(page);
    assert.notDeepEqual(unmeshed, after, 'the mesh toggle changed nothing');

    assert.equal(await page.locator('#gan-explained').count(), 0, 'fast training says nothing step by step');
    // The slow mode steps by itself and says so.
    await page.selectOption('#gan-speed', 'explained');
    await page.click('#gan-play');
    await page.waitForFunction((n) => Number(/Generator step (\d+)/.exec(document.querySelector('#gan-explained')?.textContent ?? '')?.[1]) > n, trained, { timeout: 20_000 });
    await page.click('#gan-play');
    const explained = await page.locator('#gan-explained').textContent();
    console.log(`  explained: ${explained.slice(0, 90)}...`);
    assert.equal(await iteration(page), trained + 1, 'the slow mode took one D step and one G step');
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-explained.png') });

    // A bad setting is refused where it is; the GAN shown is kept.
    const kept = await iteration(page);
    await page.fill('#gan-d-width', '0');
    await page.click('#gan-reset');
    const error = await page.locator('#gan-error').textContent();
    console.log(`  refused: ${error}`);
    assert.match(error, /discriminator\.width: 0 units/);
    assert.equal(await iteration(page), kept, 'the running GAN was kept');

    // Reset with a good setting starts afresh on the grid.
    await page.fill('#gan-d-width', '64');
    await page.selectOption('#gan-target', 'grid');
    await page.click('#gan-reset');
    await fresh(page);
    await page.selectOption('#gan-speed', 'fast');
    await playUntil(page, 1000, { figures: 'of 25 modes covered' });
    console.log(`  grid: ${await page.locator('#gan-figures').textContent()}`);
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-grid.png') });

    // Points drawn on the plane: none yet is refused; clicks add, shift-click removes; Reset trains on them.
    await page.selectOption('#gan-target', 'drawn');
    await page.click('#gan-reset');
    assert.match(await page.locator('#gan-error').textContent(), /No points drawn yet/);
    const box = await page.locator('#gan-plane').boundingBox();
    for (const [x, y] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75], [0.5, 0.5]]) {
      await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    }
    assert.match(await page.locator('#gan-drawn').textContent(), /^5 points drawn/);
    await page.keyboard.down('Shift');
    await page.mouse.click(box.x + 0.52 * box.width, box.y + 0.5 * box.height);
    await page.keyboard.up('Shift');
    assert.match(await page.locator('#gan-drawn').textContent(), /^4 points drawn/);
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-drawing.png') });
    await page.click('#gan-reset');
    assert.equal(await page.locator('#gan-error').count(), 0, 'the drawn points were accepted');
    await fresh(page);
    await playUntil(page, 1500);
    await page.waitForTimeout(600);
    const drawnFigures = await page.locator('#gan-figures').textContent();
    console.log(`  drawn points: ${drawnFigures}`);
    assert.match(drawnFigures, /JS \d/);
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-drawn.png') });

    // The GAN link opens the same GAN, drawn points and all, on the lab in a fresh page.
    await page.click('#gan-link');
    const url = await page.locator('#gan-link-url').inputValue();
    console.log(`  GAN link: ${url.length} characters`);
    const { page: shared, errors: sharedErrors } = await openPage(browser, url, { enabled: false });
    await shared.locator('#gan-status').waitFor();
    assert.equal(await shared.locator('#gan-target').inputValue(), 'drawn');
    assert.match(await shared.locator('#gan-drawn').textContent(), /^4 points drawn/);
    assert.equal(await shared.locator('#link-notes').count(), 0, 'the experiment does not take the GAN link for its own');
    await playUntil(shared, 300);
    await shared.locator('#gan').screenshot({ path: join(screenshots, 'gan-link-opened.png') });
    assert.deepEqual(sharedErrors, [], 'the linked page logged errors');

    // A damaged GAN link says so and opens the default GAN.
    const { page: damaged, errors: damagedErrors } = await openPage(browser, `${server.url}?gan=${url.split('gan=')[1].slice(0, 30)}`, { enabled: false });
    const why = await damaged.locator('#gan-error').textContent();
    console.log(`  damaged GAN link: ${why}`);
    assert.match(why, /The link's GAN settings are damaged/);
    assert.equal(await damaged.locator('#gan-target').inputValue(), 'ring');
    assert.deepEqual(damagedErrors, [], 'the damaged link logged errors');
    // Each lesson opens its GAN with what to look for; the collapse lesson collapses.
    const lessons = await page.locator('#gan-lesson option:not([disabled])').evaluateAll((options) => options.map((o) => o.value));
    assert.ok(lessons.length >= 5, `lessons: ${lessons}`);
    for (const id of lessons) {
      await page.selectOption('#gan-lesson', id);
      await fresh(page);
      assert.ok((await page.locator('#gan-guide').textContent()).length > 80, `lesson ${id} has a guide`);
    }
    await page.selectOption('#gan-lesson', 'collapse');
    assert.equal(await page.locator('#gan-g-width').inputValue(), '4');
    await page.selectOption('#gan-speed', 'fast');
    await playUntil(page, 3000);
    await page.waitForTimeout(600);
    const collapsed = await page.locator('#gan-figures').textContent();
    console.log(`  collapse lesson: ${collapsed}`);
    assert.ok(Number(/(\d+) of 8 modes covered/.exec(collapsed)?.[1] ?? 9) <= 3, 'the collapse lesson collapsed');
    await page.locator('#gan').screenshot({ path: join(screenshots, 'gan-lesson-collapse.png') });
    assert.deepEqual(errors, [], 'the page logged errors');
  });
});
