// <attention-trainer> in Chromium: trains in a Web Worker under the strict
// CSP, start / pause / step / reset, a previous-token head lighting up on the
// default task, the 1-head comparison, bad input, the file:// fallback (no
// worker there) and accessibility.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { failOnPageErrors } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
failOnPageErrors();

async function trainerReady(page, selector) {
  const trainer = page.locator(selector);
  await trainer.scrollIntoViewIfNeeded();
  await trainer.evaluate((el) => el.ready);
  return trainer;
}

const stepOf = (trainer) => trainer.evaluate((el) => el.state.step);

test('train, pause, step and reset in a Web Worker', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  const start = await trainer.evaluate((el) => el.state);
  expect(start.mode).toBe('worker');
  expect(start.step).toBe(0);
  expect(start.runs).toHaveLength(1);
  await expect(trainer.locator('.card')).toHaveCount(4);
  await expect(trainer.locator('.card.lit')).toHaveCount(0);

  const button = trainer.locator('button.primary');
  await button.click();
  await expect(button).toHaveText('Pause');
  await page.waitForFunction(() => document.querySelector('#trainer').state.step >= 30);
  await button.click();
  await expect(button).toHaveText('Train');
  await page.waitForFunction(() => !document.querySelector('#trainer').state.running);
  // the pause message can cross one last snapshot in flight
  await page.waitForTimeout(300);
  const paused = await stepOf(trainer);
  await page.waitForTimeout(600);
  expect(await stepOf(trainer)).toBe(paused);

  await trainer.locator('button', { hasText: 'Step' }).click();
  await page.waitForFunction((n) => document.querySelector('#trainer').state.step === n + 1, paused);

  await trainer.locator('button', { hasText: 'Reset' }).click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step === 0);
  const again = await trainer.evaluate((el) => el.state);
  expect(again.runs[0].loss).toBe(start.runs[0].loss);  // same seed, same start
  await expect(trainer.locator('.status')).toContainText('Step 0');
});

test('blocks: the induction task is attention-only by default, the control and the attribute switch the MLP on and off', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  const blocks = trainer.locator('select[name="blocks"]');
  const settled = (check) => page.waitForFunction(check, null, { timeout: 15_000 });
  expect(await trainer.evaluate((el) => el.state.runs[0].attentionOnly)).toBe(false);  // copy-previous: MLP by default
  await trainer.evaluate((el) => el.setAttribute('task', 'induction'));
  await settled(() => document.querySelector('#trainer').state.runs[0]?.attentionOnly === true);
  await expect(blocks).toHaveValue('');
  await expect(trainer.locator('.status')).toContainText('attention only');
  await blocks.selectOption('mlp');
  await settled(() => document.querySelector('#trainer').state.runs[0]?.attentionOnly === false);
  await expect(trainer.locator('.status')).not.toContainText('attention only');
  await trainer.evaluate((el) => { el.setAttribute('task', 'copy-previous'); el.setAttribute('blocks', 'attention-only'); });
  await settled(() => document.querySelector('#trainer').state.runs[0]?.attentionOnly === true);
  await expect(blocks).toHaveValue('attention-only');
  // one step of the attention-only model trains (a finite loss) and records no role yet
  await trainer.locator('button', { hasText: 'Step' }).click();
  await settled(() => document.querySelector('#trainer').state.step === 1);
  const state = await trainer.evaluate((el) => el.state);
  expect(Number.isFinite(state.runs[0].loss)).toBe(true);
  expect(state.runs[0].litAt).toEqual({});
  await trainer.evaluate((el) => el.setAttribute('blocks', 'nonsense'));
  await expect(blocks).toHaveValue('');
});

