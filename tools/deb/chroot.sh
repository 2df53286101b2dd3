#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A Debian bookworm chroot for testing the Debian packages as an admin installs
# them (tools/deb/test.sh). systemd is installed but, as in any chroot, not
# running: the packages' maintainer scripts must cope with that.
#
#   tools/deb/chroot.sh build                      create it once (cached)
#   tools/deb/chroot.sh run <dir> -- <cmd> [args]  run <cmd> in it as root, with
#                                                  <dir> mounted at /mnt/debs
#
# Environment: VMNET_BROKER_DEB_CHROOT overrides the cache directory.
# The Debian mirror is the host's (its apt sources), never one from this repo.
set -euo pipefail

cache_dir="${VMNET_BROKER_DEB_CHROOT:-/var/cache/vmnet-broker/deb-bookworm}"
root="$cache_dir/root"
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# What the packages depend on, installed once so that tests need no network;
# changing the list installs again.
packages=(systemd dnsmasq-base iproute2 nftables libprotobuf-c1 libprotobuf-c-dev pkgconf)
bootstrap_stamp="$cache_dir/bootstrap.stamp"
packages_stamp="$cache_dir/packages.stamp"

die() {
  echo "deb/chroot.sh: $*" >&2
  exit 1
}

host_mirror() {
  local sources=/etc/apt/sources.list.d/debian.sources uri
  [[ -r $sources ]] || die "cannot read $sources to find the Debian mirror"
  uri="$(awk '/^URIs:/ { print $2; exit }' "$sources")"
  [[ -n $uri ]] || die "no 'URIs:' line in $sources"
  printf '%s\n' "$uri"
}

build_locked() {
  mkdir -p "$cache_dir"
  if [[ ! -f $bootstrap_stamp ]]; then
    echo "deb/chroot.sh: debootstrap bookworm into $root (takes a few minutes)" >&2
    rm -rf --one-file-system "$root" "$packages_stamp"
    command -v debootstrap >/dev/null || die "debootstrap not installed"
    unshare --mount --propagation private -- \
      debootstrap --variant=minbase bookworm "$root" "$(host_mirror)" >&2 || die "debootstrap failed"
    date -u +%FT%TZ >"$bootstrap_stamp"
  fi
  local wanted="${packages[*]}"
  if [[ ! -f $packages_stamp || "$(cat "$packages_stamp")" != "$wanted" ]]; then
    echo "deb/chroot.sh: installing into the chroot: $wanted" >&2
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    "$self" run "$cache_dir" -- /bin/sh -c "export DEBIAN_FRONTEND=noninteractive && dpkg --configure -a &&
      apt-get update -qq && apt-get install -y -qq --no-install-recommends $wanted && apt-get clean" >&2 ||
      die "apt-get install $wanted failed"
    printf '%s' "$wanted" >"$packages_stamp"
  fi
}

build() {
  exec 9>"$cache_dir.lock"
  flock 9
  build_locked
  flock -u 9
  exec 9>&-
}

# In a private mount namespace: the mounts vanish with it, even on kill -9.
inner() {
  local dir=$1
  shift
  [[ ${1:-} == -- ]] || die "usage: chroot.sh run <dir> -- <command>"
  shift
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mkdir -p "$root/mnt/debs"
  mount --bind "$dir" "$root/mnt/debs"
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and mounts need it)"
case "${1:-}" in
build) mkdir -p "$(dirname "$cache_dir")" && build ;;
run)
  shift
  [[ -f $bootstrap_stamp ]] || die "no chroot yet: run chroot.sh build"
  exec unshare --mount --propagation private -- "$self" __inner "$@"
  ;;
__inner) shift && inner "$@" ;;
*) die "usage: chroot.sh build | chroot.sh run <dir> -- <command> [args...]" ;;
esac
