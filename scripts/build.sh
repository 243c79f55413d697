#!/usr/bin/env bash
# Builds the native tests, the WebAssembly engine and the static site (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

if [ ! -f build/native/CMakeCache.txt ]; then
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/native -j"$jobs"

if [ ! -f build/wasm/CMakeCache.txt ]; then
  # Node 20 rejects the flag emcmake's default emulator adds, so name node directly.
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
cmake --build build/wasm -j"$jobs"

node scripts/build-web.mjs
