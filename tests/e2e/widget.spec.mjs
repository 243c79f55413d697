// The <attention-lab> widget in Chromium, against the real wasm engine.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, ready } from './helpers.mjs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED_SENTENCE = 'The transformer model processes all tokens in parallel using multi-head attention.';

// The same computation the widget asks for, done in Node by the engine itself.
async function nodeAttention(sentence, { dModel = 64, numHeads = 8, seed = 0, causal = false } = {}) {
  const { loadEngine } = await import('attention-lab');
  const engine = await loadEngine();
  const tokens = engine.tokenize(sentence, { rules: 'seeded' }).map((t) => t.surface);
  const layer = engine.seededLayer(dModel, seed);
  const x = engine.embedTokens(tokens, dModel, seed);
  const result = engine.multiHeadAttention({ x, ...layer, seqLen: tokens.length, dModel, numHeads, causal });
  return { tokens, ...result };
}

failOnPageErrors();

test('a widget without `source` shows the trained model, with its measured roles; screenshot baseline', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  // the first widget on the demo page is written exactly as a course author would: no source attribute
  const widget = page.locator('attention-lab').first();
  expect(await widget.evaluate((el) => el.hasAttribute('source'))).toBe(false);
  await expect(widget.locator('.badge')).toHaveText(/Trained model/);
  await expect(widget.locator('.badge')).not.toHaveClass(/untrained/);
  // every head of every layer, each with the label or the verdict its measurements give
  const heads = await widget.evaluate((el) => el.getHeads());
  const count = heads.reduce((sum, layer) => sum + layer.length, 0);
  await expect(widget.locator('.head-card')).toHaveCount(count);
  const cards = await widget.locator('.head-card').allTextContents();
  heads.flat().forEach((head, i) => expect(cards[i]).toContain(head.role));
  await expect(widget).toHaveScreenshot('default-widget.png');
});

test('source="seeded-random": one layer of any shape, untrained, with the parameter count', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await expect(widget.locator('.chip[data-index]')).toHaveCount(12);
  await expect(widget.locator('.head-card')).toHaveCount(8);
  await expect(widget.locator('table.links tbody tr')).toHaveCount(8);
  await expect(widget.locator('.badge')).toHaveText(/untrained/);
  await expect(widget.locator('.arch-facts')).toContainText('parameters 4·d_model² + 4·d_model = 16,640');
});

test('shape attributes on a trained widget are named as ignored, not silently dropped', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#trained');
  await widget.evaluate((el) => { el.setAttribute('heads', '3'); return el.ready; });
  await expect(widget.locator('.status')).toHaveText(/heads attribute is for source="seeded-random" and ignored here/);
  const heads = await widget.evaluate((el) => el.getHeads());
  await expect(widget.locator('.head-card')).toHaveCount(heads.reduce((sum, layer) => sum + layer.length, 0));
  await widget.evaluate((el) => { el.removeAttribute('heads'); return el.ready; });
  await expect(widget.locator('.status')).not.toHaveText(/ignored/);
});

test("each head's table top row is the maximum of that head's matrix computed in Node", async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const expected = await nodeAttention(SEED_SENTENCE);
  const tables = await page.locator('attention-lab#intro').evaluate((el) => el.getTables());
  expect(tables).toHaveLength(8);
  const n = expected.seqLen;
  for (let head = 0; head < 8; head++) {
    const weights = expected.attention.subarray(head * n * n, (head + 1) * n * n);
    let best = 0;
    for (let k = 1; k < weights.length; k++) if (weights[k] > weights[best]) best = k;
    const top = tables[head].rows[0];
    expect(top.strength).toBeCloseTo(weights[best], 6);
    expect(top.fromIndex).toBe(Math.floor(best / n));
    expect(top.toIndex).toBe(best % n);
    expect(top.from).toBe(expected.tokens[top.fromIndex]);
  }
  // and what the learner reads in the first row of the shown head
  const firstRow = page.locator('attention-lab#intro').locator('table.links tbody tr').first();
  const shown = (await firstRow.locator('.pct').textContent()).trim();
  expect(shown).toBe(`${(tables[0].rows[0].strength * 100).toFixed(1)}%`);
});

