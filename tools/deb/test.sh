#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages as an admin meets them, in a bookworm chroot (cached by
# chroot.sh) where systemd is installed but not running:
#   lintian is clean; install of a lower version, then upgrade to this one;
#   the files are in place, the vmnet group exists, the socket is enabled, the
#   executable runs, pkg-config finds the library; purge leaves no file behind.
# The lower version is this build repacked with another version number.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tools/deb"
work="$(mktemp -d /tmp/vmnet-broker-deb-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "deb/test: FAIL: $*" >&2; exit 1; }
pass() { echo "deb/test: ok    $*"; }
version="$(cat "$root/VERSION")"
old_version="0.0.1"

"$here/chroot.sh" build
mkdir -p "$work/new" "$work/old"
"$here/build.sh" --out "$work/new" >/dev/null
pass "built $(cd "$work/new" && echo *.deb)"

lintian --fail-on error,warning "$work"/new/*.deb >"$work/lintian" 2>&1 ||
  { cat "$work/lintian" >&2; fail "lintian"; }
pass "lintian: no errors or warnings$(grep -c '^[IP]:' "$work/lintian" | sed 's/^0$//; s/^./ (& info tags)/')"

# The lower version: the same contents under another version number.
for deb in "$work"/new/*.deb; do
  tree="$work/tree"
  rm -rf "$tree"
  dpkg-deb -R "$deb" "$tree"
  sed -i "s/^Version: .*/Version: $old_version/; s/(= $version)/(= $old_version)/" "$tree/DEBIAN/control"
  dpkg-deb -Zgzip -b "$tree" "$work/old/$(basename "${deb/_"$version"_/_"$old_version"_}")" >/dev/null
done

# Inside the chroot: the script below, with the .debs under /mnt/debs.
cp "$here/test-in-chroot.sh" "$work/"
"$here/chroot.sh" run "$work" -- /bin/bash /mnt/debs/test-in-chroot.sh "$old_version" "$version"
echo "deb/test: all passed"
