// The shipped model's word-relation measurements reproduce in the wasm engine.
//
// scripts/analyse-heads.sh measured every head on held-out text natively and
// wrote the numbers into the model file; beside the model it shipped the
// token pairs it measured (web/model/attention-lab-model-pairs.jsonl.gz).
// Here the browser's engine runs every one of those sentences, and this file
// recomputes, in plain JavaScript from the wasm attention, each head's
// accuracy (does the row of one word peak on the other?) and each relation's
// best-offset baseline. A label shown to a learner is only as good as this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../../web/src/engine-node.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = `${ROOT}web/model/attention-lab-model.bin`;
const PAIRS = `${ROOT}web/model/attention-lab-model-pairs.jsonl.gz`;
// recorded numbers are rounded to 4 digits; native (Eigen) and wasm (SIMD)
// kernels may break a near-tie differently in a handful of rows
const TOLERANCE = 0.005;

function argmax(row) {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

async function measure() {
  const engine = await loadEngine();
  const model = engine.loadModel(new Uint8Array(readFileSync(MODEL)));
  const { numLayers, numHeads, maxLen } = model.config;
  const heads = numLayers * numHeads;
  const lines = gunzipSync(readFileSync(PAIRS)).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  // tally[kind][relation][direction] = { hits[head], pairs, offsets: Map(offset -> count), offsetPairs }
  const tally = {};
  let tokenMismatches = 0;
  for (const sentence of lines) {
    const ids = model.tokenize(sentence.text).map((token) => token.id);
    if (ids.join(',') !== sentence.ids.join(',')) tokenMismatches++;
    const n = sentence.ids.length;
    const runnable = n >= 2 && n <= maxLen;
    const attention = runnable ? model.run(sentence.ids).attention : null;
    for (const [key, pairs] of Object.entries(sentence.relations)) {
      if (pairs.length === 0) continue;
      for (let direction = 0; direction < 2; direction++) {
        const slot = (((tally[sentence.kind] ??= {})[key] ??= [])[direction] ??= { hits: new Array(heads).fill(0), pairs: 0, offsets: new Map(), offsetPairs: 0 });
        for (const [dependent, head] of pairs) {
          const [from, to] = direction === 0 ? [dependent, head] : [head, dependent];
          if (from === to) continue;
          // the positional guesser sees every pair, as the native baseline does
          if (runnable) {
            slot.offsets.set(to - from, (slot.offsets.get(to - from) ?? 0) + 1);
            slot.offsetPairs++;
          }
          if (!runnable || from < 0 || to < 0 || from >= n || to >= n) continue;
          slot.pairs++;
          for (let h = 0; h < heads; h++) {
            const row = attention.subarray((h * n + from) * n, (h * n + from + 1) * n);
            if (argmax(row) === to) slot.hits[h]++;
          }
        }
      }
    }
  }
  model.release();
  return { tally, lines: lines.length, tokenMismatches, numLayers, numHeads, recorded: model.metadata.relations };
}

const available = existsSync(MODEL) && existsSync(PAIRS);
const measured = available ? await measure() : null;

test('the shipped pairs belong to the shipped model: every sentence tokenizes in wasm to the ids measured', { skip: !available && 'no trained model in web/model' }, () => {
  assert.ok(measured.lines > 1000, `only ${measured.lines} sentences`);
  assert.equal(measured.tokenMismatches, 0);
});

test('every head x relation x direction x kind: the accuracy recorded in the model file reproduces from wasm attention', { skip: !available && 'no trained model in web/model' }, () => {
  const { tally, recorded, numLayers, numHeads } = measured;
  let checked = 0;
  let worst = 0;
  for (const relation of recorded.relations) {
    for (const [kind, directions] of Object.entries(relation.kinds)) {
      directions.forEach((direction, d) => {
        const slot = tally[kind]?.[relation.key]?.[d];
        assert.ok(slot, `${relation.key} on ${kind}: no pairs in the shipped file`);
        assert.equal(slot.pairs, direction.pairs, `${relation.key} ${kind} direction ${d}: pairs`);
        for (let l = 0; l < numLayers; l++) {
          for (let h = 0; h < numHeads; h++) {
            const accuracy = slot.hits[l * numHeads + h] / slot.pairs;
            const difference = Math.abs(accuracy - direction.accuracy[l][h]);
            worst = Math.max(worst, difference);
            assert.ok(difference <= TOLERANCE,
              `${relation.key} ${kind} direction ${d}, L${l + 1} H${h + 1}: wasm ${accuracy.toFixed(4)} vs recorded ${direction.accuracy[l][h]}`);
            checked++;
          }
        }
      });
    }
  }
  assert.ok(checked >= 7 * 2 * 2 * numLayers * numHeads, `only ${checked} accuracies checked`);
  console.log(`# ${checked} recorded accuracies reproduced in wasm; largest difference ${worst.toFixed(4)}`);
});

test("each relation's positional baseline (best fixed offset) reproduces from the pairs alone", { skip: !available && 'no trained model in web/model' }, () => {
  for (const relation of measured.recorded.relations) {
    for (const [kind, directions] of Object.entries(relation.kinds)) {
      directions.forEach((direction, d) => {
        const slot = measured.tally[kind][relation.key][d];
        if (direction.offsetBaseline === undefined) return;
        const best = Math.max(...slot.offsets.values());
        assert.ok(Math.abs(best / slot.offsetPairs - direction.offsetBaseline) <= 1e-4,
          `${relation.key} ${kind} direction ${d}: offset baseline ${best / slot.offsetPairs} vs recorded ${direction.offsetBaseline}`);
      });
    }
  }
});

test('a head is labelled with a relation exactly when the wasm numbers clear the rule on every kind', { skip: !available && 'no trained model in web/model' }, () => {
  const { rule, heads, relations } = measured.recorded;
  let checked = 0;
  heads.forEach((layer, l) => layer.forEach((head, h) => {
    if (!head || !head.relation) return;
    const relation = relations.find((r) => r.key === head.relation);
    const d = head.direction === 'dependent-to-head' ? 0 : 1;
    // the rule's margin on the wasm numbers: the smallest, over the kinds, of
    // (accuracy - 50%) and (accuracy - baseline - 10 points)
    const margin = Math.min(...Object.entries(head.kinds).map(([kind, recorded]) => {
      const slot = measured.tally[kind][relation.key][d];
      const accuracy = slot.hits[l * measured.numHeads + h] / slot.pairs;
      return slot.pairs < rule.minimumPairs ? -1 : Math.min(accuracy - rule.accuracy, accuracy - recorded.baseline - rule.margin);
    }));
    const where = `L${l + 1} H${h + 1} ${head.from} -> ${head.to}`;
    if (head.earned) assert.ok(margin >= -TOLERANCE, `${where} is labelled, but in wasm it misses the rule by ${(-margin * 100).toFixed(1)} points`);
    else assert.ok(margin < TOLERANCE, `${where} is not labelled, but in wasm it clears the rule by ${(margin * 100).toFixed(1)} points`);
    assert.ok(Math.abs(margin - head.margin) <= TOLERANCE, `${where}: wasm margin ${margin.toFixed(4)} vs recorded ${head.margin}`);
    checked++;
  }));
  assert.equal(checked, measured.numLayers * measured.numHeads);
});
