#!/usr/bin/env bash
# Reproduces the shipped model from scratch: corpus -> vocabulary -> masked-LM
# training (fixed seed) -> float16 model file with measured head statistics,
# then prints the held-out loss against the unigram and bigram baselines.
# About 15-20 minutes on 2 cores. `npm run train` runs setup first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-web/model/attention-lab-model.bin}
node scripts/prepare-corpus.mjs
OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} ./build/native/attention_train \
  --train build/corpus/train.txt --heldout build/corpus/heldout.txt --out "$out"
# 100 short held-out sentences ship with the model: the widget's "loss as heads
# are pruned" curve is measured on them (the model never trained on them).
awk 'NF>=4 && NF<=14' build/corpus/heldout.txt | head -100 > web/model/heldout-sample.txt
node scripts/build-web.mjs
