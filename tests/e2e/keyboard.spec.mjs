// A keyboard-only learner walks the whole widget: every step is a key press,
// and after each one focus is where it should be (never lost to <body>).
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnPageErrors, ready } from './helpers.mjs';

failOnPageErrors();

// What has focus, seen through the widget's shadow root.
const focused = (widget) => widget.evaluate((el) => {
  const active = el.shadowRoot.activeElement;
  if (!active) return null;
  return { tag: active.tagName, text: active.textContent.trim().slice(0, 40), label: active.getAttribute('aria-label'), index: active.dataset.index ?? null,
    head: active.dataset.head ?? null, layer: active.dataset.layer ?? null, view: active.dataset.view ?? null, sort: active.dataset.sort ?? null,
    key: active.dataset.key ?? null, role: active.getAttribute('role'), value: active.value ?? null, checked: active.checked ?? null };
});

// Tab forward until `wanted(focus)` holds; every stop on the way must be inside the widget.
async function tabTo(page, widget, wanted, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(widget);
    expect(now, 'focus left the widget while tabbing').not.toBeNull();
    if (wanted(now)) return now;
  }
  throw new Error('not reached by Tab');
}

test('keyboard only: words, a head, views, the table, experiments; focus stays on what was changed', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page, '#trained');
  const widget = page.locator('attention-lab#trained');
  await widget.locator('input[type="text"]').focus();
  // 1. the words are one tab stop; arrows move between them; Enter locks one
  let now = await tabTo(page, widget, (f) => f.index !== null);
  expect(now.index).toBe('0');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  expect((await focused(widget)).index).toBe('3');
  await page.keyboard.press('Enter');
  await expect(widget.locator('.chip[data-index="3"]')).toHaveAttribute('aria-pressed', 'true');
  expect((await focused(widget)).index).toBe('3');
  await page.keyboard.press('End');
  expect(Number((await focused(widget)).index)).toBe(await widget.evaluate((el) => el.getAttention().seqLen - 1));
  // one Tab leaves the words (no stop per word)
  await page.keyboard.press('Tab');
  expect((await focused(widget)).index).toBeNull();
  // 2. choose a head
  now = await tabTo(page, widget, (f) => f.head === '1' && f.layer === '0');
  await page.keyboard.press('Enter');
  expect(await widget.evaluate((el) => [el.selectedLayer, el.selectedHead])).toEqual([0, 1]);
  expect((await focused(widget)).head).toBe('1');
  // 3. the view tabs: one stop, arrows and Home/End switch
  now = await tabTo(page, widget, (f) => f.role === 'tab');
  expect(now.view).toBe('heatmap');
  await page.keyboard.press('ArrowRight');
  expect((await focused(widget)).view).toBe('lines');
  await expect(widget.locator('[role="tab"][data-view="lines"]')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  expect((await focused(widget)).view).toBe('table');
  await page.keyboard.press('Home');
  expect((await focused(widget)).view).toBe('heatmap');
  await expect(widget.locator('.heat canvas')).toBeVisible();
  // 4. sort the table by the From word
  now = await tabTo(page, widget, (f) => f.sort === 'from');
  await page.keyboard.press('Enter');
  expect((await focused(widget)).sort).toBe('from');
  await expect(widget.locator('th button[data-sort="from"]')).toBeFocused();
  // 5. open the experiments and move the temperature five steps
  now = await tabTo(page, widget, (f) => f.tag === 'SUMMARY' && f.text.startsWith('Experiments'));
  await page.keyboard.press('Enter');
  await expect(widget.locator('details.experiments')).toHaveAttribute('open', '');
  expect((await focused(widget)).tag).toBe('SUMMARY');
  now = await tabTo(page, widget, (f) => f.label === 'Temperature');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('ArrowRight');
    await expect(widget.locator('details.experiments output').first()).toHaveText(`T = ${Number((2 ** (0.25 * (i + 1))).toFixed(2))}`);
    expect((await focused(widget)).label).toBe('Temperature');
  }
  await expect.poll(() => widget.evaluate((el) => el.state.temperature)).toBeCloseTo(2 ** 1.25, 10);
  // 6. switch a head off with the space bar
  now = await tabTo(page, widget, (f) => f.key === '0:2');
  await page.keyboard.press('Space');
  await expect.poll(() => widget.evaluate((el) => el.state.headsOff)).toEqual(['1.3']);
  now = await focused(widget);
  expect([now.key, now.checked]).toEqual(['0:2', false]);
  const results = await new AxeBuilder({ page }).include('attention-lab#trained').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
});
