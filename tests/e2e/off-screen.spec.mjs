// While the learner types, what they cannot see waits for the frame that shows
// what they can: the links table, when it is off screen, is rewritten right
// after that frame (web/src/lab/off-screen.js). These tests hold it to never
// showing stale rows: not on screen, not after the frame, not on paper.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, ready } from './helpers.mjs';

failOnPageErrors();

// Runs in the page: sets the widget's text as typing does (an input event),
// and reads the table's rows and this computation's rows when the update
// event fires, then again after the next frame and a task. `print` dispatches
// beforeprint at the update event, before the frame.
function typeAndRead(el, { sentence, print = false }) {
  const rows = () => [...el.shadowRoot.querySelectorAll('table.links tbody tr')]
    .map((row) => `${row.dataset.from}>${row.dataset.to} ${row.cells[0].childNodes[1].textContent}${row.classList.contains('hot') ? ' hot' : ''}`);
  const expected = () => {
    const locked = el.state.lock;  // a word's position from 1, or null
    return el.getTables()[el.selectedHead].rows.map(({ fromIndex, toIndex, from }) => `${fromIndex}>${toIndex} ${from}` +
      (locked !== null && (fromIndex === locked - 1 || toIndex === locked - 1) ? ' hot' : ''));
  };
  return new Promise((resolve) => {
    el.addEventListener('attention-lab-update', () => {
      if (print) window.dispatchEvent(new Event('beforeprint'));
      const atUpdate = { shown: rows(), expected: expected() };
      requestAnimationFrame(() => setTimeout(() => resolve({ atUpdate, after: { shown: rows(), expected: expected() } }), 0));
    }, { once: true });
    const input = el.shadowRoot.querySelector('input[type="text"]');
    input.value = sentence;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

test('the links table off screen is rewritten right after the frame, highlight included; on screen and for print, at once', async ({ page }) => {
  await page.setViewportSize({ width: 1200, height: 500 });
  await page.goto('/index.html');
  await ready(page, '#intro');
  const widget = page.locator('attention-lab#intro');
  const frames = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const tableTop = () => widget.evaluate((el) => el.shadowRoot.querySelector('table.links').getBoundingClientRect().top);
  await widget.evaluate((el) => el.shadowRoot.querySelector('input[type="text"]').scrollIntoView({ block: 'start' }));
  await frames();
  expect(await tableTop()).toBeGreaterThan(500);

  // off screen: the frame goes without it, the task after the frame brings it up to date
  let read = await widget.evaluate(typeAndRead, { sentence: 'Seven quiet owls watched the frozen river at dawn.' });
  expect(read.atUpdate.shown).not.toEqual(read.atUpdate.expected);
  expect(read.after.shown).toEqual(read.after.expected);

  // a locked word's rows are marked again after the rewrite
  await widget.locator('.chip[data-index="2"]').click();
  await expect.poll(() => widget.evaluate((el) => el.state.lock)).toBe(3);
  await widget.evaluate((el) => el.shadowRoot.querySelector('input[type="text"]').scrollIntoView({ block: 'start' }));
  await frames();
  expect(await tableTop()).toBeGreaterThan(500);
  read = await widget.evaluate(typeAndRead, { sentence: 'Two tired dogs slept beside the warm kitchen stove.' });
  expect(read.after.shown.some((row) => row.endsWith(' hot'))).toBe(true);
  expect(read.after.shown).toEqual(read.after.expected);
  await widget.locator('.chip[data-index="2"]').click();  // unlocked
  await widget.evaluate((el) => el.shadowRoot.querySelector('input[type="text"]').scrollIntoView({ block: 'start' }));
  await frames();

  // paper has no viewport: printing draws it at once
  read = await widget.evaluate(typeAndRead, { sentence: 'A green kite rose over the noisy harbour.', print: true });
  expect(read.atUpdate.shown).toEqual(read.atUpdate.expected);

  // a script that awaits recompute() gets the table too
  const afterRecompute = await widget.evaluate(async (el) => {
    el.sentence = 'The old map showed a hidden path north.';
    await el.recompute();
    return [...el.shadowRoot.querySelectorAll('table.links tbody tr')].map((row) => `${row.dataset.from}>${row.dataset.to}`).join()
      === el.getTables()[el.selectedHead].rows.map(({ fromIndex, toIndex }) => `${fromIndex}>${toIndex}`).join();
  });
  expect(afterRecompute).toBe(true);

  // on screen: rewritten in the keystroke's frame itself
  await widget.locator('table.links').scrollIntoViewIfNeeded();
  await frames();
  expect(await tableTop()).toBeLessThan(500);
  read = await widget.evaluate(typeAndRead, { sentence: 'Bright lanterns swayed above the crowded night market.' });
  expect(read.atUpdate.shown).toEqual(read.atUpdate.expected);
});

test('head cards off screen get their words right after the frame; cards on screen in it', async ({ page }) => {
  await page.setViewportSize({ width: 1200, height: 500 });
  await page.goto('/index.html');
  await ready(page, '#intro');
  const widget = page.locator('attention-lab#intro');
  await widget.evaluate((el) => el.shadowRoot.querySelector('input[type="text"]').scrollIntoView({ block: 'start' }));
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const read = await widget.evaluate((el) => {
    const cards = [...el.shadowRoot.querySelectorAll('.head-card')];
    const percent = (value) => `${(value * 100).toFixed(value >= 0.995 || value < 0.0005 ? 0 : 1)}%`;
    const onScreen = cards.map((card) => { const box = card.querySelector('canvas').getBoundingClientRect(); return box.bottom > 0 && box.top < innerHeight; });
    const texts = () => cards.map((card) => card.querySelector('.entropy').textContent);
    const expected = () => el.getHeads()[0].map((head) => `entropy ${percent(head.sentence.normalisedEntropy)}`);
    return new Promise((resolve) => {
      el.addEventListener('attention-lab-update', () => {
        const atUpdate = { shown: texts(), expected: expected() };
        requestAnimationFrame(() => setTimeout(() => resolve({ onScreen, atUpdate, after: { shown: texts(), expected: expected() } }), 0));
      }, { once: true });
      const input = el.shadowRoot.querySelector('input[type="text"]');
      input.value = 'Seven quiet owls watched the frozen river at dawn.';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });
  expect(read.onScreen.some(Boolean)).toBe(true);
  expect(read.onScreen.some((shown) => !shown)).toBe(true);
  read.onScreen.forEach((shown, k) => {
    if (shown) expect(read.atUpdate.shown[k]).toBe(read.atUpdate.expected[k]);
    else expect(read.atUpdate.shown[k]).not.toBe(read.atUpdate.expected[k]);
  });
  expect(read.after.shown).toEqual(read.after.expected);
});
