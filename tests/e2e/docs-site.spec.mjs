// Embedding in a real docs generator, exactly as the README says for MkDocs:
// copy attention-lab.js into docs/js/, list it under extra_javascript, write
// the tag in a Markdown page. Debian's mkdocs builds the site; it is served
// over HTTP as a docs site would be (MkDocs' own search worker and theme need
// HTTP); the widget renders, computes, asks nothing from other origins and passes axe.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failOnPageErrors, ready } from './helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let site;
let server;
let origin;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.png': 'image/png', '.ico': 'image/x-icon' };

test.beforeAll(() => {
  const project = mkdtempSync(join(tmpdir(), 'mkdocs-course-'));
  mkdirSync(join(project, 'docs', 'js'), { recursive: true });
  // the README: the widget and, for the trained model it shows by default, the model script beside it
  copyFileSync(join(ROOT, 'dist', 'attention-lab.js'), join(project, 'docs', 'js', 'attention-lab.js'));
  copyFileSync(join(ROOT, 'dist', 'attention-lab-model.js'), join(project, 'docs', 'js', 'attention-lab-model.js'));
  writeFileSync(join(project, 'mkdocs.yml'), [
    'site_name: Attention course',
    'use_directory_urls: false',
    'theme:',
    '  name: mkdocs',
    '  highlightjs: false',
    'extra_javascript:',
    '  - js/attention-lab.js',
    '',
  ].join('\n'));
  writeFileSync(join(project, 'docs', 'index.md'), [
    '# Lesson 3: attention',
    '',
    'Type your own sentence and look at each head.',
    '',
    '<attention-lab id="lesson" sentence="The animal did not cross the street because it was tired."></attention-lab>',
    '',
  ].join('\n'));
  execFileSync('mkdocs', ['build', '--quiet', '--site-dir', join(project, 'site')], { cwd: project, stdio: 'pipe' });
  site = join(project, 'site');
});

test.beforeAll(async () => {
  server = createServer((request, response) => {
    const path = join(site, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (!path.startsWith(site) || !existsSync(path) || !statSync(path).isFile()) { response.writeHead(404).end(); return; }
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

test.afterAll(() => server?.close());

failOnPageErrors();

test('a MkDocs site built as the README says shows the widget, computes, asks for nothing online, passes axe', async ({ page }) => {
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${origin}/index.html`);
  await ready(page, '#lesson');
  const widget = page.locator('attention-lab#lesson');
  await expect(widget.locator('.badge')).toHaveText(/Trained model/);
  const attention = await widget.evaluate((el) => el.getAttention());
  expect(attention.tokens).toContain('animal');
  expect(await widget.locator('.head-card').count()).toBe(attention.numLayers * attention.numHeads);
  // typing recomputes
  await widget.locator('input[type="text"]').fill('Heads attend.');
  await expect(widget.locator('.chip[data-index]')).toHaveCount(3);
  expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([]);
  const results = await new AxeBuilder({ page }).include('attention-lab#lesson').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
});
