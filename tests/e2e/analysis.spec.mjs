// The experiments panel: switching heads off, scaling, temperature and the
// importance ranking, with figures the engine computes.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, ready } from './helpers.mjs';

async function openExperiments(page, id) {
  await page.goto('/index.html');
  await ready(page, `attention-lab#${id}`);
  const widget = page.locator(`attention-lab#${id}`);
  await widget.locator('details.experiments summary').click();
  await expect(widget.locator('.effect')).toContainText('changed by 0%');
  // output sensitivity (and gradient importance) are measured after the table is drawn
  await expect(widget.locator('table.importance')).not.toHaveAttribute('aria-busy', 'true', { timeout: 30000 });
  return widget;
}

failOnPageErrors();

test('switching a head off changes the output by a measured amount; reset restores it', async ({ page }) => {
  const widget = await openExperiments(page, 'intro');
  const before = await widget.evaluate((el) => el.getAttention().attention.slice(0, 20).join());
  await widget.locator('.head-switches input[data-key="0:2"]').uncheck();
  await expect(widget.locator('.effect')).toContainText(/changed by (?!0%)\d+(\.\d)?%/);
  await expect(widget.locator('table.importance tr[data-key="0:2"]')).toContainText('(off)');
  // ablation leaves the head's own weights as they were
  expect(await widget.evaluate((el) => el.getAttention().attention.slice(0, 20).join())).toBe(before);
  await widget.locator('button', { hasText: 'Reset all' }).click();
  await expect(widget.locator('.effect')).toContainText('changed by 0%');
});

test('scaling off and a low temperature sharpen attention: entropy falls', async ({ page }) => {
  const widget = await openExperiments(page, 'intro');
  const entropy = async () => Number((await widget.locator('details.experiments .note').first().textContent()).match(/([\d.]+)% of uniform/)[1]);
  const scaled = await entropy();
  await widget.locator('details.experiments input[type="checkbox"]').first().uncheck();
  await expect(widget.locator('.effect')).not.toContainText('changed by 0%');
  const unscaled = await entropy();
  expect(unscaled).toBeLessThan(scaled);
  await widget.locator('details.experiments input[type="checkbox"]').first().check();
  await widget.locator('input[aria-label="Temperature"]').fill('2');
  await expect(widget.locator('details.experiments output').first()).toHaveText('T = 4');
  const hot = await entropy();
  expect(hot).toBeGreaterThan(scaled);
});

test('trained model: pruning the least important heads, loss and guesses before and after', async ({ page }) => {
  const widget = await openExperiments(page, 'trained');
  await expect(widget.locator('.predictions')).toContainText(/default (\d+\.\d{3}), now \1/);
  const heads = await widget.evaluate((el) => el.getHeads().flat().length);
  const ranked = await widget.locator('table.importance tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
  expect(ranked).toHaveLength(heads);
  await widget.locator('input[aria-label="How many heads to switch off"]').fill('3');
  await expect(widget.locator('.head-switches input:not(:checked)')).toHaveCount(3);
  for (const key of ranked.slice(0, 3)) await expect(widget.locator(`.head-switches input[data-key="${key}"]`)).not.toBeChecked();
  const text = await widget.locator('.predictions p').first().textContent();
  const [, before, after] = text.match(/default (\d+\.\d+), now (\d+\.\d+)/);
  expect(Number(after)).not.toBe(Number(before));
  await expect(widget.locator('.prediction-columns ol')).toHaveCount(2);
  await expect(widget.locator('.prediction-columns ol').first().locator('li')).toHaveCount(5);
});

test('number of heads and the causal mask: parameters stay 4·d_model², patterns and d_k change', async ({ page }) => {
  const widget = await openExperiments(page, 'intro');
  const compare = widget.locator('table.compare');
  await expect(compare.locator('tr', { hasText: 'Parameters' }).locator('td')).toHaveText(['16,640', '16,640']);
  await expect(compare.locator('tr', { hasText: 'Subspace' }).locator('td')).toHaveText(['64', '8']);
  await widget.locator('select.heads-select').selectOption('2');
  await expect(widget.locator('.head-card')).toHaveCount(2);
  await expect(widget.locator('table.compare tr', { hasText: 'Subspace' }).locator('td')).toHaveText(['64', '32']);
  await expect(widget.locator('table.compare tr', { hasText: 'Parameters' }).locator('td')).toHaveText(['16,640', '16,640']);
  await widget.locator('.heads-and-masking input[type="checkbox"]').first().check();
  await expect(widget.locator('.arch-facts')).toContainText('causal (decoder) mask on');
  const view = await widget.evaluate((el) => el.getAttention());
  const n = view.seqLen;
  for (let h = 0; h < view.numHeads; h++) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    expect(view.attention[(h * n + i) * n + j]).toBe(0);
  }
});