test('learned cross-attention: the encoder-decoder\'s heads find the mirrored source letter, its untrained twin beside it does not', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  await trainer.evaluate((el) => el.setAttribute('task', 'reverse-across'));
  await page.waitForFunction(() => document.querySelector('#trainer').state.runs[0]?.cross === true, null, { timeout: 15_000 });
  await expect(trainer.locator('.card:not(.twin)')).toHaveCount(4);
  await expect(trainer.locator('.card.twin')).toHaveCount(4);
  const before = await trainer.evaluate((el) => el.state.runs[0]);
  for (const twin of before.twinRoles) expect(twin.scores[0]).toBeLessThan(0.3);
  // rows are the output positions, labelled by the letter each should write: the probe reversed
  const probe = await trainer.locator('.probe').textContent();
  const [, source, written] = /reads (.+?)\s+→\s+the decoder should write: (.+?)\s+\(/.exec(probe);
  expect(written.split(' ')).toEqual(source.split(' ').reverse());
  expect((await trainer.locator('.card:not(.twin) .row-labels').first().textContent()).split('\n')).toEqual(written.split(' '));
  await trainer.locator('button.primary').click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.runs[0].litAt['mirrored source position'], null, { timeout: 60_000 });
  await trainer.locator('button.primary').click();
  const after = await trainer.evaluate((el) => el.state.runs[0]);
  expect(Math.max(...after.roles.map((r) => r.scores[0]))).toBeGreaterThanOrEqual(0.9);
  expect(after.twinRoles).toEqual(before.twinRoles);  // the twin never trains
  await expect(trainer.locator('.card.lit:not(.twin)').first()).toBeVisible();
  await expect(trainer.locator('.card.twin.lit')).toHaveCount(0);
  await expect(trainer.locator('.card:not(.twin) li').first()).toContainText('mirrored source position');
});

test('copy the previous token: a head earns the previous-token role and the loss reaches its target', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  await trainer.locator('button.primary').click();
  await page.waitForFunction(() => {
    const { runs } = document.querySelector('#trainer').state;
    return runs[0].reachedAt && runs[0].roles.some((role) => role.role === 'previous token');
  }, null, { timeout: 45_000 });
  await trainer.locator('button.primary').click();
  const state = await trainer.evaluate((el) => el.state);
  expect(state.runs[0].loss).toBeLessThan(state.runs[0].targetLoss);
  const lit = state.runs[0].roles.filter((role) => role.role === 'previous token');
  expect(lit.length).toBeGreaterThanOrEqual(1);
  for (const role of lit) expect(role.scores[0]).toBeGreaterThanOrEqual(0.9);
  await expect(trainer.locator('.card.lit')).toHaveCount(state.runs[0].roles.filter((role) => role.best >= 0).length);
  await expect(trainer.locator('.card.lit .roles li.met').first()).toContainText('previous token');
  await expect(trainer.locator('.status')).toContainText('target reached at step');
});

