#!/usr/bin/env bash
# Runs the engine benchmark in a Release build and prints its summary.
#   scripts/bench.sh                      sizes 10k 100k 1M 3M (about 4 minutes)
#   RINDLE_BENCH_SIZES=10000,100000 RINDLE_BENCH_CHANGES=5000 scripts/bench.sh   a quick run
# Large tables are allocated with transparent huge pages (glibc tunable), as a
# production daemon would, so TLB misses do not dominate the 3M-row numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh >/dev/null
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DRINDLE_ENGINE_ONLY=ON >/dev/null
cmake --build build/bench -j "$(nproc)" --target ivm_bench
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 exec build/bench/bench/ivm_bench "$@"
