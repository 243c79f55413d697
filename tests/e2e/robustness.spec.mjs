// Hostile input and hostile pages: the widget never throws, never injects,
// never touches the page outside itself, works under a strict CSP with zero
// violations and zero foreign requests, inside a sandboxed iframe, says so
// when WebAssembly is missing, keeps its memory flat, and passes axe.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { ready } from './helpers.mjs';

// every head of every layer of the shipped model (its size comes from the model file)
async function trainedHeadCount() {
  const { loadTrainedModel } = await import('attention-lab');
  const { numLayers, numHeads } = (await loadTrainedModel()).config;
  return numLayers * numHeads;
}

test.beforeEach(async ({ page, baseURL }) => {
  page.errors = [];
  page.foreignRequests = [];
  page.on('pageerror', (error) => page.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') page.errors.push(`console: ${message.text()}`); });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(baseURL) && !url.startsWith('data:') && !url.startsWith('file:')) page.foreignRequests.push(url);
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
});

test.afterEach(async ({ page }) => {
  expect(page.errors).toEqual([]);
  expect(page.foreignRequests).toEqual([]);
});

const HOSTILE = {
  empty: '',
  whitespace: ' \t\n  \u00a0 ',
  oneWord: 'attention',
  twoHundredWords: Array.from({ length: 200 }, (_, i) => `word${i % 37}`).join(' '),
  hugeText: 'lorem ipsum dolor sit amet '.repeat(3704),  // 100,008 characters
  emojiZwj: 'Family 👨‍👩‍👧‍👦 and flags 🏳️‍🌈 and 👍🏽 thumbs',
  combiningMarks: 'e\u0301te\u0301 Z\u0351\u0352\u0353algo n\u0303o',
  rightToLeft: 'مرحبا بالعالم שלום עולם mixed with English',
  cjk: '注意力机制是变换器的核心。日本語のテキスト',
  controlCharacters: 'a\u0000b\u0007c\u001bd\u200be\u2028f\ufeffg',
  script: '<script>alert(1)</script>',
  attribute: '"><img src=x onerror="window.__pwned=1">',
  entities: '&lt;b&gt;bold&lt;/b&gt; &amp; <!-- comment --> ]]>',
};

test('hostile text renders as text, never throws, never touches the page outside the widget', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const bodyBefore = await page.evaluate(() => document.body.innerHTML);
  for (const widgetId of ['intro', 'trained']) {
    const widget = page.locator(`attention-lab#${widgetId}`);
    for (const [name, text] of Object.entries(HOSTILE)) {
      await widget.evaluate(async (el, value) => { el.sentence = value; await el.recompute(); }, text);
      const state = await widget.evaluate((el) => ({
        status: el.shadowRoot.querySelector('.status').textContent,
        chips: el.shadowRoot.querySelectorAll('.chip[data-index]').length,
        markup: el.shadowRoot.querySelectorAll('img, script, [onerror]').length,
        tokens: el.getAttention()?.tokens ?? [],
      }));
      expect(state.markup, `${widgetId} ${name}`).toBe(0);
      if (name === 'empty' || name === 'whitespace') {
        expect(state.status).toBe('Type a sentence to see its attention.');
        expect(state.chips).toBe(0);
      } else {
        expect(state.chips, `${widgetId} ${name}`).toBeGreaterThan(0);
        expect(state.chips).toBeLessThanOrEqual(1024);  // the seeded layer's limit; the trained model's context is 64
      }
      // 200 words fit the seeded layer (1,024 tokens) whole, not the trained model (64)
      if (name === 'hugeText' || (name === 'twoHundredWords' && widgetId === 'trained')) expect(state.status).toMatch(/Showing the first \d+ of \d+ tokens/);
      if (name === 'twoHundredWords' && widgetId === 'intro') expect(state.tokens).toHaveLength(200);
      if (name === 'script') expect(state.tokens.slice(0, 3)).toEqual(['<', 'script', '>']);
    }
  }
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  expect(await page.evaluate(() => document.body.innerHTML)).toBe(bodyBefore);
  // the huge text did not leave the page in a bad state: a normal sentence works right after
  const widget = page.locator('attention-lab#intro');
  await widget.evaluate(async (el) => { el.sentence = 'Back to normal.'; await el.recompute(); });
  await expect(widget.locator('.chip[data-index]')).toHaveCount(4);
});

