#!/usr/bin/env node
// Picks the live trainer's "tiny real text" from the trained model's corpus
// (build/corpus/train.txt, made by scripts/prepare-corpus.mjs): sentences of
// 5 to 12 plain lower-case words, every word among the corpus's most frequent
// ones, so a small model can learn them in the browser in seconds.
// Writes web/model/tiny-text.txt (shipped; the browser cannot read the corpus).
//   node scripts/make-tiny-text.mjs [--words 300] [--sentences 3000]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const vocabularySize = option('words', 300);
const wanted = option('sentences', 3000);

const lines = readFileSync(`${root}build/corpus/train.txt`, 'utf8').split('\n');
const plain = lines.filter((line) => /^[a-z]+( [a-z]+)*$/.test(line));
const counts = new Map();
for (const line of lines) for (const word of line.toLowerCase().match(/[a-z]+/g) || []) counts.set(word, (counts.get(word) || 0) + 1);
const common = new Set([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, vocabularySize).map(([w]) => w));
const seen = new Set();
const chosen = [];
for (const line of plain) {
  const words = line.split(' ');
  if (words.length < 5 || words.length > 12 || seen.has(line) || !words.every((w) => common.has(w))) continue;
  seen.add(line);
  chosen.push(line);
  if (chosen.length >= wanted) break;
}
writeFileSync(`${root}web/model/tiny-text.txt`, `${chosen.join('\n')}\n`);
console.log(`make-tiny-text: ${chosen.length} sentences over ${vocabularySize} words -> web/model/tiny-text.txt`);
