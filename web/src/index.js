// Entry of the browser bundle (dist/attention-lab.js, a classic script):
// defines <attention-lab> and <attention-trainer> and exposes window.AttentionLab for course authors.
import { defineAttentionLab, AttentionLabElement } from './attention-lab.js';
import { loadEngine } from './engine.js';
import { registerWeightSource, weightSourceIds } from './weight-sources.js';
import { tokenize } from './tokenize.js';
import { defineAttentionTrainer, AttentionTrainerElement } from './attention-trainer.js';

defineAttentionLab();
defineAttentionTrainer();

globalThis.AttentionLab = Object.freeze({ loadEngine, registerWeightSource, weightSourceIds, tokenize, AttentionLabElement, AttentionTrainerElement });
