#!/usr/bin/env bash
# The end-to-end benchmark: rindled vs. what users do today (REFRESH
# MATERIALIZED VIEW, re-running the query, hand-written triggers), on real US
# flights at 1x and 30x, in one run. Installs what is missing, builds the
# daemon and the measuring tool (Release, in build/bench-e2e), prepares the
# dataset (cached in build/e2e-cache), starts its own PostgreSQL on loopback,
# measures, and cleans up. Results: build/e2e-results/{report.md,results.json,latency.svg}.
#
#   scripts/bench_e2e.sh            the full run (200k and 6M flights; see bench/README.md for its duration)
#   scripts/bench_e2e.sh --quick    20k and 600k flights, short steps (a few minutes)
#   scripts/bench_e2e.sh --smoke    2k and 6k flights (under a minute; what the e2e_bench_smoke test runs)
#   scripts/bench_e2e.sh --no-rindled   the baselines and the engine in process only
# Other options go to bench/e2e/run.mjs (--scales, --stride, --out DIR, --config FILE, --keep).
# RINDLE_E2E_BUILD=DIR uses another build directory; RINDLE_E2E_RINDLED=PATH another rindled.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RINDLE_E2E_BUILD:-build/bench-e2e}
with_rindled=1
for a in "$@"; do [[ $a == --no-rindled ]] && with_rindled=0; done
scripts/deps.sh >/dev/null
targets=(e2e_bench)
[[ $with_rindled == 1 && -z ${RINDLE_E2E_RINDLED:-} ]] && targets+=(rindled)
echo "bench_e2e: building ${targets[*]} in $build (Release)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
nice -n 5 cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
args=(--build "$build")
[[ $with_rindled == 1 ]] && args+=(--rindled "${RINDLE_E2E_RINDLED:-$build/daemon/rindled}")
exec node bench/e2e/run.mjs "${args[@]}" "$@"
