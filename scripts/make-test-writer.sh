#!/usr/bin/env bash
# Writes tests/fixtures/tiny-writer.bin: a tiny causal model (2 layers x 2 heads,
# d_model 16, 500 words, 32 tokens) trained for 150 steps on the small corpus.
# It only has to be a real causal model file for the writer's tests (KV cache,
# reproducible generation in wasm and natively), not a good writer; the shipped
# writer comes from scripts/train.sh writer.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/prepare-corpus.mjs
./build/native/attention_train --objective causal --train build/corpus/train.txt --heldout build/corpus/heldout.txt \
  --heldout-sentences 200 --out tests/fixtures/tiny-writer.bin --vocab 500 --d-model 16 --heads 2 --layers 2 \
  --d-ff 32 --max-len 32 --pack 32 --steps 150 --warmup 20 --batch-tokens 512 --seed 7
