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
  libhiredis-dev libcurl4-openssl-dev libsystemd-dev
  # real components the tests start on loopback
  postgresql-15 postgresql-client-15 redis-server
  # fuzzing support, systemd unit verification
  systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The postgresql package would start a cluster on 5432; we never use it.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: all ${#PACKAGES[@]} packages present"
fi
