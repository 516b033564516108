#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds, runs every test, then the same suite under ASan+UBSan, then
# each fuzzer briefly. Exit code 0 only if everything passed.
#
#   scripts/test.sh              everything
#   SKIP_SANITIZE=1 scripts/test.sh   skip the ASan/UBSan pass
#   SKIP_FUZZ=1 scripts/test.sh       skip the short fuzzing pass (FUZZ_SECONDS, default 20)
#   CTEST_ARGS="-L unit" scripts/test.sh   pass arguments to ctest
#   JOBS=N, TEST_JOBS=M                    build jobs (default: cores), tests at once (default: 2 x JOBS)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}
# Most tests wait on PostgreSQL, Redis or a child process, not on the CPU:
# run twice as many at once as there are cores.
TEST_JOBS=${TEST_JOBS:-$((JOBS * 2))}

scripts/deps.sh

build() {  # build <dir> <cmake args...>
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

section() { printf '\n==== %s ====\n' "$*"; }

section "build (RelWithDebInfo)"
build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINDLE_WERROR=ON
section "tests"
(cd build/release && ctest --output-on-failure -j "$TEST_JOBS" ${CTEST_ARGS:-})

if [[ -z "${SKIP_SANITIZE:-}" ]]; then
  section "build (ASan + UBSan)"
  build build/asan -DCMAKE_BUILD_TYPE=Debug -DRINDLE_SANITIZE=ON -DRINDLE_BENCH=OFF
  section "tests under ASan + UBSan"
  (cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j "$TEST_JOBS" -LE slow ${CTEST_ARGS:-})
fi
if [[ -z "${SKIP_FUZZ:-}" ]]; then
  section "fuzzers (${FUZZ_SECONDS:=20}s each)"
  FUZZ_SECONDS=$FUZZ_SECONDS scripts/fuzz.sh
fi
section "all tests passed"
