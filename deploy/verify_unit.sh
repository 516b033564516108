#!/usr/bin/env bash
# Verifies the systemd unit with systemd-analyze: no errors and no warnings.
# The unit names /usr/bin/rindled; verification needs an executable there, so
# a copy pointing at the built binary is verified.
#   deploy/verify_unit.sh UNIT RINDLED
set -euo pipefail
unit=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (apt-get install systemd)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/rindled|$bin|g" "$unit" >"$dir/rindled.service"
out=$(systemd-analyze verify "$dir/rindled.service" 2>&1) || { echo "$out"; exit 1; }
if [[ -n "$out" ]]; then
  echo "systemd-analyze verify reported:"; echo "$out"; exit 1
fi
grep -q '^Type=notify$' "$unit" && grep -q '^WatchdogSec=' "$unit" && grep -q '^User=rindle$' "$unit" \
  && grep -q '^NoNewPrivileges=yes$' "$unit" && grep -q '^ProtectSystem=strict$' "$unit" \
  && grep -q '^Restart=on-failure$' "$unit" || { echo "a required setting is missing from $unit"; exit 1; }
echo "ok: $unit"
