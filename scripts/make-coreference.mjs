#!/usr/bin/env node
// Writes data/coreference.txt: sentences where a pronoun has exactly one
// possible antecedent, for measuring "pronoun -> antecedent" heads.
//
// How they are made and checked: templates with two (or three) nouns of
// different gender or number, so that only one noun agrees with the pronoun
// (he: a male noun, she: a female noun, they/them: a plural noun). Every
// template is used with the antecedent first and second, so the nearest
// preceding noun is right only half of the time. The script checks each
// sentence: exactly one marked pronoun, one antecedent, and no other noun
// that agrees with the pronoun. Markers (stripped before use):
//   {pronoun}  [antecedent]  <another noun>
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../data/coreference.txt', import.meta.url));
const MALE = ['man', 'boy', 'king', 'father', 'brother', 'husband', 'son', 'uncle'];
const FEMALE = ['woman', 'girl', 'queen', 'mother', 'sister', 'wife', 'daughter', 'aunt'];
const PLURAL = ['children', 'soldiers', 'farmers', 'sailors', 'students', 'workers', 'friends', 'neighbours'];
const GENDER_OF = Object.fromEntries([...MALE.map((n) => [n, 'he']), ...FEMALE.map((n) => [n, 'she']), ...PLURAL.map((n) => [n, 'they'])]);

// a: the first noun, b: the second; p: the pronoun agreeing with the antecedent
const be = (p) => (p === 'they' ? 'were' : 'was');
const TEMPLATES = [
  (a, b, p) => `The ${a} thanked the ${b} because ${p} ${be(p)} kind.`,
  (a, b, p) => `When the ${a} saw the ${b}, ${p} smiled.`,
  (a, b, p) => `The ${a} waited for the ${b} until ${p} ${be(p)} tired.`,
  (a, b, p) => `The ${a} met the ${b} after ${p} came home.`,
  (a, b, p) => `The ${a} called the ${b} because ${p} needed help.`,
];

function mark(sentence, a, b, antecedent, pronoun) {
  const other = antecedent === a ? b : a;
  return sentence.replace(new RegExp(`\\b${antecedent}\\b`), `[${antecedent}]`).replace(new RegExp(`\\b${other}\\b`), `<${other}>`)
    .replace(new RegExp(`\\b${pronoun}\\b(?![^<\\[]*[>\\]])`), `{${pronoun}}`);
}

const lines = [];
const groups = [[MALE, FEMALE], [FEMALE, MALE], [MALE, PLURAL], [PLURAL, FEMALE]];
for (const [t, template] of TEMPLATES.entries()) {
  for (const [g, [first, second]] of groups.entries()) {
    for (let k = 0; k < 4; k++) {
      const a = first[(k + t + g) % first.length];
      const b = second[(k * 3 + t) % second.length];
      for (const antecedent of [a, b]) {
        const pronoun = GENDER_OF[antecedent];
        const line = mark(template(a, b, pronoun), a, b, antecedent, pronoun);
        // checks: one of each marker; only the antecedent agrees with the pronoun
        const count = (re) => (line.match(re) || []).length;
        if (count(/\{[^}]+\}/g) !== 1 || count(/\[[^\]]+\]/g) !== 1 || count(/<[^>]+>/g) !== 1) throw new Error(`bad markers: ${line}`);
        if (GENDER_OF[a] === GENDER_OF[b]) throw new Error(`ambiguous: ${line}`);
        lines.push(line);
      }
    }
  }
}
writeFileSync(OUT, `${lines.join('\n')}\n`);
console.log(`make-coreference: ${lines.length} sentences -> data/coreference.txt`);
