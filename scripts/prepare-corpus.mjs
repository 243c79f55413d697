#!/usr/bin/env node
// Builds the training corpus from English text Debian ships, reproducibly:
//   wordnet-base: WordNet 3.0 glosses (definitions) and their quoted example sentences
//   fortunes:     quotations and sayings (the non-offensive collections named below)
//   sword-text-web: the World English Bible (modern English, public domain), read with diatheke
//   dict-gcide:   the literary quotations of GCIDE (GNU Collaborative International
//                 Dictionary of English, GPL 2 or later), without their definitions
// Each source keeps its own order, so neighbouring lines come from the same text
// (the trainer may join them into longer sequences).
// Output (one sentence a line, not committed): build/corpus/train.txt, build/corpus/heldout.txt,
// and the held-out sentences by kind of text: heldout-definitions.txt (WordNet),
// heldout-quotations.txt (fortunes, GCIDE), heldout-bible.txt.
// The split is fixed: a sentence is held out when its FNV-1a hash % 20 == 0 (5%).
// data/corpus.sha256 records the checksums; a mismatch (other package versions)
// is reported, and `--update` rewrites the record.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORDNET = '/usr/share/wordnet';
const FORTUNES = '/usr/share/games/fortunes';
const FORTUNE_FILES = ['fortunes', 'literature', 'wisdom', 'people', 'humorists', 'platitudes', 'science',
  'education', 'food', 'kids', 'love', 'pets', 'politics', 'sports', 'work', 'law', 'medicine', 'miscellaneous',
  'riddles', 'songs-poems', 'tao', 'men-women', 'magic', 'news', 'paradoxum', 'pratchett', 'goedel', 'definitions'];
const GCIDE = '/usr/share/dictd/gcide.dict.dz';
const BIBLE_MODULE = 'engWEB2015eb';
// Two corpora: "small" (WordNet + fortunes: the shipped 2-layer model was
// trained on it) and "large" (all four sources), each with its own folder and
// checksum record. `--corpus large` picks the large one.
const CORPORA = {
  small: { sources: ['definitions:wordnet', 'quotations:fortunes'], out: 'build/corpus', checksums: 'data/corpus.sha256' },
  large: { sources: ['definitions:wordnet', 'quotations:fortunes', 'bible:web', 'quotations:gcide'], out: 'build/corpus-large',
    checksums: 'data/corpus-large.sha256' },
};
const corpusName = process.argv.includes('--corpus') ? process.argv[process.argv.indexOf('--corpus') + 1] : 'small';
const CORPUS = CORPORA[corpusName];
if (!CORPUS) throw new Error(`--corpus must be one of ${Object.keys(CORPORA).join(', ')}`);
const OUT = `${ROOT}${CORPUS.out}`;
const CHECKSUMS = `${ROOT}${CORPUS.checksums}`;

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

function sentencesOf(text) {
  return text.split(/(?<=[.!?][”"’']?)\s+(?=[A-Z“"‘'])/).map(clean);
}

// The World English Bible as verses, book by book through diatheke (Debian's
// SWORD reader). The module carries Strong's numbers after words: they are
// removed with the space in front of them where punctuation follows. A poetic
// verse runs over several lines; a blank line ends it.
const BIBLE_BOOKS = ['Genesis', 'Exodus', 'Leviticus', 'Numbers', 'Deuteronomy', 'Joshua', 'Judges', 'Ruth', 'I Samuel',
  'II Samuel', 'I Kings', 'II Kings', 'I Chronicles', 'II Chronicles', 'Ezra', 'Nehemiah', 'Esther', 'Job', 'Psalms',
  'Proverbs', 'Ecclesiastes', 'Song of Solomon', 'Isaiah', 'Jeremiah', 'Lamentations', 'Ezekiel', 'Daniel', 'Hosea', 'Joel',
  'Amos', 'Obadiah', 'Jonah', 'Micah', 'Nahum', 'Habakkuk', 'Zephaniah', 'Haggai', 'Zechariah', 'Malachi', 'Matthew',
  'Mark', 'Luke', 'John', 'Acts', 'Romans', 'I Corinthians', 'II Corinthians', 'Galatians', 'Ephesians', 'Philippians',
  'Colossians', 'I Thessalonians', 'II Thessalonians', 'I Timothy', 'II Timothy', 'Titus', 'Philemon', 'Hebrews', 'James',
  'I Peter', 'II Peter', 'I John', 'II John', 'III John', 'Jude', 'Revelation'];

function bibleVerses(book) {
  let text;
  try {
    text = execFileSync('diatheke', ['-b', BIBLE_MODULE, '-o', 'n', '-f', 'plain', '-k', book], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`diatheke could not read the World English Bible: install Debian's diatheke and sword-text-web (${error.message})`);
  }
  const verses = [];
  let open = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const verse = line.match(/^[A-Za-z ]+ \d+:\d+: (.*)$/);
    if (verse) {
      verses.push(verse[1]);
      open = true;
    } else if (!line || line.startsWith('(')) {
      open = false;
    } else if (open) {
      verses[verses.length - 1] += ` ${line}`;
    }
  }
  return verses;
}

function bibleSentences() {
  const out = [];
  for (const book of BIBLE_BOOKS) {
    for (const verse of bibleVerses(book)) {
      const plain = verse.replace(/\s*<[HG]\d+[a-z]?>(?=[\s.,;:!?’”)\]]|$)/g, '').replace(/\s*<[HG]\d+[a-z]?>/g, ' ')
        .replace(/([,;:])(?=[A-Za-z])/g, '$1 ').replace(/[“”]/g, '"').replace(/[‘’]/g, "'");
      out.push(...sentencesOf(plain));
    }
  }
  return out;
}