test('typing a sentence redraws tokens, heatmaps and tables', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  const before = await widget.evaluate((el) => el.getAttention().attention.slice(0, 4).join());
  const input = widget.locator('input[type="text"]');
  await input.fill('');
  await input.pressSequentially('Cats chase the quick mice!', { delay: 5 });
  await expect(widget.locator('.chip[data-index]')).toHaveCount(6);
  await expect(widget.locator('.chip[data-index]').nth(5)).toContainText('!');
  const after = await widget.evaluate((el) => el.getAttention());
  expect(after.tokens).toEqual(['Cats', 'chase', 'the', 'quick', 'mice', '!']);
  expect(after.attention.slice(0, 4).join()).not.toBe(before);
  const expected = await nodeAttention('Cats chase the quick mice!');
  for (let k = 0; k < expected.attention.length; k++) expect(after.attention[k]).toBeCloseTo(expected.attention[k], 6);
  // heatmap canvas is 6 x 6 cells now; the table names only the new words
  const labels = (await widget.locator('.row-labels').textContent()).split('\n');
  expect(labels).toEqual(after.tokens);
  // each From cell: its position (a .pos number), then the word
  const words = await widget.locator('table.links tbody td:first-child').evaluateAll((cells) => cells.map((cell) => cell.childNodes[1].textContent));
  for (const word of words) expect(after.tokens.some((t) => word.startsWith(t))).toBe(true);
  // clearing the sentence says what to do instead of drawing nothing silently
  await input.fill('');
  await expect(widget.locator('.status')).toHaveText('Type a sentence to see its attention.');
  await expect(widget.locator('.head-card')).toHaveCount(0);
});

// Typing patches the panel in place (the nodes of unchanged words stay; only
// what changed is rewritten): after each edit, sort and head switch, what the
// DOM shows must still be exactly this computation's words and numbers.
test('typing updates the panel in place and never leaves stale words or numbers', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  const shown = () => widget.evaluate(async (el) => {
    // as the learner finds it: after the frame (an off-screen table is rewritten right after it: off-screen.spec.mjs)
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const root = el.shadowRoot;
    const table = el.getTables()[el.selectedHead];
    return {
      tokens: el.getAttention().tokens,
      chips: [...root.querySelectorAll('.chip[data-index]')].map((chip) => [chip.textContent, chip.dataset.pos, chip.getAttribute('aria-label')]),
      // each heatmap axis is one text, a word per line
      rowLabels: root.querySelector('.row-labels').textContent.split('\n'), colLabels: root.querySelector('.col-labels').textContent.split('\n'),
      // a cell's words, and apart from them the position shown before the word (hidden from screen readers)
      tableRows: [...root.querySelectorAll('table.links tbody tr')].map((row) => [...row.cells].map((cell) => [...cell.childNodes].filter((node) => !node.classList?.contains('pos')).map((node) => node.textContent).join(''))),
      positions: [...root.querySelectorAll('table.links tbody tr')].map((row) => [...row.cells].slice(0, 2).map((cell) => {
        const pos = cell.querySelector('.pos');
        return pos && pos.getAttribute('aria-hidden') === 'true' && getComputedStyle(pos).display !== 'none' ? pos.textContent : null;
      })),
      expectedRows: table.rows,
      title: root.querySelector('.focus h3').textContent,
      role: el.getTables()[el.selectedHead].role,
    };
  });
  const check = async () => {
    const view = await shown();
    expect(view.chips).toEqual(view.tokens.map((token, i) => [token, String(i + 1), `${token}, token ${i + 1}`]));
    expect(view.rowLabels).toEqual(view.tokens);
    expect(view.colLabels).toEqual(view.tokens);
    expect(view.tableRows.length).toBe(view.expectedRows.length);
    view.expectedRows.forEach((row, i) => {
      expect(view.tableRows[i][0]).toBe(`${row.from} (word ${row.fromIndex + 1})`);
      expect(view.tableRows[i][1]).toBe(row.to + (row.toIndex === row.fromIndex ? ' (itself)' : ` (word ${row.toIndex + 1})`));
      // and the positions are visible, not only read out: repeated words differ on screen
      expect(view.positions[i]).toEqual([String(row.fromIndex + 1), String(row.toIndex + 1)]);
      expect(view.tableRows[i][2]).toBe(`${(row.strength * 100).toFixed(row.strength >= 0.995 || row.strength < 0.0005 ? 0 : 1)}%`);
    });
  };
  const input = widget.locator('input[type="text"]');
  await input.fill('the cat sat on the mat');
  await expect(widget.locator('.chip[data-index="0"]')).toHaveText('the');
  await check();
  const kept = await widget.evaluate((el) => {
    window.__kept = { chip: el.shadowRoot.querySelector('.chip[data-index="0"]'), label: el.shadowRoot.querySelector('.row-labels').firstChild,
      canvas: el.shadowRoot.querySelector('.heat canvas'), table: el.shadowRoot.querySelector('table.links') };
    return true;
  });
  expect(kept).toBe(true);
  await input.press('End');
  for (const key of ['s', 'Backspace', 'Backspace', ' ', 'a', 'n', 'd', ' ', 'r', 'a', 'n']) await input.press(key);
  await expect(widget.locator('.chip[data-index]')).toHaveCount(8);
  await check();
  // the first word never changed: its chip, the labels' text node (rewritten in place), the canvas and the table are the same nodes
  expect(await widget.evaluate((el) => {
    const root = el.shadowRoot;
    return [window.__kept.chip === root.querySelector('.chip[data-index="0"]'), window.__kept.label === root.querySelector('.row-labels').firstChild,
      window.__kept.canvas === root.querySelector('.heat canvas'), window.__kept.table === root.querySelector('table.links')];
  })).toEqual([true, true, true, true]);
  // a key press that keeps recomputes cheap shows the result at once, without the typing pause
  const immediate = await widget.evaluate(async (el) => {
    const input = el.shadowRoot.querySelector('input[type="text"]');
    let updated = false;
    el.addEventListener('attention-lab-update', () => { updated = true; }, { once: true });
    input.value += 'x';
    input.dispatchEvent(new Event('input'));
    await new Promise((resolve) => setTimeout(resolve, 0));  // the typing pause is a 120 ms timer
    return updated;
  });
  expect(immediate).toBe(true);
  await check();
  // sorting, another head, fewer rows: still this computation's rows
  await widget.locator('th button[data-sort="from"]').click();
  await widget.evaluate((el) => el.selectHead(3));
  const view = await shown();
  expect(view.tableRows.map((row) => row[0])).toEqual(view.expectedRows.map((row) => `${row.from} (word ${row.fromIndex + 1})`));
  expect(view.title).toContain(`Head 4: ${view.role}`);
  await input.fill('short one');
  await check();
});

