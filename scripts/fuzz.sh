#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, with AddressSanitizer and UBSan) and
# runs each for a bounded time. CI runs 20 s each; for a longer hunt:
#   bash scripts/fuzz.sh 3600
# A crash leaves its input in build/fuzz/artifacts/; turn it into a regression
# test (tests/cpp/) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if [ ! -f build/fuzz/CMakeCache.txt ]; then
  CXX=clang++-14 cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTENTION_LAB_FUZZ=ON >/dev/null
fi
cmake --build build/fuzz -j"${FUZZ_JOBS:-$(nproc)}" --target tokenizer_fuzz model_loader_fuzz make_seed_model
mkdir -p build/fuzz/corpus/tokenizer build/fuzz/corpus/model build/fuzz/artifacts
printf 'The cat didn'"'"'t sit.' > build/fuzz/corpus/tokenizer/seed1
printf 'multi-head “attention” café 日本 <script>' > build/fuzz/corpus/tokenizer/seed2
build/fuzz/make_seed_model build/fuzz/corpus/model/tiny.bin
for target in tokenizer model; do
  binary=build/fuzz/${target}_fuzz
  [ "$target" = model ] && binary=build/fuzz/model_loader_fuzz
  echo "fuzzing $target for ${seconds}s"
  # (the fuzzer's own status decides: a crash, a leak or an out-of-memory fails the run)
  status=0
  "$binary" -max_total_time="$seconds" -max_len=4096 -artifact_prefix=build/fuzz/artifacts/ \
    -print_final_stats=1 build/fuzz/corpus/$target > "build/fuzz/$target.log" 2>&1 || status=$?
  grep -E 'stat::number_of_executed_units|Done|ERROR|SUMMARY' "build/fuzz/$target.log" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzzing $target failed (exit $status): the input is in build/fuzz/artifacts/, the log in build/fuzz/$target.log"
    tail -n 40 "build/fuzz/$target.log"
    exit 1
  fi
done