// GCIDE's quotations: the blocks indented by ten or more spaces under a
// sense, each ending with its author ("--Milton.").
function gcideSentences() {
  if (!existsSync(GCIDE)) throw new Error(`${GCIDE} is missing: install Debian's dict-gcide`);
  const out = [];
  let block = [];
  const flush = () => {
    if (block.length) {
      const quote = block.join(' ').replace(/\s*--\s*[A-Z][^-]*$/, '').replace(/\[[^\]]*\]/g, ' ');
      out.push(...sentencesOf(clean(quote)));
    }
    block = [];
  };
  for (const line of gunzipSync(readFileSync(GCIDE)).toString('utf8').split('\n')) {
    if (/^ {10,}\S/.test(line) && !/^\s*--/.test(line)) block.push(line.trim());
    else if (/^ {10,}--/.test(line) && block.length) block.push(line.trim());
    else flush();
  }
  flush();
  return out;
}

const seen = new Set();
const train = [];
const heldout = [];
const readers = { wordnet: wordnetSentences, fortunes: fortuneSentences, web: bibleSentences, gcide: gcideSentences };
const heldoutByKind = {};
for (const source of CORPUS.sources) {
  const [kind, reader] = source.split(':');
  heldoutByKind[kind] ??= [];
  for (const sentence of readers[reader]()) {
    if (!acceptable(sentence) || seen.has(sentence)) continue;
    seen.add(sentence);
    if (fnv1a(sentence) % 20 === 0) {
      heldout.push(sentence);
      heldoutByKind[kind].push(sentence);
    } else {
      train.push(sentence);
    }
  }
}
mkdirSync(OUT, { recursive: true });
const files = { 'train.txt': `${train.join('\n')}\n`, 'heldout.txt': `${heldout.join('\n')}\n` };
// the small corpus's record predates the files by kind: it checks train and held-out only
if (corpusName !== 'small') {
  for (const [kind, sentences] of Object.entries(heldoutByKind)) files[`heldout-${kind}.txt`] = `${sentences.join('\n')}\n`;
}
const sums = Object.entries(files).map(([name, text]) => `${createHash('sha256').update(text).digest('hex')}  ${name}`).join('\n') + '\n';
for (const [name, text] of Object.entries(files)) writeFileSync(`${OUT}/${name}`, text);
console.log(`prepare-corpus: ${train.length} training and ${heldout.length} held-out sentences in ${CORPUS.out}/`);
if (process.argv.includes('--update') || !existsSync(CHECKSUMS)) {
  mkdirSync(`${ROOT}data`, { recursive: true });
  writeFileSync(CHECKSUMS, sums);
  console.log(`prepare-corpus: wrote ${CORPUS.checksums}`);
} else if (readFileSync(CHECKSUMS, 'utf8') !== sums) {
  console.error(`prepare-corpus: the corpus differs from ${CORPUS.checksums} (other versions of its Debian packages?).\n` +
    `expected:\n${readFileSync(CHECKSUMS, 'utf8')}got:\n${sums}`);
  process.exit(3);
} else {
  console.log(`prepare-corpus: checksums match ${CORPUS.checksums}`);
}
