#!/usr/bin/env bash
# The end-to-end benchmark: rindled vs. what users do today (REFRESH
# MATERIALIZED VIEW, re-running the query, hand-written triggers), on real US
# flights at 1x and 30x, in one run. Installs what is missing, builds the
# daemon and the measuring tool (Release, in build/bench-e2e), prepares the
# dataset (cached in build/e2e-cache), starts its own PostgreSQL on loopback,
# measures, and cleans up. Results: build/e2e-results/{report.md,results.json,latency.svg}.
#
#   scripts/bench_e2e.sh            the full run (200k and 6M flights; about 30 minutes on 2 cores)
#   scripts/bench_e2e.sh --quick    20k and 600k flights, short steps (a few minutes)
#   scripts/bench_e2e.sh --smoke    2k and 6k flights (under a minute; what CI runs)
# Other options go to bench/e2e/run.mjs (--scales, --stride, --out DIR, --no-rindled, --keep).
# RINDLE_E2E_BUILD=DIR uses another build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RINDLE_E2E_BUILD:-build/bench-e2e}
scripts/deps.sh >/dev/null
echo "bench_e2e: building rindled and e2e_bench in $build (Release)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
nice -n 5 cmake --build "$build" -j "$(nproc)" --target rindled e2e_bench
exec node bench/e2e/run.mjs --build "$build" "$@"