test('hover highlights a word everywhere; click locks it; clicking again releases', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  const chip = widget.locator('.chip[data-index="2"]');  // "model"
  await chip.hover();
  await expect(chip).toHaveClass(/hot/);
  await expect(widget.locator('.row-labels span[data-index="2"]')).toHaveClass(/hot/);
  await widget.locator('table.links').hover();
  await expect(chip).not.toHaveClass(/hot/);
  await chip.click();
  await expect(chip).toHaveClass(/locked/);
  await expect(chip).toHaveAttribute('aria-pressed', 'true');
  await widget.locator('.arch').hover();
  await expect(chip).toHaveClass(/hot/);  // still highlighted while locked
  // the heatmap outlines the locked word's row (From) and column (To): one cell thick, at its position
  const heatMarks = () => widget.locator('.heat').evaluate((heat) => {
    const canvas = heat.querySelector('canvas');
    const cell = canvas.getBoundingClientRect().height / canvas.height;
    return [...heat.querySelectorAll('.mark')].map((mark) => ({ shown: getComputedStyle(mark).display !== 'none',
      row: mark.offsetTop / cell, column: mark.offsetLeft / cell, rows: mark.offsetHeight / cell, columns: mark.offsetWidth / cell, cells: [canvas.height, canvas.width] }));
  });
  const [rowMark, columnMark] = await heatMarks();
  const [rows, columns] = rowMark.cells;
  expect(rowMark).toMatchObject({ shown: true, row: 2, column: 0, rows: 1, columns });
  expect(columnMark).toMatchObject({ shown: true, row: 0, column: 2, rows, columns: 1 });
  const hotRows = widget.locator('table.links tbody tr.hot');
  const total = await widget.locator('table.links tbody tr').count();
  const touching = await widget.locator('table.links tbody tr[data-from="2"], table.links tbody tr[data-to="2"]').count();
  await expect(hotRows).toHaveCount(touching);
  expect(total).toBeGreaterThan(0);
  // the lines view follows the lock: only lines touching word 2 are visible
  await widget.locator('button[data-view="lines"]').click();
  const visible = await widget.locator('.lines line').evaluateAll((lines) => lines
    .filter((l) => l.getAttribute('visibility') !== 'hidden')
    .map((l) => [Number(l.dataset.from), Number(l.dataset.to)]));
  expect(visible.length).toBeGreaterThan(0);
  for (const [from, to] of visible) expect(from === 2 || to === 2).toBe(true);
  await chip.click();
  await expect(chip).not.toHaveClass(/locked/);
  await expect(chip).toHaveAttribute('aria-pressed', 'false');
  await widget.locator('button[data-view="heatmap"]').click();
  await widget.locator('.arch').hover();
  expect((await heatMarks()).map((mark) => mark.shown)).toEqual([false, false]);
  await expect(widget.locator('.row-labels .hot, .col-labels .hot')).toHaveCount(0);
});

