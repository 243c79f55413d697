#!/usr/bin/env bash
# Installs whatever is missing on a fresh Debian machine (apt and npm), then
# builds everything. Safe to run again: it only installs what is absent and
# rebuilds incrementally. Used by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  cmake g++ make            # native build
  clang-14 libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  emscripten                # WebAssembly build (emcc 3.1.6, clang 14)
  libgtest-dev              # native C++ tests
  nlohmann-json3-dev        # golden fixtures in the C++ tests
  libeigen3-dev             # native comparison builds
  wabt                      # wasm-objdump for scripts/check-simd.sh
  python3-numpy             # golden vectors (scripts/make-golden.py, /usr/bin/python3)
  chromium                  # browser tests (Playwright drives Debian's Chromium)
  fonts-dejavu-core         # a known font for stable screenshots
  wordnet-base fortunes     # English text for the trained model's corpus (scripts/prepare-corpus.mjs)
  mkdocs                    # the embedding test builds a real MkDocs site (tests/e2e/docs-site.spec.mjs)
)
# Only for training (`npm run train`, `scripts/setup.sh --training`): the large
# corpus's other texts and the parser that measures syntactic heads.
if [ "${1:-}" = "--training" ]; then
  APT_PACKAGES+=(
    diatheke sword-text-web   # the World English Bible and Debian's reader for it
    dict-gcide                # GCIDE's literary quotations
    link-grammar link-grammar-dictionaries-en python3-link-grammar  # the parser for syntactic relations (scripts/parse-relations.py)
  )
fi

missing=()
for package in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
fi

bash scripts/build.sh