test('several heads against one head of the same width, side by side', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#compare');
  const state = await trainer.evaluate((el) => el.state);
  expect(state.runs.map((run) => [run.heads, run.headDim])).toEqual([[4, 8], [1, 32]]);
  await expect(trainer.locator('section.run')).toHaveCount(2);
  await expect(trainer.locator('.key li')).toHaveCount(2);
  // hovering a heatmap cell reads it out: from position, to position, weight
  const canvas = trainer.locator('.card canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.05, box.y + box.height * 0.15);
  await expect(trainer.locator('.card .readout').first()).toHaveText(/^2 \d → 1 \d: \d+%$/);
  // the probe's tokens label both axes of every map, one per cell, lined up with the cells
  const probe = (await trainer.locator('.probe').first().textContent()).match(/^Probe: (.*?)\s+→/)[1].split(' ');
  const card = trainer.locator('.card').first();
  expect((await card.locator('.row-labels').textContent()).split('\n')).toEqual(probe);
  expect((await card.locator('.col-labels').textContent()).split('\n')).toEqual(probe);
  await expect(card.locator('.col-labels')).toHaveClass(/upright/);  // digits: single characters
  const rows = await card.locator('.row-labels').boundingBox();
  const columns = await card.locator('.col-labels').boundingBox();
  expect(Math.abs(rows.y - box.y)).toBeLessThanOrEqual(1);
  expect(Math.abs(rows.height - box.height)).toBeLessThanOrEqual(1);
  expect(Math.abs(columns.x - box.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(columns.width - box.width)).toBeLessThanOrEqual(1);
  // switching the comparison off leaves one run
  await trainer.locator('input[name="compare"]').uncheck();
  await page.waitForFunction(() => document.querySelector('#compare').state.runs.length === 1);
  await expect(trainer.locator('section.run')).toHaveCount(1);
});

test('bad settings get a clear message, and markup in a task name stays text', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  const seed = trainer.locator('input[name="seed"]');
  await seed.fill('-3');
  await seed.dispatchEvent('change');
  await expect(trainer.locator('.error')).toContainText('seed must be a whole number');
  await seed.fill('12');
  await seed.dispatchEvent('change');
  await expect(trainer.locator('.error')).toBeHidden();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step === 0);
  // 8 heads on d_model 16 is fine (2 dims each); the worker reports what it rejects
  await trainer.locator('select[name="d-model"]').selectOption('16');
  await trainer.locator('select[name="heads"]').selectOption('8');
  await page.waitForFunction(() => document.querySelector('#trainer').state.runs[0]?.heads === 8);
  await page.evaluate(() => document.querySelector('#trainer').setAttribute('task', '<img src=x onerror="window.pwned=1">'));
  await expect(trainer.locator('select[name="task"]')).toHaveValue('copy-previous');
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
  await expect(trainer.locator('img')).toHaveCount(0);
});

test('removed while training and added back, it stops its worker and starts over cleanly', async ({ page }) => {
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  await trainer.locator('button.primary').click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step >= 10);
  const workers = () => page.workers().length;
  const before = workers();
  await page.evaluate(() => {
    const el = document.querySelector('#trainer');
    window.__parked = el;
    el.remove();
  });
  await expect.poll(workers).toBe(before - 1);
  await page.evaluate(() => document.querySelector('#s5').parentElement.append(window.__parked));
  await trainer.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const { mode, running, step } = document.querySelector('#trainer').state;
    return mode === 'worker' && !running && step === 0;
  });
  await trainer.locator('button', { hasText: 'Step' }).click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step === 1);
});

test('opened from file://, where Chromium allows no worker, it trains on the page', async ({ page }) => {
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(`${ROOT}dist/index.html`).href);
  const trainer = await trainerReady(page, '#trainer');
  expect(await trainer.evaluate((el) => el.state.mode)).toBe('page');
  await trainer.locator('button', { hasText: 'Step' }).click();
  await trainer.locator('button', { hasText: 'Step' }).click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step === 2);
  await trainer.locator('button.primary').click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step > 20);
  await trainer.locator('button.primary').click();
  expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
});

for (const colorScheme of ['light', 'dark']) {
  test(`the trainers pass axe after training (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.goto('/index.html');
    const trainer = await trainerReady(page, '#compare');
    await trainer.locator('button', { hasText: 'Step' }).click();
    await page.waitForFunction(() => document.querySelector('#compare').state.step === 1);
    const results = await new AxeBuilder({ page }).include('#compare').include('#trainer')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
  });
}

test('at 360 px the loss chart\'s text stays readable (at least 10 px on screen)', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto('/index.html');
  const trainer = await trainerReady(page, '#trainer');
  await trainer.locator('button', { hasText: 'Step' }).click();
  await page.waitForFunction(() => document.querySelector('#trainer').state.step >= 1);
  await expect(trainer.locator('svg.loss text.caption').first()).toBeAttached();
  const sizes = await trainer.locator('svg.loss text.caption').evaluateAll((texts) => texts.map((t) => t.getBoundingClientRect().height));
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
});