test('hostile configuration shows a clear message inside the widget; the rest of the page is unaffected', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#heads');
  const cases = [
    [{ heads: '0' }, /heads must be a whole number from 1 to 64/],
    [{ heads: '-1' }, /heads must be a whole number from 1 to 64/],
    [{ heads: 'abc' }, /heads must be a whole number from 1 to 64 \(got "abc"\)/],
    [{ heads: '7', 'd-model': '512' }, /heads \(7\) must divide d-model \(512\)/],
    [{ heads: '4', 'd-model': '1e9' }, /d-model must be a whole number from 1 to 1024/],
    [{ heads: '4', 'd-model': '64', seed: '-3' }, /seed must be a whole number/],
    [{ heads: '4', 'd-model': '64', seed: '0', source: 'nope' }, /unknown weight source "nope"/],
  ];
  for (const [attributes, message] of cases) {
    await widget.evaluate(async (el, attrs) => {
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      await el.recompute();
    }, attributes);
    await expect(widget.locator('.status.error')).toHaveText(message);
    await expect(widget.locator('.head-card')).toHaveCount(0);
  }
  await expect(page.locator('attention-lab#intro').locator('.head-card')).toHaveCount(8);
  // NaN weights from a weight source: the engine's message reaches the learner
  await page.evaluate(() => AttentionLab.registerWeightSource('broken', {
    label: 'broken', trained: false, note: '',
    compute(engine) {
      const d = 8;
      const w = new Float32Array(d * d).fill(0.1);
      const bad = w.slice();
      bad[5] = NaN;
      engine.multiHeadAttention({ x: new Float32Array(2 * d), wq: bad, wk: w, wv: w, wo: w, seqLen: 2, dModel: d, numHeads: 2 });
      return { tokens: [] };
    },
  }));
  await widget.evaluate(async (el) => { el.setAttribute('source', 'broken'); await el.recompute(); });
  await expect(widget.locator('.status.error')).toHaveText(/wq contains a non-finite value \(nan\) at row 0, column 5/);
  // and back to a good configuration
  await widget.evaluate(async (el) => { el.setAttribute('source', 'seeded-random'); el.setAttribute('heads', '4'); el.setAttribute('d-model', '64'); el.setAttribute('seed', '1'); await el.recompute(); });
  await expect(widget.locator('.head-card')).toHaveCount(4);
  await expect(widget.locator('.status')).toHaveText('');
});

test('a corrupted model file gives a clear message in the trained widget', async ({ page }) => {
  await page.addInitScript(() => { globalThis.AttentionLabModelData = btoa('ATTNLAB1 but then garbage, not a model at all'); });
  await page.goto('/index.html');
  await ready(page, '#trained');
  const trained = page.locator('attention-lab#trained');
  await expect(trained.locator('.status.error')).toHaveText(/model file (is corrupted|is truncated|header has impossible sizes|format version)/);
  await expect(page.locator('attention-lab#intro').locator('.head-card')).toHaveCount(8);
});

test('strict CSP: zero violations, zero console errors, nothing fetched from elsewhere', async ({ page }) => {
  const response = await page.goto('/index.html');
  expect(response.headers()['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(response.headers()['content-security-policy']).toContain("style-src 'self'");
  await ready(page);
  await page.locator('attention-lab#trained').evaluate((el) => el.ready);
  await page.locator('attention-lab#intro').locator('button[data-view="lines"]').click();
  await page.locator('attention-lab#intro').locator('button', { hasText: 'All heads overlaid' }).click();
  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
});

test('works inside a sandboxed iframe', async ({ page, baseURL }) => {
  await page.route(`${baseURL}/sandbox-host.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>host</title><iframe sandbox="allow-scripts" src="${baseURL}/index.html" width="1100" height="900" title="attention-lab"></iframe>`,
  }));
  await page.goto('/sandbox-host.html');
  const frame = page.frameLocator('iframe');
  await expect(frame.locator('attention-lab#intro .chip[data-index]')).toHaveCount(12, { timeout: 15000 });
  await expect(frame.locator('attention-lab#trained .head-card')).toHaveCount(await trainedHeadCount(), { timeout: 15000 });
});

