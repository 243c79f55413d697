#!/usr/bin/env bash
# Proves the wasm build really uses WebAssembly SIMD in its hot loops:
# disassembles the embedded module and counts f32x4 instructions in the GEMM
# micro-kernel and the fused softmax. Fails if either is scalar.
set -euo pipefail
cd "$(dirname "$0")/.."
module=${1:-build/wasm/attention_engine_node.js}  # the web module is the same objects, linked without names
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node -e '
const fs = require("fs");
const text = fs.readFileSync(process.argv[1], "utf8");
const match = text.match(/data:application\/octet-stream;base64,([A-Za-z0-9+\/=]+)/);
if (!match) { console.error("no embedded wasm found in " + process.argv[1]); process.exit(1); }
fs.writeFileSync(process.argv[2], Buffer.from(match[1], "base64"));
' "$module" "$work/engine.wasm"
wasm-objdump -d "$work/engine.wasm" > "$work/engine.dis"

# count instructions matching $2 inside the function whose name contains $1
count() {
  awk -v name="$1" -v op="$2" '
    / func\[[0-9]+\] </ { inside = index($0, name) > 0 }
    inside && $0 ~ op { n++ }
    END { print n + 0 }' "$work/engine.dis"
}

status=0
check() {  # function, instruction pattern, minimum
  local found
  found=$(count "$1" "$2")
  if [ "$found" -ge "$3" ]; then
    echo "ok   $1: $found x $2"
  else
    echo "FAIL $1: $found x $2 (expected at least $3)"
    status=1
  fi
}
# Each micro-kernel must also stay a function of its own: inlined into the
# GEMM's loop nest it runs ~25% slower.
check "micro_kernel<5>(" "f32x4.mul" 10
check "micro_kernel<5>(" "f32x4.add" 10
check "micro_kernel<5>(" "v128.load" 2
check "micro_kernel<4>(" "f32x4.mul" 8
check "micro_kernel<4>(" "f32x4.add" 8
check "row_kernel(" "f32x4.mul" 8
# The vector exp of both softmax paths (full rows, streaming tiles): f32x4.nearest,
# then i32x4.shl to build 2^n, and its polynomial.
check "exponentiate_row<" "f32x4.nearest" 1
check "exponentiate_row<" "i32x4.shl" 1
check "exponentiate_row<" "f32x4.mul" 8
# The row softmax is inlined by wasm-opt into its caller: its vector row
# maximum (f32x4.pmax) and scaling (f32x4.mul) are found there, and so is
# the exp of the variant that also sums the row entropy (used once, inlined).
check "multi_head_attention" "f32x4.pmax" 1
check "multi_head_attention" "f32x4.mul" 2
check "multi_head_attention" "f32x4.nearest" 1
total=$(grep -c 'f32x4' "$work/engine.dis" || true)
echo "f32x4 instructions in the whole module: $total"
exit $status
