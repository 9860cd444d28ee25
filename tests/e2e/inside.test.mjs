// End-to-end: looking inside trials in the built page. A 2D search draws the decision boundary
// (live while a trial trains, then for the chosen trial) with each hidden unit's map and the
// discrete toggle; weights download and load back, and a damaged weights file is refused; points
// drawn on the plane are searched on; an image search shows its confusion matrix, its most
// confidently wrong images, and a drawing pad that guesses as a digit is drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, screenshots, serveDist, withBrowser } from './browser.mjs';

const server = serveDist();

/** Pixels of a canvas that are not white, and how many distinct colours it has (by 16 levels). */
async function ink(page, selector) {
  return page.locator(selector).first().evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) inked++;
      colours.add(`${data[i] >> 4},${data[i + 1] >> 4},${data[i + 2] >> 4}`);
    }
    return { inked, colours: colours.size, hash: [...data.slice(0, 40000)].reduce((h, v) => (h * 31 + v) >>> 0, 7) };
  });
}

async function typeField(page, id, value) {
  await page.fill(`#${id}`, value);
  await page.press(`#${id}`, 'Tab');
}

async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  const path = join(screenshots, file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path, text: readFileSync(path, 'utf8') };
}

test('a 2D search draws the boundary live and for the chosen trial, with its neurons; weights download and load back', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await openPage(browser, `${server.url}?data=xor&strategy=random&trials=4&epochs=60&jobs=1&engine=cpu&seed=3`, { enabled: true });
    const startedAt = await page.evaluate(() => performance.now());
    await page.click('#start');
    // While a trial trains, its latest weights are drawn.
    const live = await page.waitForFunction(() => /training/.test(document.querySelector('#inside-what')?.textContent ?? ''), null, { timeout: 60_000 })
      .then(() => true, () => false);
    console.log(`  a running trial's boundary was drawn while it trained: ${live}`);
    assert.ok(live, 'no live boundary while the first trials trained');
    await page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 180_000 });
    const longest = await page.evaluate((t0) => Math.max(0, ...window.__longTasks.filter((t) => t.start >= t0).map((t) => t.duration)), startedAt);
    const lag = await page.evaluate((t0) => Math.max(0, ...window.__lags.filter((l) => l.start >= t0).map((l) => l.lag)), startedAt);
    console.log(`  page's thread while boundaries were drawn live: longest task ${longest.toFixed(0)} ms, a 10 ms timer at most ${lag.toFixed(0)} ms late`);
    await page.waitForTimeout(700);
    assert.match(await page.locator('#inside-what').textContent(), /trial \d+, the best so far/);
    const boundary = await ink(page, '#boundary');
    const neurons = await page.locator('canvas.neuron').count();
    console.log(`  best trial's boundary: ${boundary.inked} inked pixels, ${boundary.colours} colours; ${neurons} neuron maps`);
    assert.ok(boundary.inked > 20_000, `the boundary drew ${boundary.inked} pixels`);
    assert.ok(neurons >= 1, 'no neuron maps');
    const neuronInk = await page.locator('canvas.neuron').evaluateAll((canvases) => canvases.map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) inked++;
      return inked / (c.width * c.height);
    }));
    assert.ok(Math.max(...neuronInk) > 0.3, `every neuron map is nearly blank: ${neuronInk}`);
    await page.locator('#inside').screenshot({ path: join(screenshots, 'inside-boundary.png') });

    // Discretised colours change the picture and use fewer colours.
    await page.check('#discrete');
    await page.waitForTimeout(700);
    const flat = await ink(page, '#boundary');
    console.log(`  discretised: ${flat.colours} colours against ${boundary.colours}`);
    assert.notEqual(flat.hash, boundary.hash, 'the discrete toggle changed nothing');
    assert.ok(flat.colours < boundary.colours, 'discrete colours should be fewer');
    await page.locator('#inside').screenshot({ path: join(screenshots, 'inside-boundary-discrete.png') });
    await page.uncheck('#discrete');

    // Choosing another trial shows that trial's network.
    const ids = await page.locator('#leaderboard-table tbody tr.finished').evaluateAll((rows) => rows.map((r) => r.dataset.trial));
    const last = ids[ids.length - 1];
    await page.locator(`tr[data-trial="${last}"] .trial-link`).click();
    await page.waitForTimeout(700);
    assert.match(await page.locator('#inside-what').textContent(), new RegExp(`trial ${last}\\.`));

    // Its weights as a file, loaded back into a fresh page.
    const weights = await download(page, '#download-weights');
    const file = JSON.parse(weights.text);
    assert.equal(file.format, 'nas-playground-weights');
    assert.equal(file.trial, Number(last));
    assert.equal(file.source.source, 'toy2d');
    const fresh = await openPage(browser, `${server.url}?engine=cpu&data=xor&seed=3`);
    await fresh.page.setInputFiles('#weights-file', weights.path);
    await fresh.page.locator('#boundary').waitFor();
    await fresh.page.waitForTimeout(700);
    assert.match(await fresh.page.locator('#inside-what').textContent(), new RegExp(`loaded weights of trial ${last}`));
    const reloaded = await ink(fresh.page, '#boundary');
    assert.ok(reloaded.inked > 20_000, `the loaded network drew ${reloaded.inked} pixels`);
    // A damaged file is refused with its fault, and what is shown stays.
    const damaged = weights.text.replace('"layer0.bias"', '"layer9.bias"');
    await fresh.page.setInputFiles('#weights-file', { name: 'damaged.json', mimeType: 'application/json', buffer: Buffer.from(damaged) });
    const refusal = await fresh.page.locator('#weights-error').textContent();
    console.log(`  damaged weights: ${refusal}`);
    assert.match(refusal, /damaged\.json: parameter 1 \(layer0\.bias\): the file names it 'layer9\.bias'/);
    assert.match(await fresh.page.locator('#inside-what').textContent(), /loaded weights/);
    await fresh.page.locator('#inside').screenshot({ path: join(screenshots, 'inside-loaded-weights.png') });
    assert.deepEqual([...errors, ...fresh.errors], []);
  });
});

