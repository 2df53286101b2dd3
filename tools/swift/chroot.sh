#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Debian trixie chroot with Swift 6 (swiftlang), for building and testing
# packages/client-swift on Debian 12 hosts, which package no Swift.
#
#   tools/swift/chroot.sh build
#       create the chroot once (cached; rebuilt if a previous build was
#       interrupted or the package list changed).
#   tools/swift/chroot.sh run [<dir-to-bind>...] -- <command> [args...]
#       build if needed, then run <command> inside the chroot, in the current
#       directory, with /proc, /dev, the checkout and every <dir-to-bind> mounted
#       at the same paths as outside. Mounts live in a private mount namespace
#       and are unmounted on exit, failure or interruption.
#
# Environment: VMNET_BROKER_SWIFT_CHROOT overrides the cache directory.
# The Debian mirror is read from the host's apt sources, never from this repo.
set -euo pipefail

cache_dir="${VMNET_BROKER_SWIFT_CHROOT:-/var/cache/vmnet-broker/swift-trixie}"
root="$cache_dir/root"
lock_file="$cache_dir.lock"
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
checkout="$(cd "$(dirname "$self")/../.." && pwd)"
# Changing this list makes the next run install the packages again.
packages=(swiftlang libc6-dev libstdc++-14-dev libprotobuf-c-dev)
packages_stamp="$cache_dir/packages.stamp"
bootstrap_stamp="$cache_dir/bootstrap.stamp"

die() {
  echo "chroot.sh: $*" >&2
  exit 1
}

host_mirror() {
  local sources=/etc/apt/sources.list.d/debian.sources uri
  [[ -r $sources ]] || die "cannot read $sources to find the Debian mirror"
  # The first URIs: line is the main archive (the security archive comes later).
  uri="$(awk '/^URIs:/ { print $2; exit }' "$sources")"
  [[ -n $uri ]] || die "no 'URIs:' line in $sources"
  printf '%s\n' "$uri"
}

# Runs "$@" inside the chroot with /proc and /dev mounted, in a private mount
# namespace so nothing leaks to the host even on kill -9.
in_chroot_ns() {
  unshare --mount --propagation private -- "$self" __inner "$@"
}

build_locked() {
  mkdir -p "$cache_dir"
  if [[ ! -f $bootstrap_stamp ]]; then
    echo "chroot.sh: debootstrap trixie into $root (takes a few minutes)" >&2
    # --one-file-system: never descend into anything still mounted below it.
    rm -rf --one-file-system "$root" "$packages_stamp"
    command -v debootstrap >/dev/null || die "debootstrap not installed (apt-get install debootstrap)"
    # In a private mount namespace, so the mounts debootstrap makes inside the
    # target vanish with it even if it is interrupted.
    unshare --mount --propagation private -- \
      debootstrap --variant=minbase trixie "$root" "$(host_mirror)" >&2 ||
      die "debootstrap trixie into $root failed"
    date -u +%FT%TZ >"$bootstrap_stamp"
  fi
  local wanted="${packages[*]}"
  if [[ ! -f $packages_stamp || "$(cat "$packages_stamp")" != "$wanted" ]]; then
    echo "chroot.sh: installing into the chroot: $wanted" >&2
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # dpkg --configure -a finishes an install that an earlier run left half done.
    in_chroot_ns -- /bin/sh -c "export DEBIAN_FRONTEND=noninteractive && dpkg --configure -a && apt-get update &&
      apt-get install -y --no-install-recommends $wanted && apt-get clean" >&2 ||
      die "apt-get install $wanted in $root failed"
    printf '%s' "$wanted" >"$packages_stamp"
  fi
}

build() {
  mkdir -p "$(dirname "$lock_file")"
  # One builder at a time; a second caller waits, then finds the stamps.
  exec 9>"$lock_file"
  flock 9
  build_locked
  flock -u 9
  exec 9>&-
}

# Mount points made by `inner`, unmounted in reverse order on any exit.
mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[i]}" 2>/dev/null || true
  done
  mounted=()
}

# Inner half of `run`: already in a private mount namespace.
inner() {
  local binds=()
  while (($#)) && [[ $1 != -- ]]; do
    binds+=("$1")
    shift
  done
  [[ ${1:-} == -- ]] || die "usage: chroot.sh run [<dir-to-bind>...] -- <command>"
  shift
  (($#)) || die "no command given after --"

  trap unmount_all EXIT
  trap 'exit 130' INT TERM HUP

  mount -t proc proc "$root/proc" || die "mount proc on $root/proc failed"
  mounted+=("$root/proc")
  # rbind brings /dev/pts along, which apt and terminals want.
  mount --rbind /dev "$root/dev" || die "bind mount /dev on $root/dev failed"
  mounted+=("$root/dev")
  local dir
  for dir in "$checkout" "${binds[@]}"; do
    [[ -d $dir ]] || die "cannot bind $dir: not a directory"
    dir="$(cd "$dir" && pwd -P)"
    mkdir -p "$root$dir"
    mount --bind "$dir" "$root$dir" || die "bind mount $dir on $root$dir failed"
    mounted+=("$root$dir")
  done

  local cwd="$PWD"
  [[ -d $root$cwd ]] || cwd=/
  # A clean environment, plus the broker variables the tests and programs read.
  local env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 "TERM=${TERM:-dumb}")
  local name
  for name in VMNET_BROKER_SOCKET VMNET_BROKER_TEST_DIR; do
    [[ -n ${!name:-} ]] && env+=("$name=${!name}")
  done
  # The command runs as a child so this shell can unmount afterwards. It gets
  # SIGKILL if this shell dies (pdeathsig), so `kill -9` of the pid a caller
  # holds ends the command too (conformance runners rely on that). It runs in
  # the background, with stdin passed on explicitly, so that a signal to this
  # shell is handled at once instead of after the command ends.
  local status=0 child
  setpriv --pdeathsig KILL chroot "$root" /usr/bin/env -i "${env[@]}" \
    /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$cwd" "$@" <&0 &
  child=$!
  trap 'kill -TERM "$child" 2>/dev/null; exit 130' INT TERM HUP
  wait "$child" || status=$?
  return "$status"
}

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and mounts need it)"

case "${1:-}" in
build)
  build
  ;;
run)
  shift
  build
  # exec: the caller's pid becomes the namespace's shell (see `inner`).
  exec unshare --mount --propagation private -- "$self" __inner "$@"
  ;;
__inner)
  shift
  inner "$@"
  ;;
*)
  die "usage: chroot.sh build | chroot.sh run [<dir-to-bind>...] -- <command>"
  ;;
esac
