#!/usr/bin/env bash
# Installs what rindle needs on Debian 12, only what is missing (idempotent).
# Usage: scripts/deps.sh            (everything: build, tests, demo)
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build clang libclang-rt-14-dev pkg-config
  # engine tests and benchmarks
  doctest-dev libbenchmark-dev
  # daemon, replication, sinks
  libpq-dev libpqxx-dev libyaml-cpp-dev libspdlog-dev libpg-query-dev nlohmann-json3-dev
  libhiredis-dev libcurl4-openssl-dev libsystemd-dev prometheus-cpp-dev libssl-dev
  libcivetweb-dev
  # Debian package of rindled (cpack -G DEB: dpkg-shlibdeps, dpkg-deb)
  dpkg-dev
  # WebAssembly build of the engine, browser tests of the playground
  emscripten chromium
  # real components the tests start on loopback
  postgresql-15 postgresql-client-15 redis-server
  # fuzzing support, systemd unit verification
  systemd
)

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The postgresql package would start a cluster on 5432; we never use it.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: all ${#PACKAGES[@]} packages present"
fi

# Node.js and npm (the wasm package's tests, the playground's browser test).
# Machines of this kind ship Node 20; elsewhere Debian's own packages do.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "deps: installing nodejs npm"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# npm packages of the wasm package's and the playground's tests (npm ci, when stale).
"$(dirname "$0")/npm_deps.sh"
