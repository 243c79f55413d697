#!/usr/bin/env bash
# Measures a model's heads against word relations on held-out text and writes
# the results into its metadata (cpp/train/relations_report.h):
#   syntax      link-grammar parses of held-out definitions (WordNet) and
#               quotations (fortunes, GCIDE): determiner, possessive, subject,
#               object, preposition, adjective, auxiliary relations
#   coreference data/coreference.txt (scripts/make-coreference.mjs)
#   quotes, brackets  matched on the tokens of the same held-out text
# Build time only (the parser never runs in the browser). Needs the training
# packages (scripts/setup.sh --training). Usage: scripts/analyse-heads.sh MODEL
# Beside MODEL.bin it writes MODEL-pairs.jsonl.gz: the token pairs measured,
# from which tests/node/relations-wasm.test.mjs recomputes every recorded
# accuracy in the wasm engine (shipped with the model, about 150 KB).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: scripts/analyse-heads.sh MODEL}
sentences=${PARSE_SENTENCES:-1500}
[ -f build/corpus-large/heldout-definitions.txt ] || node scripts/prepare-corpus.mjs --corpus large
mkdir -p build/relations
for kind in definitions quotations; do
  parses=build/relations/parses-$kind.jsonl
  if [ ! -s "$parses" ] || [ build/corpus-large/heldout-$kind.txt -nt "$parses" ]; then
    /usr/bin/python3 scripts/parse-relations.py build/corpus-large/heldout-$kind.txt "$parses" --limit "$sentences" 2>/dev/null
  fi
done
./build/native/attention_train --analyse "$model" --coreference data/coreference.txt \
  --parses definitions=build/relations/parses-definitions.jsonl,quotations=build/relations/parses-quotations.jsonl \
  --pairs-out "${model%.bin}-pairs.jsonl"
gzip -n -9 -f "${model%.bin}-pairs.jsonl"