test('points drawn on the plane are searched on, and the boundary is drawn over them', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await openPage(browser, `${server.url}?engine=cpu&jobs=1`);
    await page.selectOption('#data-set', 'draw');
    const editor = page.locator('#point-editor');
    await editor.waitFor();
    await editor.scrollIntoViewIfNeeded();
    const box = await editor.boundingBox();
    // A ring of orange (shift-click) around a blue middle.
    const at = (x, y) => ({ x: box.width * (x + 6) / 12, y: box.height * (6 - y) / 12 });
    for (let i = 0; i < 12; i++) {
      const angle = (i / 12) * 2 * Math.PI;
      await editor.click({ position: at(4 * Math.cos(angle), 4 * Math.sin(angle)), modifiers: ['Shift'] });
      await editor.click({ position: at(1.2 * Math.cos(angle + 0.3), 1.2 * Math.sin(angle + 0.3)) });
    }
    // Alt-click takes the nearest point away again.
    await editor.click({ position: at(1.2 * Math.cos(0.3), 1.2 * Math.sin(0.3)), modifiers: ['Alt'] });
    const counts = await page.locator('#point-counts').textContent();
    console.log(`  drawn: ${counts}`);
    assert.match(counts, /^15 blue and 16 orange points/);
    await page.locator('#data').screenshot({ path: join(screenshots, 'inside-drawn-points.png') });
    await typeField(page, 'space-epochs', '40');
    await page.fill('#budget-trials', '3');
    await page.press('#budget-trials', 'Tab');
    await page.click('#start');
    await page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 120_000 });
    await page.waitForTimeout(700);
    const best = (await page.locator('#best').textContent()).trim();
    const boundary = await ink(page, '#boundary');
    console.log(`  search on the drawn points: ${best}; boundary ${boundary.inked} inked pixels`);
    assert.ok(boundary.inked > 20_000);
    await page.screenshot({ path: join(screenshots, 'inside-drawn-search.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});

test('an image trial shows its confusion matrix and worst mistakes, and the pad guesses a drawn digit', async () => {
  return withBrowser([], async (browser) => {
    const { page, errors } = await openPage(browser, `${server.url}?data=mnist&samples=2000&space=mnist-mlp&strategy=random&trials=2&epochs=3&jobs=2&engine=cpu`, { enabled: true });
    await page.click('#start');
    await page.locator('#run-status[data-status="finished"]').waitFor({ timeout: 240_000 });
    await page.locator('#confusion').waitFor();
    await page.waitForTimeout(700);
    const confusion = await ink(page, '#confusion');
    const mistakes = await page.locator('#mistakes li').count();
    const first = (await page.locator('#mistakes li span').first().textContent()).trim();
    console.log(`  ${(await page.locator('.confusion figcaption').textContent()).trim()}; ${mistakes} wrong images shown, the worst: ${first}`);
    assert.ok(confusion.inked > 5_000, `the confusion matrix drew ${confusion.inked} pixels`);
    assert.equal(mistakes, 12);
    assert.ok((await ink(page, 'canvas.mistake')).inked > 40, 'a mistake image is blank');

    // Draw a "1": one stroke down the middle of the pad.
    const pad = page.locator('#pad');
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    assert.match(await page.locator('#pad-empty').textContent(), /Nothing drawn/);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.5 - i * 0.005), box.y + box.height * (0.15 + i * 0.07));
    await page.mouse.up();
    const guess = (await page.locator('#pad-guess').textContent()).trim();
    const shares = await page.locator('.probabilities .value').allTextContents();
    const total = shares.reduce((sum, s) => sum + parseFloat(s), 0);
    console.log(`  a drawn stroke reads as ${guess}; probabilities ${shares.join(' ')}`);
    assert.equal(shares.length, 10);
    assert.ok(Math.abs(total - 100) < 1, `probabilities add up to ${total}`);
    assert.equal(guess, '1', 'a vertical stroke should read as a one');
    await page.locator('#inside').screenshot({ path: join(screenshots, 'inside-images.png') });
    await page.click('#pad-clear');
    assert.match(await page.locator('#pad-empty').textContent(), /Nothing drawn/);
    assert.deepEqual(errors, []);
  });
});
