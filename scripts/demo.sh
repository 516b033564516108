#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs what is missing, builds,
# and runs the engine demo (views updating live as writes stream in).
#   scripts/demo.sh [--writes N] [--rows N] [--delay-ms N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release --target engine_demo -j "$(nproc)"
exec build/release/examples/engine_demo "$@"