test('step by step: one word through one head, with the same weights as the heatmap', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page, 'attention-lab#causal');
  const widget = page.locator('attention-lab#causal');
  await widget.locator('button[data-view="steps"]').click();
  await widget.locator('.steps select').selectOption('3');
  await expect(widget.locator('.step-list > li')).toHaveCount(7);
  await expect(widget.locator('.step-list h4').first()).toHaveText('1. Input for “tea”');
  const shown = await widget.locator('table.step-table tbody tr td:last-child').allTextContents();
  const view = await widget.evaluate((el) => el.getAttention());
  const n = view.seqLen;
  const row = Array.from(view.attention.slice(3 * n, 4 * n));
  const fmt = (v) => `${(v * 100).toFixed(v >= 0.995 || v < 0.0005 ? 0 : 1)}%`;
  expect(shown).toEqual(row.map(fmt));
  await expect(widget.locator('table.step-table tr.masked')).toHaveCount(n - 4);  // causal: words after "tea"
});

test('held-out loss as heads are pruned: measured in the page with a progress bar', async ({ page }) => {
  const widget = await openExperiments(page, 'trained');
  await widget.locator('button', { hasText: 'Measure held-out loss' }).click();
  const heads = await widget.evaluate((el) => el.getHeads().flat().length);
  // the chart grows as its points are measured: first seen with only some of them
  await expect(widget.locator('.curve svg')).toBeVisible({ timeout: 30000 });
  const firstSeen = await widget.locator('.curve table tbody tr').count();
  expect(firstSeen).toBeGreaterThan(0);
  expect(firstSeen).toBeLessThan(heads + 1);
  await expect(widget.locator('.curve [role="status"]')).toHaveAttribute('aria-busy', 'true');
  await expect(widget.locator('.curve progress')).toHaveCount(0, { timeout: 60000 });
  await expect(widget.locator('.curve [role="status"]')).not.toHaveAttribute('aria-busy', 'true');
  const losses = (await widget.locator('.curve table tbody td:nth-child(2)').allTextContents()).map(Number);
  expect(losses).toHaveLength(heads + 1);
  expect(losses[heads]).toBeGreaterThan(losses[0]);  // without any head the model fills in words worse
  // the chart has its axes' ticks: head counts across (every one up to 16 heads, then every
  // other, always the last), then the lowest, middle and highest loss up
  const ticks = await widget.locator('.curve svg text.tick').allTextContents();
  const every = heads + 1 > 17 ? 2 : 1;
  const across = Array.from({ length: heads + 1 }, (_, k) => k).filter((k) => k % every === 0 || k === heads).map(String);
  expect(ticks.slice(0, across.length)).toEqual(across);
  const expectedTicks = [Math.min(...losses), (Math.min(...losses) + Math.max(...losses)) / 2, Math.max(...losses)];
  ticks.slice(across.length).map(Number).forEach((tick, i) => expect(Math.abs(tick - expectedTicks[i])).toBeLessThan(0.011));
});

test('trained model: gradient importance ranks the heads too', async ({ page }) => {
  const widget = await openExperiments(page, 'trained');
  await widget.locator('th button[data-sort="gradient"]').click();
  // measured a few heads at a time after the table is drawn: first "…", then the numbers
  await expect(widget.locator('table.importance')).not.toHaveAttribute('aria-busy', 'true', { timeout: 30000 });
  await expect(widget.locator('th', { hasText: 'Gradient importance' })).toHaveAttribute('aria-sort', 'ascending');
  const heads = await widget.evaluate((el) => el.getHeads().flat().length);
  const values = (await widget.locator('table.importance tbody td:nth-child(5)').allTextContents()).map(Number);
  expect(values).toHaveLength(heads);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  expect(values[heads - 1]).toBeGreaterThan(0);
});

test('trained model: gradient importance is measured after typing is drawn, and equals the engine in Node', async ({ page }) => {
  const widget = await openExperiments(page, 'trained');
  const table = widget.locator('table.importance');
  await expect(table).not.toHaveAttribute('aria-busy', 'true', { timeout: 30000 });
  const sentence = 'the old man poured a cup of tea because he was tired';
  await widget.locator('input[type="text"]').fill(sentence);
  // the new sentence's table is drawn before its gradients are in: "…" in their column
  await expect(table).toHaveAttribute('aria-busy', 'true');
  await expect(table.locator('tbody td:nth-child(5)').first()).toHaveText('…');
  expect(await widget.evaluate((el) => el.getAttention().seqLen)).toBe(12);
  await expect(table).not.toHaveAttribute('aria-busy', 'true', { timeout: 30000 });
  const shown = Object.fromEntries(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.dataset.key, Number(r.cells[4].textContent)])));
  const { loadTrainedModel } = await import('attention-lab');
  const model = await loadTrainedModel();
  const importance = model.gradientImportance(model.tokenize(sentence).map((t) => t.id));
  const { numHeads } = model.config;
  expect(Object.keys(shown)).toHaveLength(importance.length);
  for (const [key, value] of Object.entries(shown)) {
    const [layer, head] = key.split(':').map(Number);
    expect(Math.abs(value - importance[layer * numHeads + head]), key).toBeLessThanOrEqual(5e-5);
  }
});