test('heatmap axes shorten long words and name them in full on hover', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await widget.locator('input[type="text"]').fill('internationalisation matters here');
  await expect(widget.locator('.chip[data-index]')).toHaveCount(3);
  const rows = widget.locator('.row-labels');
  expect((await rows.textContent()).split('\n')).toEqual(['internation…', 'matters', 'here']);
  await widget.locator('.heat').scrollIntoViewIfNeeded();  // the mouse only hovers what is on screen
  const box = await rows.boundingBox();
  // the first line (row 0) is the long word; the third is "here"
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 6);
  await expect(widget.locator('.tooltip')).toHaveText('internationalisation');
  await expect(widget.locator('.tooltip')).toBeVisible();
  await page.mouse.move(box.x + box.width / 2, box.y + (box.height * 5) / 6);
  await expect(widget.locator('.tooltip')).toHaveText('here');
  const columns = await widget.locator('.col-labels').boundingBox();
  await page.mouse.move(columns.x + columns.width / 6, columns.y + columns.height / 2);
  await expect(widget.locator('.tooltip')).toHaveText('internationalisation');
  await page.mouse.move(0, 0);
  await expect(widget.locator('.tooltip')).toBeHidden();
});

test('keyboard reaches tokens, heads and sorting', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await widget.locator('input[type="text"]').focus();
  await page.keyboard.press('Tab');
  const chip = widget.locator('.chip[data-index="0"]');
  await expect(chip).toBeFocused();
  await expect(chip).toHaveClass(/hot/);
  await page.keyboard.press('Enter');
  await expect(chip).toHaveClass(/locked/);
  await widget.locator('.head-card[data-head="3"]').focus();
  await page.keyboard.press('Enter');
  await expect(widget.locator('.head-card[data-head="3"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(widget.locator('.focus h3')).toContainText('Head 4');
  // sort by From Word, ascending then descending
  const header = widget.locator('th', { hasText: 'From Word' }).locator('button');
  await header.focus();
  await page.keyboard.press('Enter');
  await expect(widget.locator('th', { hasText: 'From Word' })).toHaveAttribute('aria-sort', 'descending');
  await page.keyboard.press('Enter');
  await expect(widget.locator('th', { hasText: 'From Word' })).toHaveAttribute('aria-sort', 'ascending');
  const froms = await widget.locator('table.links tbody td:first-child').evaluateAll((cells) => cells.map((cell) => cell.childNodes[1].textContent));
  const sorted = [...froms].sort((a, b) => a.localeCompare(b));
  expect(froms).toEqual(sorted);
});

test('top-k control and the all-heads overlay with head toggles', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await widget.locator('.controls select.top-k').selectOption('20');
  await expect(widget.locator('table.links tbody tr')).toHaveCount(20);
  await widget.locator('.controls select.threshold').selectOption('0.25');
  const strengths = await widget.evaluate((el) => el.getTables()[el.selectedHead].rows.map((r) => r.strength));
  expect(strengths.length).toBeLessThanOrEqual(20);
  for (const value of strengths) expect(value).toBeGreaterThanOrEqual(0.25);
  await expect(widget.locator('table.links tbody tr[data-from]')).toHaveCount(strengths.length);
  await widget.locator('button', { hasText: 'All heads overlaid' }).click();
  const boxes = widget.locator('.overlay-toggles input[type="checkbox"]');
  await expect(boxes).toHaveCount(8);
  await expect(widget.locator('.lines line[data-head="1"]').first()).toBeAttached();
  await boxes.nth(1).uncheck();
  await expect(widget.locator('.lines line[data-head="1"]')).toHaveCount(0);
  await expect(widget.locator('.lines line[data-head="0"]').first()).toBeAttached();
  await boxes.nth(1).check();
  await expect(widget.locator('.lines line[data-head="1"]').first()).toBeAttached();
  // every cell names the head that attends most there: check it against the engine's weights
  const { dominant, attention } = await widget.evaluate((el) => ({
    dominant: el.shadowRoot.querySelector('.overlay-heat canvas').dataset.dominant.split(',').map(Number), attention: el.getAttention() }));
  const n = attention.seqLen;
  for (let cell = 0; cell < n * n; cell++) {
    let best = 0;
    for (let h = 1; h < 8; h++) if (attention.attention[h * n * n + cell] > attention.attention[best * n * n + cell]) best = h;
    expect(dominant[cell]).toBe(best);
  }
  await expect(widget.locator('.overlay-heat .row-labels')).toHaveText(attention.tokens.map((t) => (t.length > 12 ? `${t.slice(0, 11)}…` : t)).join('\n'));
  await widget.locator('.head-card[data-head="2"]').click();
  await expect(widget.locator('.overlay-toggles')).toHaveCount(0);
});

