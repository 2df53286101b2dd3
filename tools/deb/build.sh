#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian packages for this machine's architecture:
#   vmnet-broker        the broker (single executable), systemd units, sysusers/tmpfiles
#   libvmnet-broker0    the C client library
#   libvmnet-broker-dev its header, static library and pkg-config file
#
#   tools/deb/build.sh [--out DIR] [--version X.Y.Z]
#
# The version is VERSION's unless given (the upgrade test builds a lower one).
# Needs the daemon built (npx nx run broker-daemon:build), debhelper and dpkg-dev.
# Prints the paths of the .deb files.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/build/deb"
version="$(cat "$root/VERSION")"
while (($#)); do
  case $1 in
  --out) out=$2; shift 2 ;;
  --version) version=$2; shift 2 ;;
  *) echo "usage: build.sh [--out DIR] [--version X.Y.Z]" >&2; exit 2 ;;
  esac
done
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
work="$(mktemp -d /tmp/vmnet-broker-deb.XXXXXX)"
trap 'rm -rf "$work"' EXIT
log="$work/log"
run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "deb/build: failed: $*" >&2; exit 1; }; }

src="$work/vmnet-broker-$version"
stage="$src/stage"
mkdir -p "$stage/usr/lib/vmnet-broker" "$out"

# The single executable, from a stripped node (as dh_strip would: strip cannot
# run after the program is injected).
strip --remove-section=.comment --remove-section=.note -o "$work/node" "$(readlink -f "$(command -v node)")"
run "$work/node" "$root/tools/sea/build.mjs" --out "$work/sea"
cp -a "$work/sea/bin/." "$stage/usr/lib/vmnet-broker/"

# The C library, with Debian's hardening flags, in a tree of its own, installed the Debian way.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
c_flags=(OUT="$work/c" CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
  LDFLAGS="$(dpkg-buildflags --get LDFLAGS)")
run make -C "$root/packages/client-c" "${c_flags[@]}" lib
run make -C "$root/packages/client-c" "${c_flags[@]}" install DESTDIR="$stage" PREFIX=/usr LIBDIR="/usr/lib/$multiarch"

# The man page and completions generated from the CLI's usage data.
daemon="$root/packages/broker-daemon"
install -D -m 644 "$daemon/completions/vmnet-broker.bash" "$stage/usr/share/bash-completion/completions/vmnet-broker"
install -D -m 644 "$daemon/completions/_vmnet-broker" "$stage/usr/share/zsh/vendor-completions/_vmnet-broker"

cp -a "$root/tools/deb/debian" "$src/debian"
cp "$daemon/man/vmnet-broker.1" "$src/debian/vmnet-broker.1"
systemd="$daemon/systemd"
for unit in service socket sysusers tmpfiles; do cp "$systemd/vmnet-broker.$unit" "$src/debian/vmnet-broker.$unit"; done
cat >"$src/debian/changelog" <<CHANGELOG
vmnet-broker ($version) unstable; urgency=medium

  * Built from the vmnet-broker repository; see CHANGELOG.md there.

 -- vmnet-broker developers <vmnet-broker@users.noreply.github.com>  $(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}")
CHANGELOG

(cd "$src" && run dpkg-buildpackage --build=binary --no-sign --no-check-builddeps)
for deb in "$work"/*.deb; do
  cp "$deb" "$out/"
  echo "$out/$(basename "$deb")"
done