test('without WebAssembly the widget says so instead of showing a blank box', async ({ page }) => {
  await page.addInitScript(() => { delete window.WebAssembly; });
  await page.goto('/index.html');
  await ready(page);
  await expect(page.locator('attention-lab#intro .status.error')).toHaveText(/cannot run WebAssembly/);
});

test('memory stays flat: 10,000 engine calls, 300 widget recomputations, 40 widgets added and removed', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const session = await page.context().newCDPSession(page);
  const jsHeap = async () => {
    await session.send('HeapProfiler.collectGarbage');
    return (await session.send('Runtime.getHeapUsage')).usedSize;
  };
  const measure = () => page.evaluate(async () => {
    const engine = await AttentionLab.loadEngine();
    return { inUse: engine.heapBytesInUse(), memory: engine.memoryBytes() };
  });
  const run = (count) => page.evaluate(async (n) => {
    const engine = await AttentionLab.loadEngine();
    const el = document.querySelector('attention-lab#intro');
    const layer = engine.seededLayer(64, 0);
    const x = engine.embedTokens(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 64, 0);
    for (let i = 0; i < n; i++) engine.multiHeadAttention({ x, ...layer, seqLen: 8, dModel: 64, numHeads: 8 });
    for (let i = 0; i < n / 33; i++) { el.sentence = `Sentence number ${i % 7} changes the view`; await el.recompute(); }
    const holder = document.createElement('div');
    document.body.append(holder);
    for (let i = 0; i < 40 * (n / 10000); i++) {
      const extra = document.createElement('attention-lab');
      extra.setAttribute('sentence', 'A widget that comes and goes.');
      extra.setAttribute('heads', '4');
      holder.append(extra);
      await extra.ready;
      extra.remove();
    }
    holder.remove();
  }, count);
  await run(1000);  // warm up every path
  const before = { ...(await measure()), js: await jsHeap() };
  await run(10000);
  const after = { ...(await measure()), js: await jsHeap() };
  expect(after.memory).toBe(before.memory);
  expect(after.inUse).toBe(before.inUse);
  expect(after.js - before.js).toBeLessThan(2 * 1024 * 1024);
});