test('two widgets on one page stay independent and share one engine', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const first = page.locator('attention-lab').nth(0);
  const second = page.locator('attention-lab#heads');
  const secondTokens = await second.evaluate((el) => el.getAttention().tokens);
  await first.locator('input[type="text"]').fill('Hello world');
  await expect(first.locator('.chip[data-index]')).toHaveCount(2);
  expect(await second.evaluate((el) => el.getAttention().tokens)).toEqual(secondTokens);
  await second.locator('.head-card[data-head="2"]').click();
  expect(await first.evaluate((el) => el.selectedHead)).toBe(0);
  expect(await second.evaluate((el) => el.selectedHead)).toBe(2);
  await expect(second.locator('.head-card')).toHaveCount(4);
  // the causal widget: nothing above the diagonal
  const third = await page.locator('attention-lab#causal').evaluate((el) => el.getAttention());
  const n = third.seqLen;
  for (let h = 0; h < third.numHeads; h++) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    expect(third.attention[(h * n + i) * n + j]).toBe(0);
  }
  // one engine for all widgets
  const same = await page.evaluate(async () => (await AttentionLab.loadEngine()) === (await AttentionLab.loadEngine()));
  expect(same).toBe(true);
});

test('user text is shown as text, never as markup', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await widget.locator('input[type="text"]').fill('<img src=x onerror="window.pwned=1"> <b>bold</b>');
  await expect(widget.locator('.chip[data-index]').first()).toHaveText(/</);
  await expect(widget.locator('img')).toHaveCount(0);
  await expect(widget.locator('b', { hasText: 'bold' })).toHaveCount(0);
  const tokens = await widget.evaluate((el) => el.getAttention().tokens);
  expect(tokens.slice(0, 2)).toEqual(['<', 'img']);
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
});

test('the same build works opened from file:// with nothing fetched from the network', async ({ page }) => {
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(`${ROOT}dist/index.html`).href);
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await expect(widget.locator('.chip[data-index]')).toHaveCount(12);
  await expect(widget.locator('table.links tbody tr')).toHaveCount(8);
  expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
});

test('copied into another site with hostile CSS: the widget keeps its look and the page keeps its own', async ({ page }) => {
  const folder = mkdtempSync(join(tmpdir(), 'course-site-'));
  // what the README says to copy for the default (trained) widget: the widget and the model script
  copyFileSync(`${ROOT}dist/attention-lab.js`, join(folder, 'attention-lab.js'));
  copyFileSync(`${ROOT}dist/attention-lab-model.js`, join(folder, 'attention-lab-model.js'));
  writeFileSync(join(folder, 'style.css'), `
    * { font-size: 40px !important; letter-spacing: 3px; }
    button, li, table, td { display: inline !important; color: red !important; background: lime !important; }
    canvas { display: none !important; }
    attention-lab { border: 5px solid orange; }`);
  writeFileSync(join(folder, 'lesson.html'), `<!doctype html><html><head><meta charset="utf-8">
    <link rel="stylesheet" href="style.css"><script src="attention-lab.js" defer></script></head>
    <body><p id="own">The course's own paragraph.</p>
    <attention-lab sentence="Heads attend in parallel."></attention-lab></body></html>`);
  await page.goto(pathToFileURL(join(folder, 'lesson.html')).href);
  await ready(page);
  const widget = page.locator('attention-lab');
  await expect(widget.locator('.chip[data-index]')).toHaveCount(5);
  const chip = widget.locator('.chip[data-index="0"]');
  expect(await chip.evaluate((el) => getComputedStyle(el).fontSize)).not.toBe('40px');
  expect(await chip.evaluate((el) => getComputedStyle(el).display)).not.toBe('inline');
  expect(await widget.locator('.head-card canvas').first().evaluate((el) => getComputedStyle(el).display)).not.toBe('none');
  // and the widget's styles did not leak onto the page
  expect(await page.locator('#own').evaluate((el) => getComputedStyle(el).fontSize)).toBe('40px');
  expect(await page.evaluate(() => document.querySelectorAll('style').length)).toBe(0);
});
