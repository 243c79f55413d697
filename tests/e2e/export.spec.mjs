// Export: pictures as SVG and PNG with the words and the colour key, numbers
// as CSV and JSON equal to getAttention(), from one keyboard-reachable menu.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { failOnPageErrors, ready } from './helpers.mjs';

failOnPageErrors();

async function save(page, widget, name) {
  await widget.locator('.export-menu summary').click();
  const [file] = await Promise.all([page.waitForEvent('download'), widget.getByRole('button', { name }).click()]);
  return { name: file.suggestedFilename(), path: await file.path() };
}

test('every head\'s weights as CSV and JSON equal getAttention(); the links table as CSV', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page, '#trained');
  const widget = page.locator('attention-lab#trained');
  const attention = await widget.evaluate((el) => { const a = el.getAttention(); return { ...a, attention: Array.from(a.attention) }; });
  const csv = await save(page, widget, 'Every head’s weights as CSV');
  expect(csv.name).toBe('attention-weights.csv');
  const rows = readFileSync(csv.path, 'utf8').trim().split('\n');
  expect(rows[0]).toBe('layer,head,from_position,from,to_position,to,weight');
  const { numLayers, numHeads, seqLen } = attention;
  expect(rows).toHaveLength(1 + numLayers * numHeads * seqLen * seqLen);
  rows.slice(1).forEach((row, k) => expect(Number(row.split(',').at(-1))).toBe(attention.attention[k]));
  expect(rows[1].split(',').slice(0, 6)).toEqual(['1', '1', '1', attention.tokens[0], '1', attention.tokens[0]]);
  const json = JSON.parse(readFileSync((await save(page, widget, 'Every head’s weights as JSON')).path, 'utf8'));
  expect(json.tokens).toEqual(attention.tokens);
  expect(json.attention.flat(3)).toEqual(attention.attention);
  const table = readFileSync((await save(page, widget, 'Links table as CSV')).path, 'utf8').trim().split('\n');
  const expected = (await widget.evaluate((el) => el.getTables()[el.selectedHead].rows));
  expect(table).toHaveLength(expected.length + 1);
  table.slice(1).forEach((line, i) => expect(Number(line.split(',').at(-1))).toBe(expected[i].strength));
});

test('the heatmap as SVG carries every word (escaped), every cell and the colour key; the PNG is print resolution', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#intro');
  await widget.locator('input[type="text"]').fill('<b>bold</b> & "quoted" words');
  await expect(widget.locator('.chip[data-index]').first()).toHaveText('<');
  const tokens = await widget.evaluate((el) => el.getAttention().tokens);
  const svg = readFileSync((await save(page, widget, 'Heatmap as SVG')).path, 'utf8');
  expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
  expect(svg).not.toContain('<b>');
  expect(svg).toContain('&lt;');
  expect(svg).toContain('&quot;');
  const cells = svg.match(/<rect x="[\d.]+" y="[\d.]+" width="22" height="22"/g) ?? [];
  expect(cells).toHaveLength(tokens.length * tokens.length);
  expect(svg).toContain('attention weight (viridis)');
  const declared = Number(/<svg [^>]*width="(\d+)"/.exec(svg)[1]);
  expect(declared).toBeGreaterThanOrEqual(16 + 'Head 1: attention (rows attend to columns)'.length * 8);
  // the SVG is a well-formed document the browser can parse
  const parsed = await page.evaluate((text) => new DOMParser().parseFromString(text, 'image/svg+xml').querySelector('parsererror') === null, svg);
  expect(parsed).toBe(true);
  const png = readFileSync((await save(page, widget, 'Heatmap as PNG (4x)')).path);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  const width = png.readUInt32BE(16);
  expect(width).toBeGreaterThan(1000);  // 4 pixels per SVG unit
  // the overlay exports its own picture
  await widget.locator('button', { hasText: 'All heads overlaid' }).click();
  const overlay = readFileSync((await save(page, widget, 'Overlay as SVG')).path, 'utf8');
  expect(overlay).toContain('overlaid: the strongest head per cell');
});

test('the menu works from the keyboard alone', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page, '#trained');
  const widget = page.locator('attention-lab#trained');
  await widget.locator('.export-menu summary').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(widget.getByRole('button', { name: 'Heatmap as SVG' })).toBeFocused();
  const [file] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(file.suggestedFilename()).toBe('attention-L1H1-heatmap.svg');
});

test('at 360 px and at 1280 px the open menu lies inside the widget, every item visible and on top', async ({ page }) => {
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/index.html');
    await ready(page, '#intro');
    const widget = page.locator('attention-lab#intro');
    await widget.locator('.export-menu summary').click();
    const placed = await widget.evaluate((el) => {
      const frame = el.shadowRoot.querySelector('.lab').getBoundingClientRect();
      return [...el.shadowRoot.querySelectorAll('.export-menu li button')].map((button) => {
        button.scrollIntoView({ block: 'center' });
        const box = button.getBoundingClientRect();
        const hit = el.shadowRoot.elementFromPoint(box.left + 4, box.top + box.height / 2);
        return { text: button.textContent, inside: box.left >= frame.left && box.right <= frame.right, onTop: hit === button };
      });
    });
    expect(placed.length).toBeGreaterThan(4);
    for (const item of placed) expect(item, `${width} px: ${item.text}`).toEqual({ text: item.text, inside: true, onTop: true });
  }
});
