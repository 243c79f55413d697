// Reading a fetched model script (web/src/trained-model.js): the base64
// between the quotes of its first line, found from the end of the file, and
// the held-out sentences after it; other shapes are searched from the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelScript } from '../../web/src/trained-model.js';

const bytes = (text) => new TextEncoder().encode(text);
const text = (view) => new TextDecoder().decode(view);

test('the base64 of a model script is found, whatever follows it', () => {
  const data = 'QUJD'.repeat(5000);
  const heldout = ['The cat sat.', 'She said "no";\\n then left.'];
  const cases = {
    'data, then held-out sentences': `globalThis.AttentionLabModelData="${data}";\nglobalThis.AttentionLabHeldout=${JSON.stringify(heldout)};\n`,
    'Windows line breaks': `globalThis.AttentionLabModelData="${data}";\r\nglobalThis.AttentionLabHeldout=${JSON.stringify(heldout)};\r\n`,
    'data only (the writer)': `globalThis.AttentionLabWriterData="${data}";\n`,
    'data only, no final line break': `window.AttentionLabModelData = "${data}";`,
    'another last line than the build writes': `globalThis.AttentionLabModelData="${data}";\nconsole.log("x")\n`,
  };
  for (const [name, script] of Object.entries(cases)) {
    const global = /Writer/.test(script) ? 'AttentionLabWriterData' : 'AttentionLabModelData';
    delete globalThis.AttentionLabHeldout;
    const found = readModelScript(bytes(script), global);
    assert.equal(found && text(found), data, name);
    if (/AttentionLabHeldout/.test(script)) assert.deepEqual(globalThis.AttentionLabHeldout, heldout, name);
  }
  delete globalThis.AttentionLabHeldout;
  // not the build's layout: null, and the widget runs it as a script instead
  assert.equal(readModelScript(bytes(`var x = 1;\nglobalThis.AttentionLabModelData="${data}";`), 'AttentionLabModelData'), null);
  assert.equal(readModelScript(bytes('globalThis.AttentionLabModelData="unterminated'), 'AttentionLabModelData'), null);
  // a quote inside the data (a damaged file) reaches the engine's decoder, which refuses it
  assert.match(text(readModelScript(bytes('globalThis.AttentionLabModelData = "@@@ not "base64" @@@";'), 'AttentionLabModelData')), /"/);
});
