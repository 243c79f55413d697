#!/usr/bin/env node
// Builds the training corpus from English text Debian ships, reproducibly:
//   wordnet-base: WordNet 3.0 glosses (definitions) and their quoted example sentences
//   fortunes:     quotations and sayings (the non-offensive collections named below)
// Output (one sentence a line, not committed): build/corpus/train.txt, build/corpus/heldout.txt
// The split is fixed: a sentence is held out when its FNV-1a hash % 20 == 0 (5%).
// data/corpus.sha256 records the checksums; a mismatch (other package versions)
// is reported, and `--update` rewrites the record.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORDNET = '/usr/share/wordnet';
const FORTUNES = '/usr/share/games/fortunes';
const FORTUNE_FILES = ['fortunes', 'literature', 'wisdom', 'people', 'humorists', 'platitudes', 'science',
  'education', 'food', 'kids', 'love', 'pets', 'politics', 'sports', 'work', 'law', 'medicine', 'miscellaneous',
  'riddles', 'songs-poems', 'tao', 'men-women', 'magic', 'news', 'paradoxum', 'pratchett', 'goedel', 'definitions'];
const OUT = `${ROOT}build/corpus`;
const CHECKSUMS = `${ROOT}data/corpus.sha256`;

function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function clean(sentence) {
  return sentence.replace(/[`]/g, "'").replace(/\s+/g, ' ').trim();
}

function acceptable(sentence) {
  const words = sentence.split(' ');
  if (words.length < 3 || words.length > 40) return false;
  const letters = (sentence.match(/[A-Za-z]/g) || []).length;
  return letters / sentence.length > 0.6 && !/[<>{}\\|@#$^~_=]/.test(sentence) && !/\d{3,}/.test(sentence);
}

function wordnetSentences() {
  const out = [];
  for (const part of ['noun', 'verb', 'adj', 'adv']) {
    const path = `${WORDNET}/data.${part}`;
    if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's wordnet-base`);
    for (const line of readFileSync(path, 'latin1').split('\n')) {
      if (line.startsWith('  ') || !line.includes(' | ')) continue;
      const gloss = line.slice(line.indexOf(' | ') + 3);
      for (const piece of gloss.split(';')) {
        const examples = piece.match(/"[^"]+"/g);
        if (examples) {
          for (const example of examples) out.push(clean(example.slice(1, -1)));
        } else {
          out.push(clean(piece.replace(/\([^)]*\)/g, ' ')));
        }
      }
    }
  }
  return out;
}

function fortuneSentences() {
  const out = [];
  for (const name of FORTUNE_FILES) {
    const path = `${FORTUNES}/${name}`;
    if (!existsSync(path)) throw new Error(`${path} is missing: install Debian's fortunes`);
    for (const entry of readFileSync(path, 'utf8').split(/\n%\n/)) {
      const body = entry.split('\n').filter((line) => !/^\s*--/.test(line) && !/^\s*[A-Z][a-z]+:\s/.test(line)).join(' ');
      for (const sentence of body.split(/(?<=[.!?])\s+(?=[A-Z"'])/)) out.push(clean(sentence));
    }
  }
  return out;
}

const seen = new Set();
const train = [];
const heldout = [];
for (const sentence of [...wordnetSentences(), ...fortuneSentences()]) {
  if (!acceptable(sentence) || seen.has(sentence)) continue;
  seen.add(sentence);
  (fnv1a(sentence) % 20 === 0 ? heldout : train).push(sentence);
}
mkdirSync(OUT, { recursive: true });
const files = { 'train.txt': `${train.join('\n')}\n`, 'heldout.txt': `${heldout.join('\n')}\n` };
const sums = Object.entries(files).map(([name, text]) => `${createHash('sha256').update(text).digest('hex')}  ${name}`).join('\n') + '\n';
for (const [name, text] of Object.entries(files)) writeFileSync(`${OUT}/${name}`, text);
console.log(`prepare-corpus: ${train.length} training and ${heldout.length} held-out sentences in build/corpus/`);
if (process.argv.includes('--update') || !existsSync(CHECKSUMS)) {
  mkdirSync(`${ROOT}data`, { recursive: true });
  writeFileSync(CHECKSUMS, sums);
  console.log('prepare-corpus: wrote data/corpus.sha256');
} else if (readFileSync(CHECKSUMS, 'utf8') !== sums) {
  console.error('prepare-corpus: the corpus differs from data/corpus.sha256 (other wordnet-base/fortunes versions?).\n' +
    `expected:\n${readFileSync(CHECKSUMS, 'utf8')}got:\n${sums}`);
  process.exit(3);
} else {
  console.log('prepare-corpus: checksums match data/corpus.sha256');
}
