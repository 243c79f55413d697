// Long texts (issue 20, item 4): up to 1,024 tokens on the seeded layer, never
// cut below that; one head's heatmap shows an overview of the whole matrix
// (cells merged by their largest weight) and a window of 40 words that follows
// the locked word, the word finder and clicks on the overview; the page never
// scrolls sideways, at desktop or phone width.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnPageErrors, ready } from './helpers.mjs';

failOnPageErrors();

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'while', 'it', 'rained', '.'];
const passage = (count) => Array.from({ length: count }, (_, i) => (i === 700 ? 'umbrella' : WORDS[i % WORDS.length])).join(' ');

async function longWidget(page, count = 1024) {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await widget.evaluate(async (el, text) => { el.sentence = text; await el.recompute(); }, passage(count));
  return widget;
}

const place = (widget) => widget.locator('.window-place').textContent();

test('1,024 words: nothing cut, an overview and a 40-word window, no sideways scroll of the page', async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 900 });
  const widget = await longWidget(page);
  const attention = await widget.evaluate((el) => el.getAttention());
  expect(attention.seqLen).toBe(1024);
  await expect(widget.locator('.status')).not.toContainText('Showing the first');
  await expect(widget.locator('.long-text')).toBeVisible();
  expect(await place(widget)).toContain('1024 words: the heatmap shows words 1–40 (rows) and 1–40 (columns)');
  // the window's cells are the head's weights, one canvas pixel per cell
  const canvas = widget.locator('.heat canvas').first();
  expect(await canvas.evaluate((c) => [c.width, c.height])).toEqual([40, 40]);
  // the overview: 1,024 cells in 256 pixels, each the largest of its 4 x 4 block
  const overview = await widget.evaluate((el) => {
    const c = el.shadowRoot.querySelector('canvas.overview');
    return { width: c.width, height: c.height, label: c.getAttribute('aria-label') };
  });
  expect(overview).toMatchObject({ width: 256, height: 256 });
  expect(overview.label).toContain('each pixel the strongest of 4 × 4 cells');
  for (const width of [1000, 360]) {
    await page.setViewportSize({ width, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
  const axe = await new AxeBuilder({ page }).include('attention-lab#intro').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

test('the window follows the word finder, a locked word and clicks on the overview', async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 900 });
  const widget = await longWidget(page);
  const finder = widget.locator('input[name="find-word"]');
  await finder.fill('umbrella');
  await finder.press('Enter');
  await expect(widget.locator('.long-text [role="status"]')).toHaveText('1 of 1: word 701');
  expect(await widget.evaluate((el) => el.state.lock)).toBe(701);  // el.state counts positions from 1, as shown
  expect(await place(widget)).toContain('words 681–720 (rows) and 681–720 (columns)');
  // the row label of the locked word is highlighted inside the window
  await expect(widget.locator('.heat .row-labels .hot')).toHaveText('umbrella');
  // "rained" is word 9, 19, 29, ...: Enter walks through them after the locked one, wrapping round
  await finder.fill('RAINED');
  await finder.press('Enter');
  await expect(widget.locator('.long-text [role="status"]')).toHaveText('71 of 102: word 709');
  await finder.fill('nowhere');
  await finder.press('Enter');
  await expect(widget.locator('.long-text [role="status"]')).toHaveText('“nowhere” is not in the text.');
  // a click near the overview's bottom-right corner moves the window to the end
  const overview = widget.locator('canvas.overview');
  const box = await overview.boundingBox();
  await overview.click({ position: { x: box.width - 2, y: box.height - 2 } });
  expect(await place(widget)).toContain('words 985–1024 (rows) and 985–1024 (columns)');
  // hovering a window cell names the sentence's words and positions, with the engine's weight
  const cells = widget.locator('.heat canvas').first();
  await cells.hover({ position: { x: (await cells.boundingBox()).width - 2, y: 2 } });
  const { weight, tokens } = await widget.evaluate((el) => {
    const a = el.getAttention();
    return { weight: a.attention[984 * 1024 + 1023], tokens: a.tokens };
  });
  await expect(widget.locator('.tooltip')).toContainText(`From “${tokens[984]}” (985) to “${tokens[1023]}” (1024): `);
  const shownPercent = Number(/: ([0-9.]+)%/.exec(await widget.locator('.tooltip').textContent())[1]);
  expect(Math.abs(shownPercent - weight * 100)).toBeLessThanOrEqual(0.05);
});

test('lines, the table of every weight and the overlay say where a long text is shown instead of drawing 1,024 words', async ({ page }) => {
  const widget = await longWidget(page, 300);
  for (const view of ['Lines', 'Table']) {
    await widget.locator('[role="tab"]', { hasText: view }).click();
    await expect(widget.locator('.long-note')).toContainText('this one has 300');
  }
  await widget.locator('[role="tab"]', { hasText: 'Heatmap' }).click();
  await expect(widget.locator('.long-text')).toBeVisible();
  // back to a short sentence: no overview, the whole matrix again
  await widget.evaluate(async (el) => { el.sentence = 'A short sentence again.'; await el.recompute(); });
  await expect(widget.locator('.long-text')).toBeHidden();
  expect(await widget.locator('.heat canvas').first().evaluate((c) => c.width)).toBe(5);
});

test('more than 1,024 tokens: the first 1,024 are shown and the status says so', async ({ page }) => {
  const widget = await longWidget(page, 1500);
  await expect(widget.locator('.status')).toContainText('Showing the first 1024 of 1500 tokens');
  expect(await widget.evaluate((el) => el.getAttention().seqLen)).toBe(1024);
});
