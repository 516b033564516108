#!/usr/bin/env bash
# Installs the npm packages of the folders with a package-lock.json
# (bindings/wasm: typescript, for the type check; web: playwright-core, for
# the browser test) with `npm ci`, only when node_modules is missing or older
# than the lockfile. Idempotent; scripts/deps.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in bindings/wasm web bench/e2e; do
  [[ -f $dir/package-lock.json ]] || continue
  stamp=$dir/node_modules/.package-lock.json
  if [[ ! -f $stamp || $dir/package-lock.json -nt $stamp ]]; then
    echo "npm: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "npm: $dir/node_modules up to date"
  fi
done
