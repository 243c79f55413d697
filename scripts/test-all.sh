#!/usr/bin/env bash
# Every suite, in order: native C++ (GoogleTest via CTest), the SIMD check of
# the wasm build, Node tests against the wasm engine, browser tests (Playwright
# in Debian's Chromium). Expects scripts/setup.sh to have run (npm test does).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== native C++ tests (GoogleTest) =="
ctest --test-dir build/native --output-on-failure -j2

echo "== WebAssembly SIMD check =="
bash scripts/check-simd.sh

echo "== Node tests against the wasm engine =="
node --test tests/node/

echo "== browser tests (Playwright, Chromium) =="
npx playwright test
