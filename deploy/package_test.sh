#!/usr/bin/env bash
# Builds the Debian package in BUILD and checks it: the files it installs, its
# control data and maintainer scripts, the unit (systemd-analyze verify), and
# that the packaged binary runs and accepts the packaged example config.
#   deploy/package_test.sh BUILD DEPLOY_SOURCE_DIR
set -euo pipefail
build=$1 src=$2
cd "$build"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack -G DEB -B "$out/pkg" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/pkg/rindle_*.deb)
echo "built $(basename "$deb")"
dpkg-deb -c "$deb" >"$out/contents"
for f in ./usr/bin/rindled ./lib/systemd/system/rindled.service ./etc/rindle/rindle.example.yaml; do
  grep -q " $f\$" "$out/contents" || { echo "missing from the package: $f"; cat "$out/contents"; exit 1; }
done
dpkg-deb -I "$deb" >"$out/info"
grep -q "Package: rindle" "$out/info"
grep -q "Depends:.*adduser" "$out/info" || { echo "no adduser dependency"; cat "$out/info"; exit 1; }
grep -q "Depends:.*libyaml-cpp" "$out/info" || { echo "shared library dependencies missing (dpkg-shlibdeps)"; cat "$out/info"; exit 1; }
dpkg-deb -e "$deb" "$out/control"
for s in postinst prerm postrm conffiles; do [[ -f "$out/control/$s" ]] || { echo "no $s"; exit 1; }; done
grep -qx "/etc/rindle/rindle.example.yaml" "$out/control/conffiles"
sh -n "$out/control/postinst" && sh -n "$out/control/prerm" && sh -n "$out/control/postrm"
# Install into a scratch root and run what was installed.
dpkg-deb -x "$deb" "$out/root"
"$out/root/usr/bin/rindled" --version
"$out/root/usr/bin/rindled" check --offline "$out/root/etc/rindle/rindle.example.yaml"
"$src/verify_unit.sh" "$out/root/lib/systemd/system/rindled.service" "$out/root/usr/bin/rindled"
echo "package ok"
