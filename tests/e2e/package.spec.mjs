// The package a course site installs: `npm pack` here, `npm install` of the
// tarball into a scratch project (offline), then the engine from Node and the
// element from the installed files in Chromium.
import { test, expect } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { failOnPageErrors, ready } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let site;

test.beforeAll(() => {
  site = mkdtempSync(join(tmpdir(), 'course-site-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', site], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1);
  writeFileSync(join(site, 'package.json'), JSON.stringify({ name: 'course-site', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(site, packed)], { cwd: site, stdio: 'pipe' });
});

failOnPageErrors();

test('the installed package: versioned, with its changelog and type declarations; the engine runs from Node', () => {
  const installed = join(site, 'node_modules', 'attention-lab');
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(manifest.private).toBeUndefined();
  for (const file of ['CHANGELOG.md', 'types/index.d.ts', 'dist/attention-lab.js', 'dist/attention-lab-model.js']) expect(existsSync(join(installed, file))).toBe(true);
  expect(readFileSync(join(installed, 'CHANGELOG.md'), 'utf8')).toContain(`## ${manifest.version}`);
  writeFileSync(join(site, 'check.mjs'), `
    import { loadEngine, loadTrainedModel } from 'attention-lab';
    const engine = await loadEngine();
    const layer = engine.seededLayer(16, 1);
    const out = engine.multiHeadAttention({ x: engine.embedTokens(['heads', 'attend'], 16, 1), ...layer, seqLen: 2, dModel: 16, numHeads: 4 });
    const model = await loadTrainedModel();
    const run = model.run(model.tokenize('The cat sat.').map((t) => t.id));
    console.log(JSON.stringify({ rows: out.attention.length, layers: model.config.numLayers, seqLen: run.seqLen }));
  `);
  const run = spawnSync(process.execPath, ['check.mjs'], { cwd: site, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout);
  expect(result.rows).toBe(4 * 2 * 2);
  expect(result.seqLen).toBe(4);
  expect(result.layers).toBeGreaterThan(0);
});

test('a course page loads the element from the installed package and shows the trained model', async ({ page }) => {
  writeFileSync(join(site, 'lesson.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lesson</title>
    <script src="node_modules/attention-lab/dist/attention-lab.js" defer></script></head>
    <body><main><attention-lab sentence="The old man poured a cup of tea."></attention-lab></main></body></html>`);
  await page.goto(pathToFileURL(join(site, 'lesson.html')).href);
  await ready(page);
  const widget = page.locator('attention-lab');
  await expect(widget.locator('.badge')).toHaveText(/Trained model/);
  expect(await widget.locator('.head-card').count()).toBeGreaterThan(0);
});
