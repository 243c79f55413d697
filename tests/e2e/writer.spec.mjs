// <attention-writer> in Chromium with a real causal model file (the tiny
// test writer, tests/fixtures/tiny-writer.bin, handed to the page as the
// model script would): generate, open a step, compare its bars with the
// engine's own softmax, write another word instead, rewind.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { failOnPageErrors } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WRITER = readFileSync(`${ROOT}tests/fixtures/tiny-writer.bin`).toString('base64');
const PROMPT = 'the old man said that';

failOnPageErrors();

async function openWriter(page, attributes = '') {
  await page.addInitScript((data) => { globalThis.AttentionLabWriterData = data; }, WRITER);
  await page.goto('/index.html');
  await page.waitForFunction(() => customElements.get('attention-writer') !== undefined);
  await page.evaluate((html) => {
    const box = document.createElement('section');
    box.innerHTML = html;
    document.querySelector('main').prepend(box);
  }, `<attention-writer id="w" prompt="${PROMPT}" ${attributes}></attention-writer>`);
  const writer = page.locator('attention-writer#w');
  await writer.evaluate((el) => el.ready);
  return writer;
}

test('Generate writes 20 words; a step\'s bars are the engine\'s softmax; another word can be written instead', async ({ page }) => {
  const writer = await openWriter(page);
  const promptLength = (await writer.evaluate((el) => el.getSteps())).length;
  expect(promptLength).toBe(5);
  await writer.getByRole('button', { name: /^Generate/ }).click();
  await expect(writer.locator('.writer-text .chip.written')).toHaveCount(20);
  const steps = await writer.evaluate((el) => el.getSteps().map((s) => ({ token: s.token, word: s.word, next: s.next, prompt: s.prompt })));
  expect(steps).toHaveLength(25);
  // open word 12 and read its bars
  const index = 11;
  await writer.locator(`.writer-text .chip[data-index="${index}"]`).click();
  const bars = writer.locator('.writer-bars ol.bars li');
  await expect(bars).toHaveCount(10);
  // the engine's own numbers: a full causal run of the words before it, softmax of the last row
  const expected = await page.evaluate(async ({ ids }) => {
    const engine = await AttentionLab.loadEngine();
    const bytes = Uint8Array.from(atob(globalThis.AttentionLabWriterData), (c) => c.charCodeAt(0));
    const model = engine.loadModel(bytes);
    const { logits } = model.run(ids, { logits: true });
    const vocab = model.config.vocabSize;
    const row = logits.subarray((ids.length - 1) * vocab, ids.length * vocab);
    let top = -Infinity;
    for (let w = 3; w < vocab; w++) top = Math.max(top, row[w]);
    let total = 0;
    for (let w = 3; w < vocab; w++) total += Math.exp(row[w] - top);
    const p = Array.from(row, (score, w) => (w < 3 ? 0 : Math.exp(score - top) / total));
    model.release();
    return p;
  }, { ids: steps.slice(0, index).map((s) => s.token) });
  const shown = steps[index].next;
  for (const bar of shown) expect(bar.probability).toBeCloseTo(expected[bar.id], 5);
  // greedy: the word written is the likeliest, and the bars are sorted
  expect(shown[0].id).toBe(steps[index].token);
  const best = expected.indexOf(Math.max(...expected));
  expect(steps[index].token).toBe(best);
  const texts = await bars.locator('.pct').allTextContents();
  expect(texts[0]).toBe(`${(shown[0].probability * 100).toFixed(shown[0].probability >= 0.995 || shown[0].probability < 0.0005 ? 0 : 1)}%`);
  await expect(bars.first()).toHaveClass(/chosen/);
  // write the second-likeliest word instead: the text is cut there and goes on from the learner's word
  await bars.nth(1).getByRole('button').click();
  await expect(writer.locator('.writer-text .chip')).toHaveCount(index + 1);
  await expect(writer.locator(`.writer-text .chip[data-index="${index}"]`)).toHaveText(shown[1].word);
  await writer.getByRole('button', { name: /^Step/ }).click();
  await expect(writer.locator('.writer-text .chip')).toHaveCount(index + 2);
  await expect(page).toHaveTitle(/attention-lab/);
});

