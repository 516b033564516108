#!/usr/bin/env bash
# Runs the engine benchmark in a Release build: each view in its own process
# (so one view's freed memory does not shape the next one's), then prints the
# summaries together. Results also go to build/bench/results-<view>.txt.
#   scripts/bench.sh                      sizes 10k 100k 1M 3M, both column modes (a few minutes)
#   RINDLE_BENCH_SIZES=10000,100000 RINDLE_BENCH_CHANGES=5000 scripts/bench.sh   a quick run
#   RINDLE_BENCH_VIEWS=join3 RINDLE_BENCH_MODES=read scripts/bench.sh           one view, one mode
# Large tables are allocated with transparent huge pages (glibc tunable), as a
# production daemon would, so TLB misses do not dominate the 3M-row numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh >/dev/null
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DRINDLE_ENGINE_ONLY=ON >/dev/null
cmake --build build/bench -j "$(nproc)" --target ivm_bench
views=${RINDLE_BENCH_VIEWS:-filter,join3,aggregate,topk}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for v in ${views//,/ }; do
  RINDLE_BENCH_VIEWS=$v GLIBC_TUNABLES=glibc.malloc.hugetlb=1 build/bench/bench/ivm_bench "$@" | tee "build/bench/results-$v.txt"
done
echo
echo "==== all views ===="
first=1
for v in ${views//,/ }; do
  awk -v first=$first '/^== summary ==/{s=1; next} s && /^$/ {exit} s && (first || !/^view /)' "build/bench/results-$v.txt"
  first=0
done
echo
for v in ${views//,/ }; do grep -E "^  $v " "build/bench/results-$v.txt" || true; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
