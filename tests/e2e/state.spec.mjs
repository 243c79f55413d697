// A teacher's view in markup and in a link: attributes open a widget on a
// layer, head, view and locked word; el.state reads and sets it; "Copy link"
// writes it into the page address and the link reopens it; bad or stale
// saved views are ignored with a message, never an exception.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, ready } from './helpers.mjs';

failOnPageErrors();

const SENTENCE = 'The old man poured a cup of tea because he was tired.';

test('attributes open the widget on a layer, head, view and locked word', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  await page.evaluate((sentence) => {
    const el = document.createElement('attention-lab');
    el.id = 'teacher';
    el.setAttribute('sentence', sentence);
    for (const [name, value] of [['layer', '2'], ['head', '3'], ['view', 'lines'], ['lock', 'tea'], ['top-k', '5']]) el.setAttribute(name, value);
    document.querySelector('main').prepend(el);
  }, SENTENCE);
  const widget = page.locator('attention-lab#teacher');
  await ready(page, 'attention-lab#teacher');
  await expect(widget.locator('.focus h3')).toContainText('L2 Head 3');
  await expect(widget.locator('.view-slot .lines svg')).toBeAttached();
  await expect(widget.locator('.chip[data-index="7"]')).toHaveClass(/locked/);
  const state = await widget.evaluate((el) => el.state);
  expect(state).toMatchObject({ layer: 2, head: 3, view: 'lines', lock: 8, topK: 5, temperature: 1, scaling: true, headsOff: [] });
  await expect(widget.locator('table.links tbody tr')).toHaveCount(5);
  // a later attribute change moves the view too
  await widget.evaluate((el) => el.setAttribute('head', '1'));
  await expect(widget.locator('.focus h3')).toContainText('L2 Head 1');
});

test('Copy link writes this widget\'s view into the address; opening the link restores it, experiments included', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/index.html');
  await ready(page, '#trained');
  const widget = page.locator('attention-lab#trained');
  await widget.evaluate((el) => {
    el.state = { layer: 1, head: 2, view: 'table', lock: 'man', temperature: 2, scaling: false, headsOff: ['2.1', '2.4'] };
  });
  await expect(widget.locator('.focus h3')).toContainText('L1 Head 2');
  await expect.poll(() => widget.evaluate((el) => el.state.headsOff)).toEqual(['2.1', '2.4']);
  const before = await widget.evaluate((el) => ({ state: el.state, attention: Array.from(el.getAttention().attention) }));
  await widget.getByRole('button', { name: 'Copy link to this view' }).click();
  await expect(widget.locator('.status')).toContainText('Link to this view');
  const link = page.url();
  expect(link).toContain('#attention-lab.trained=');
  // a fresh page from the link
  const other = await context.newPage();
  await other.goto(link);
  await ready(other, '#trained');
  const reopened = other.locator('attention-lab#trained');
  await expect(reopened.locator('.focus h3')).toContainText('L1 Head 2');
  await expect.poll(() => reopened.evaluate((el) => el.state)).toEqual(before.state);
  // the numbers are those of the same experiment (temperature 2, no scaling, two heads off)
  const after = await reopened.evaluate((el) => Array.from(el.getAttention().attention));
  expect(after).toEqual(before.attention);
  await expect(reopened.locator('table.matrix')).toBeAttached();
  await other.close();
});

test('a bad or stale saved view is ignored with a message and the widget still works', async ({ page }) => {
  const stale = encodeURIComponent(JSON.stringify({ layer: 9, head: 2, view: 'sideways', lock: 'zebra', headsOff: ['7.7'], temperature: 'hot' }));
  await page.goto(`/index.html#attention-lab.trained=${stale}&attention-lab.intro=%7Bnot%20json`);
  await ready(page, '#trained');
  const trained = page.locator('attention-lab#trained');
  await expect(trained.locator('.status')).toContainText(/Ignored from the saved view: layer 9 \(this model has \d+\); view "sideways"/);
  await expect(trained.locator('.status')).toContainText('locked word "zebra" (not in this sentence)');
  await expect(trained.locator('.focus h3')).toContainText('L1 Head 2');  // what fitted was applied
  expect(await trained.locator('.head-card').count()).toBeGreaterThan(0);
  await ready(page, '#intro');
  await expect(page.locator('attention-lab#intro .status')).toContainText('could not be read');
  await expect(page.locator('attention-lab#intro .head-card')).toHaveCount(8);
  // typing on clears the notice
  await trained.locator('input[type="text"]').fill('A new sentence.');
  await expect(trained.locator('.status')).not.toContainText('Ignored');
  // the setter refuses what is not an object, in words
  const error = await trained.evaluate((el) => { try { el.state = 5; return ''; } catch (e) { return e.message; } });
  expect(error).toContain('state must be an object');
});