test('at 360 px the importance table scrolls inside the widget: every column can be reached and ranked by', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  const widget = await openExperiments(page, 'trained');
  await widget.locator('th button[data-sort="gradient"]').click();  // beyond the right edge at first: scrolled to
  await expect(widget.locator('table.importance')).not.toHaveAttribute('aria-busy', 'true', { timeout: 30000 });
  await expect(widget.locator('th', { hasText: 'Gradient importance' })).toHaveAttribute('aria-sort', 'ascending');
  const overflow = await widget.evaluate((el) => {
    const lab = el.shadowRoot.querySelector('section.lab');
    return lab.scrollWidth - lab.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(1);
});

test('cross-attention between two sentences: the tables follow, and match the engine in Node', async ({ page }) => {
  const widget = await openExperiments(page, 'heads');
  await widget.locator('.context-input').fill('Das Tier war zu müde.');
  await widget.locator('.heads-and-masking input[type="checkbox"]').nth(1).check();
  await expect(widget.locator('.context-tokens .chip')).toHaveCount(6);
  const view = await widget.evaluate((el) => el.getAttention());
  expect(view.contextTokens).toEqual(['Das', 'Tier', 'war', 'zu', 'müde', '.']);
  expect(view.attention.length).toBe(view.numHeads * view.seqLen * 6);
  const { loadEngine } = await import('attention-lab');
  const engine = await loadEngine();
  const queries = engine.tokenize("The animal didn't cross the street because it was too tired.", { rules: 'seeded' }).map((t) => t.surface);
  const result = engine.multiHeadAttention({
    x: engine.embedTokens(queries, 64, 1), context: engine.embedTokens(view.contextTokens, 64, 1), ...engine.seededLayer(64, 1),
    seqLen: queries.length, contextLen: 6, dModel: 64, numHeads: 4,
  });
  for (let k = 0; k < result.attention.length; k++) expect(view.attention[k]).toBeCloseTo(result.attention[k], 6);
  const toWords = await widget.locator('table.links tbody td:nth-child(2)').allTextContents();
  for (const word of toWords) expect(view.contextTokens.some((t) => word.startsWith(t))).toBe(true);
  expect((await widget.locator('.col-labels').textContent()).split('\n')).toEqual(view.contextTokens);
  await expect(widget.locator('.arch')).toContainText(`4 × ${view.seqLen} × 6`);
  await widget.locator('.heads-and-masking input[type="checkbox"]').nth(1).uncheck();
  await expect(widget.locator('.context-tokens .chip')).toHaveCount(0);
});

test('importance rankings are deterministic: the same sentence ranks the heads the same way twice', async ({ page }) => {
  const widget = await openExperiments(page, 'trained');
  const ranking = async (measure) => {
    await widget.locator(`th button[data-sort="${measure}"]`).click();
    await expect(widget.locator('table.importance')).not.toHaveAttribute('aria-busy', 'true', { timeout: 30000 });
    return widget.locator('table.importance tbody tr').evaluateAll((rows) => rows.map((r) => `${r.dataset.key}:${r.textContent}`));
  };
  for (const measure of ['entropy', 'norm', 'sensitivity', 'gradient']) {
    const first = await ranking(measure);
    await widget.evaluate((el) => el.recompute());
    expect(await ranking(measure)).toEqual(first);
  }
  // every head card shows its entropy
  await expect(widget.locator('.head-card').first()).toContainText(/entropy \d+(\.\d)?%/);
});

test('the temperature reads as a short number, not a long fraction', async ({ page }) => {
  const widget = await openExperiments(page, 'intro');
  const slider = widget.locator('input[aria-label="Temperature"]');
  await slider.evaluate((el) => { el.value = '0.25'; el.dispatchEvent(new Event('input')); });
  await expect(widget.locator('details.experiments output').first()).toHaveText('T = 1.19');  // 2^0.25 = 1.189207…
});

test('the importance measures say why they can disagree', async ({ page }) => {
  const widget = await openExperiments(page, 'trained');
  await expect(widget.locator('.importance-wrap > .note')).toContainText('They answer different questions');
});
