#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each one on its
# corpus for FUZZ_SECONDS (default 60). Fails on the first crash; the crashing
# input is left in build/fuzz/ (keep it as a named regression in fuzz/corpus/).
#   scripts/fuzz.sh [fuzzer-name ...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${FUZZ_SECONDS:-60}
# Every library is instrumented too (coverage + sanitizers), not only the fuzz targets.
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRINDLE_FUZZ=ON -DRINDLE_ENGINE_ONLY=OFF -DRINDLE_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
cmake --build build/fuzz -j "$(nproc)" --target $(ls fuzz/corpus | sed 's/^/fuzz_/')
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=($(ls fuzz/corpus))
for name in "${names[@]}"; do
  echo "fuzz: $name for ${SECONDS_PER}s"
  work=$(mktemp -d)
  cp fuzz/corpus/"$name"/* "$work"/
  (cd build/fuzz && ./fuzz/fuzz_"$name" -max_total_time="$SECONDS_PER" -max_len=4096 -timeout=10 \
      -print_final_stats=1 "$work" 2>&1 | tail -5)
  rm -rf "$work"
done
echo "fuzz: no crashes"
