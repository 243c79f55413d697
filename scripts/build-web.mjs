#!/usr/bin/env node
// Bundles the widget and the single-file wasm engine into one classic script
// (dist/attention-lab.js) and copies the demo site next to it. A classic
// script with the wasm inside is what works everywhere: over HTTP, from
// file://, and copied into another site's folder. esbuild does the bundling
// (fast, no config, handles the engine's CommonJS wrapper).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const engine = `${root}build/wasm/attention_engine_web.js`;
if (!existsSync(engine)) {
  console.error('build-web: build/wasm/attention_engine_web.js is missing; run scripts/build.sh');
  process.exit(1);
}
const dist = `${root}dist`;
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
// Emscripten 3.1.6 decodes the wasm embedded in its single-file output with atob
// and a charCodeAt loop (~25 ms for the engine in Chromium, on the way to the first
// picture); where the browser has Uint8Array.fromBase64 (Chromium 140+, Firefox 133+)
// the bundle uses that. The build fails loudly if Emscripten's code changes shape.
const nativeBase64 = {
  name: 'emscripten-native-base64',
  setup(esbuild) {
    esbuild.onLoad({ filter: /build[\\/]wasm[\\/]attention_\w+_web\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const start = 'function intArrayFromBase64(s){';
      if (!source.includes(start)) throw new Error(`build-web: ${args.path} has no "${start}" (a new Emscripten?): update scripts/build-web.mjs`);
      return { contents: source.replace(start, `${start}if(typeof Uint8Array.fromBase64=="function")return Uint8Array.fromBase64(s);`), loader: 'js' };
    });
  },
};
// One classic script (IIFE) per entry, for the same browsers.
const bundle = (entry, outfile, options = {}) => build({
  plugins: [nativeBase64],
  entryPoints: [`${root}web/src/${entry}`],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: !process.env.NO_MINIFY,
  legalComments: 'none',
  outfile: `${dist}/${outfile}`,
  logLevel: 'warning',
  ...options,
});
await bundle('index.js', 'attention-lab.js');
// The live trainer: its own bundle (wasm trainer inside), started as a Web
// Worker by <attention-trainer>, so pages that only look at attention never load it.
const trainer = `${root}build/wasm/attention_trainer_web.js`;
if (!existsSync(trainer)) {
  console.error('build-web: build/wasm/attention_trainer_web.js is missing; run scripts/build.sh');
  process.exit(1);
}
await bundle('trainer-entry.js', 'attention-lab-trainer.js', { loader: { '.txt': 'text' } });
cpSync(`${root}web/site`, dist, { recursive: true });
// The trained model as a classic script next to the bundle: loads from file://
// as well as over HTTP, and only when a widget asks for the trained model.
const model = `${root}web/model/attention-lab-model.bin`;
if (existsSync(model)) {
  const base64 = readFileSync(model).toString('base64');
  const sample = `${root}web/model/heldout-sample.txt`;
  const sentences = existsSync(sample) ? readFileSync(sample, 'utf8').split('\n').filter(Boolean) : [];
  writeFileSync(`${dist}/attention-lab-model.js`, `globalThis.AttentionLabModelData=${JSON.stringify(base64)};\n` +
    `globalThis.AttentionLabHeldout=${JSON.stringify(sentences)};\n`);
} else {
  console.warn('build-web: web/model/attention-lab-model.bin is missing; the trained views will say so (npm run train)');
}
// The writer (a causal model) the same way, for <attention-writer>.
const writer = `${root}web/model/attention-lab-writer.bin`;
if (existsSync(writer)) {
  writeFileSync(`${dist}/attention-lab-writer.js`, `globalThis.AttentionLabWriterData=${JSON.stringify(readFileSync(writer).toString('base64'))};\n`);
} else {
  console.warn('build-web: web/model/attention-lab-writer.bin is missing; <attention-writer> will say so (npm run train -- writer)');
}
console.log('build-web: wrote dist/ (open dist/index.html or run npm start)');
