#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs inside the bookworm chroot (tools/deb/test.sh): install the old version,
# upgrade to the new one, check, purge, and compare the filesystem with before.
#   test-in-chroot.sh <old version> <new version>    (.debs under /mnt/debs/{old,new})
set -euo pipefail
old=$1 new=$2
fail() { echo "deb/test (chroot): FAIL: $*" >&2; exit 1; }
pass() { echo "deb/test: ok    $*"; }
packages=(vmnet-broker libvmnet-broker0 libvmnet-broker-dev)
export DEBIAN_FRONTEND=noninteractive

# A previous failed run may have left the packages installed.
dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
snapshot() {
  find / -xdev \( -path /proc -o -path /dev -o -path /mnt -o -path /tmp -o -path /var/log -o -path /var/cache \
    -o -path /var/lib/dpkg -o -path /var/lib/apt \) -prune -o -print | sort
}
snapshot >/tmp/before
[[ -d /run/systemd/system ]] && fail "systemd is running here; this test is about a chroot without it"

installed() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
check_installed() {
  local version=$1
  for p in "${packages[@]}"; do
    [[ "$(installed "$p")" == "$version" ]] || fail "$p is '$(installed "$p")', expected $version"
  done
  getent group vmnet >/dev/null || fail "no vmnet group (sysusers)"
  [[ -d /etc/vmnet-broker.d ]] || fail "no /etc/vmnet-broker.d (tmpfiles)"
  [[ -L /etc/systemd/system/sockets.target.wants/vmnet-broker.socket ]] || fail "vmnet-broker.socket is not enabled"
  [[ ! -e /etc/systemd/system/multi-user.target.wants/vmnet-broker.service ]] ||
    fail "vmnet-broker.service is enabled; it should only be socket-activated"
  [[ "$(vmnet-broker --version)" == "vmnet-broker "* ]] || fail "vmnet-broker --version: $(vmnet-broker --version 2>&1)"
  [[ "$(pkg-config --cflags --libs vmnet-broker)" == *-lvmnet-broker* ]] || fail "pkg-config vmnet-broker"
  [[ -f /usr/include/vmnet-broker.h && -f /usr/share/man/man1/vmnet-broker.1.gz ]] || fail "header or man page missing"
  [[ -f /usr/share/bash-completion/completions/vmnet-broker && -f /usr/share/zsh/vendor-completions/_vmnet-broker ]] ||
    fail "bash or zsh completion missing"
  /usr/libexec/vmnet-broker/vmnet-broker-bridge-helper --help >/dev/null || fail "the bridge helper does not run"
}

dpkg -i /mnt/debs/old/*.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "install of $old"; }
check_installed "$old"
pass "installed $old: group vmnet, /etc/vmnet-broker.d, socket enabled, $(vmnet-broker --version), pkg-config"

dpkg -i /mnt/debs/new/*.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "upgrade to $new"; }
check_installed "$new"
pass "upgraded $old -> $new"

dpkg --purge "${packages[@]}" >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "purge"; }
for p in "${packages[@]}"; do
  [[ -z "$(installed "$p")" ]] || fail "$p still known to dpkg after purge"
done
snapshot >/tmp/after
if ! diff -u /tmp/before /tmp/after >/tmp/diff; then
  cat /tmp/diff >&2
  fail "purge left files behind (+) or removed others (-)"
fi
pass "purged: no file left behind (the vmnet group stays, as Debian leaves system groups)"