test('every word\'s attention rows: causal, summing to 1, the growing matrix a lower triangle', async ({ page }) => {
  const writer = await openWriter(page);
  for (let i = 0; i < 6; i++) await writer.getByRole('button', { name: /^Step/ }).click();
  await expect(writer.locator('.writer-text .chip')).toHaveCount(11);
  const { steps, config } = await writer.evaluate((el) => ({ steps: el.getSteps(), config: el.config }));
  const layerHeads = config.numLayers * config.numHeads;
  steps.forEach((step, position) => {
    const rows = Object.values(step.attention);
    expect(rows).toHaveLength(layerHeads * (position + 1));
    for (let lh = 0; lh < layerHeads; lh++) {
      const sum = rows.slice(lh * (position + 1), (lh + 1) * (position + 1)).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });
  await expect(writer.locator('.writer-attention canvas')).toHaveCount(2);
  await writer.getByRole('button', { name: 'Lines' }).click();
  await expect(writer.locator('.writer-lines svg line').first()).toBeAttached();
});

test('a seed reproduces a sampled run; Back to the prompt starts over', async ({ page }) => {
  const writer = await openWriter(page, 'temperature="1" seed="7" words="12"');
  await writer.getByRole('button', { name: /^Generate/ }).click();
  await expect(writer.locator('.writer-text .chip.written')).toHaveCount(12);
  const first = await writer.evaluate((el) => el.getSteps().map((s) => s.word));
  await writer.getByRole('button', { name: 'Back to the prompt' }).click();
  await expect(writer.locator('.writer-text .chip.written')).toHaveCount(0);
  await writer.getByRole('button', { name: /^Generate/ }).click();
  await expect(writer.locator('.writer-text .chip.written')).toHaveCount(12);
  expect(await writer.evaluate((el) => el.getSteps().map((s) => s.word))).toEqual(first);
  await writer.screenshot({ path: 'test-results/writer.png' });
});

test('the writer passes axe (WCAG 2.2 AA) with a step open, and is usable from the keyboard', async ({ page }) => {
  const writer = await openWriter(page);
  await writer.getByRole('button', { name: /^Step/ }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect(writer.locator('.writer-text .chip.written')).toHaveCount(2);
  const results = await new AxeBuilder({ page }).include('attention-writer').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
});

test('without the writer model the element says what is missing', async ({ page }) => {
  // a model script that provides nothing (a page copied without the real one gets a like message)
  await page.route('**/attention-lab-writer.js', (route) => route.fulfill({ contentType: 'text/javascript', body: '/* empty */' }));
  await page.goto('/index.html');
  await page.waitForFunction(() => customElements.get('attention-writer') !== undefined);
  await page.evaluate(() => document.querySelector('main').prepend(Object.assign(document.createElement('attention-writer'), { id: 'added' })));
  // the added one and the demo page's own writer both say so
  for (const id of ['added', 'writer']) {
    await expect(page.locator(`attention-writer#${id} .status`)).toHaveText(/attention-lab-writer.js did not provide the model/);
    await expect(page.locator(`attention-writer#${id} .status`)).toHaveClass(/error/);
  }
});

test('"Repeat a random sequence": the induction test\'s numbers, and its sequence written as the prompt', async ({ page }) => {
  const writer = await openWriter(page);
  await writer.locator('details.writer-induction summary').click();
  await writer.getByRole('button', { name: 'Repeat a random sequence' }).click();
  await expect(writer.locator('.induction-table tbody tr')).toHaveCount(4);
  const induction = await writer.evaluate((el) => el.getInduction());
  const steps = await writer.evaluate((el) => el.getSteps());
  // the text is the test's first sequence: random words, then the same words again
  expect(steps.map((s) => s.token)).toEqual(induction.example);
  const half = induction.half;
  expect(steps.slice(0, half).map((s) => s.word)).toEqual(steps.slice(half).map((s) => s.word));
  // each row of the table shows the C++ numbers, and the label follows the stated rule
  const cells = await writer.locator('.induction-table tbody tr').evaluateAll((rows) => rows.map((row) => [...row.cells].map((c) => c.textContent)));
  cells.forEach((row, i) => {
    expect(row[1]).toBe(`${(induction.prefixMatching[i] * 100).toFixed(1)}%`);
    const earned = induction.prefixMatching[i] >= induction.threshold && induction.prefixMatching[i] >= induction.twinPrefixMatching[i] + induction.margin;
    expect(row[3]).toBe(earned ? 'induction head' : '—');
  });
  await expect(writer.locator('.writer-induction')).toContainText(/first copy \d+\.\d{3} nats, repeat \d+\.\d{3} nats/);
});

// The demo page's writer section: the shipped writer (not the test fixture),
// and the held-out numbers its text quotes are the model file's own.
test('the demo page\'s writer is the shipped model, and the numbers its lesson quotes are the model file\'s', async ({ page }) => {
  const { loadEngine } = await import('attention-lab');
  const engine = await loadEngine();
  const model = engine.loadModel(new Uint8Array(readFileSync(`${ROOT}web/model/attention-lab-writer.bin`)));
  const heldout = model.metadata.heldout;
  await page.goto('/index.html');
  const writer = page.locator('attention-writer#writer');
  await writer.scrollIntoViewIfNeeded();
  await writer.evaluate((el) => el.ready);
  expect((await writer.evaluate((el) => el.getSteps())).map((s) => s.word).join(' ').toLowerCase()).toBe('once upon a time');
  const claims = await page.locator('[data-claim-writer]').evaluateAll((spans) => spans.map((s) => [s.dataset.claimWriter, s.textContent]));
  expect(claims.map(([key]) => key).sort()).toEqual(['bigram', 'model', 'unigram']);
  for (const [key, text] of claims) expect(text, key).toBe(heldout[key].toFixed(2));
  expect(heldout.model).toBeLessThan(heldout.bigram);
  await writer.getByRole('button', { name: /^Generate/ }).click();
  await expect(writer.locator('.writer-text .chip.written')).toHaveCount(20);
  // the heads the page calls induction heads are the ones the widget's own test labels (its first press, seed 1)
  const claimed = await page.locator('[data-claim-writer-induction]').getAttribute('data-claim-writer-induction');
  await writer.locator('details.writer-induction summary').click();
  await writer.getByRole('button', { name: 'Repeat a random sequence' }).click();
  await expect(writer.locator('.induction-table tbody tr')).toHaveCount(16);
  const induction = await writer.evaluate((el) => el.getInduction());
  const { numHeads } = await writer.evaluate((el) => el.config);
  const labelled = induction.induction.map((on, i) => (on ? `L${Math.floor(i / numHeads) + 1}H${(i % numHeads) + 1}` : null)).filter(Boolean);
  expect(claimed).toBe(labelled.length ? labelled.join(',') : 'none');
  // each labelled head clears the bar and its untrained twin by the stated margin, and the repeat is learned in context
  induction.induction.forEach((on, i) => {
    if (on) expect(induction.prefixMatching[i]).toBeGreaterThanOrEqual(Math.max(induction.threshold, induction.twinPrefixMatching[i] + induction.margin));
  });
  if (labelled.length) expect(induction.lossSecond).toBeLessThan(induction.lossFirst - 1);
  // the growing matrix shows the head with the highest score, so its stripe is on screen
  const best = induction.prefixMatching.reduce((b, score, i, all) => (score > all[b] ? i : b), 0);
  await expect(writer.locator('select[aria-label="Head shown below"]')).toHaveValue(String(best));
});
