#!/usr/bin/env bash
# Every suite, in order: native C++ (GoogleTest via CTest), the same under
# AddressSanitizer + UBSan, bounded libFuzzer runs, the SIMD check of the wasm
# build, Node tests against the wasm engine, browser tests (Playwright in
# Debian's Chromium). Expects scripts/setup.sh to have run (npm test does).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== native C++ tests (GoogleTest) =="
ctest --test-dir build/native --output-on-failure -j2

echo "== native C++ tests under AddressSanitizer + UBSan =="
if [ ! -f build/asan/CMakeCache.txt ]; then
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DATTENTION_LAB_SANITIZE=ON >/dev/null
fi
cmake --build build/asan -j"$(nproc)" --target attention_tests
# The two emergence tests train for thousands of steps (minutes under ASan);
# the same code runs under ASan in every other trainer test, and natively above.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure -j2 \
  -E 'LiveTrainer\.(AttentionOnlyInductionGrows|CausalAttentionOnlyBracketsGrow)'

echo "== fuzzing the tokenizer and the model loader (bounded) =="
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo "== WebAssembly SIMD check =="
bash scripts/check-simd.sh

echo "== Node tests against the wasm engine =="
node --test tests/node/

echo "== browser tests (Playwright, Chromium) =="
npx playwright test
