// Entry of the browser bundle (dist/attention-lab.js, a classic script):
// defines <attention-lab>, <attention-trainer> and <attention-writer> and exposes window.AttentionLab for course authors.
import { defineAttentionLab, AttentionLabElement } from './attention-lab.js';
import { loadEngine } from './engine.js';
import { registerWeightSource, weightSourceIds } from './weight-sources.js';
import { defineAttentionTrainer, AttentionTrainerElement } from './attention-trainer.js';
import { defineAttentionWriter, AttentionWriterElement } from './attention-writer.js';

defineAttentionLab();
defineAttentionTrainer();
defineAttentionWriter();

// tokenize(text, { rules }) resolves to the engine's tokens (cpp/text/tokenizer.h): 'seeded' is
// the seeded layer's rule (what <attention-lab> shows by default), 'model' the trained models'.
async function tokenize(text, { rules = 'seeded' } = {}) {
  return (await loadEngine()).tokenize(text, { rules });
}

globalThis.AttentionLab = Object.freeze({ loadEngine, registerWeightSource, weightSourceIds, tokenize, AttentionLabElement, AttentionTrainerElement, AttentionWriterElement });