for (const colorScheme of ['light', 'dark']) {
  test(`accessibility: axe finds no violations (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.goto('/index.html');
    await ready(page);
    await page.locator('attention-lab#trained').evaluate((el) => el.ready);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
    // every view of a head, including the table that stands in for the heatmap
    const widget = page.locator('attention-lab#intro');
    await widget.locator('button[data-view="table"]').click();
    await expect(widget.locator('table.matrix td[aria-label^="From \'The\' to \'transformer\'"]')).toHaveCount(1);
    const tableResults = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
    expect(tableResults.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
  });
}

test('usable at 360 px: nothing but the heatmap scroller overflows sideways', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto('/index.html');
  await ready(page);
  expect(await page.evaluate(() => document.scrollingElement.scrollWidth)).toBeLessThanOrEqual(360);
  const widget = page.locator('attention-lab#intro');
  await widget.locator('.chip[data-index="1"]').click();
  await expect(widget.locator('.chip[data-index="1"]')).toHaveClass(/locked/);
});

test('a misbehaving weight source gives a message in the widget, resolves ready, and cannot replace a built-in', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const outcomes = await page.evaluate(async () => {
    const bad = {
      'returns-null': () => null,
      'returns-undefined': () => undefined,
      'bad-tokens': () => ({ tokens: 'not a list' }),
      'throws-a-string': () => { throw 'boom'; },
      'throws-null': () => { throw null; },
      'no-attention': () => ({ tokens: [{ text: 'a' }], numLayers: 1, numHeads: 1, seqLen: 1 }),
    };
    const results = {};
    for (const [id, compute] of Object.entries(bad)) {
      AttentionLab.registerWeightSource(id, { label: id, trained: false, note: '', compute });
      const el = document.createElement('attention-lab');
      el.setAttribute('source', id);
      document.body.append(el);
      await el.ready;
      results[id] = el.shadowRoot.querySelector('.status').textContent;
      el.remove();
    }
    try {
      AttentionLab.registerWeightSource('seeded-random', { label: 'x', trained: false, note: '', compute: () => null });
      results.replaced = 'replaced';
    } catch (error) {
      results.replaced = error.message;
    }
    return results;
  });
  expect(outcomes['returns-null']).toBe("weight source 'returns-null' returned nothing to show");
  expect(outcomes['returns-undefined']).toBe("weight source 'returns-undefined' returned nothing to show");
  expect(outcomes['bad-tokens']).toBe("weight source 'bad-tokens' returned no tokens");
  expect(outcomes['throws-a-string']).toBe('the weight source failed: boom');
  expect(outcomes['throws-null']).toBe('the weight source failed: null');
  expect(outcomes['no-attention']).toMatch(/must return attention as a Float32Array/);
  expect(outcomes.replaced).toBe("'seeded-random' is a built-in weight source; register yours under another id");
});

test('a damaged model script fails once, clearly: one download, one message, however much the learner types', async ({ page }) => {
  let downloads = 0;
  await page.route('**/attention-lab-model.js', (route) => {
    downloads++;
    route.fulfill({ contentType: 'text/javascript', body: 'globalThis.AttentionLabModelData = "@@@ not base64 @@@";' });
  });
  await page.goto('/index.html');
  await ready(page);
  const widget = page.locator('attention-lab#trained');
  await expect(widget.locator('.status')).toContainText('attention-lab-model.js is damaged');
  await widget.locator('input').first().click();
  await page.keyboard.type('twelve keys!', { delay: 30 });
  await widget.evaluate((el) => el.recompute());
  await expect(widget.locator('.status')).toContainText('attention-lab-model.js is damaged');
  expect(downloads).toBe(1);
  expect(await page.locator('head script[src*="attention-lab-model"]').count()).toBeLessThanOrEqual(1);
  // the rest of the page keeps working
  await expect(page.locator('attention-lab#intro .head-card')).toHaveCount(8);
  page.errors = page.errors.filter((e) => !/Failed to load resource/.test(e));
});

test('seeds outside the range JavaScript numbers can tell apart are refused, not aliased', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const messages = await page.evaluate(async () => {
    const out = [];
    for (const seed of ['9223372036854775807', '1e20', '1e300']) {
      const el = document.createElement('attention-lab');
      el.setAttribute('seed', seed);
      document.body.append(el);
      await el.ready;
      out.push(el.shadowRoot.querySelector('.status').textContent);
      el.remove();
    }
    return out;
  });
  for (const message of messages) expect(message).toMatch(/seed must be a whole number from 0 to 9007199254740991/);
});

test('moved into an iframe with document.adoptNode, the widget keeps its look', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page);
  const display = await page.evaluate(async () => {
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const el = document.querySelector('attention-lab#causal');
    const moved = frame.contentDocument.adoptNode(el);
    frame.contentDocument.body.append(moved);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return frame.contentWindow.getComputedStyle(moved.shadowRoot.querySelector('.tokens')).display;
  });
  expect(display).toBe('flex');
});

test('over http the model script is fetched and decoded in the engine, never run as a script; its held-out sentences arrive too', async ({ page }) => {
  await page.goto('/index.html');
  await ready(page, '#trained');
  await expect(page.locator('attention-lab#trained .head-card')).toHaveCount(await trainedHeadCount());
  expect(await page.locator('script[src*="attention-lab-model"]').count()).toBe(0);
  expect(await page.evaluate(() => typeof globalThis.AttentionLabModelData)).toBe('undefined');
  const heldout = readFileSync(new URL('../../web/model/heldout-sample.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
  expect(await page.evaluate(() => globalThis.AttentionLabHeldout)).toEqual(heldout);
  const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name));
  expect(marks).toContain('attention-lab: attention-lab-model.js in the engine');
  expect(marks).not.toContain('attention-lab: attention-lab-model.js decoded');  // no base64 decoding in JavaScript
});

test('while the trained model is still loading, the widget says so', async ({ page }) => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/attention-lab-model.js', async (route) => {
    await held;  // the model arrives only when the test says so
    await route.continue();
  });
  await page.goto('/index.html', { waitUntil: 'domcontentloaded' });  // the load event would wait for the held script
  const widget = page.locator('attention-lab#trained');
  await expect(widget.locator('.status')).toHaveText(/^Loading Trained model/);
  release();
  await ready(page, '#trained');
  await expect(widget.locator('.head-card')).toHaveCount(await trainedHeadCount());
  await expect(widget.locator('.status')).not.toHaveText(/Loading/);
});
