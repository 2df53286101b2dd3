#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the N-API prebuilds that ship in the npm tarballs, so that `npm install`
# needs no compiler on those platforms:
#
#   tools/npm/prebuild.sh            linux-x64 and linux-arm64 (glibc), both packages
#   tools/npm/prebuild.sh --host     this machine's architecture only (the pack test)
#
# prebuilds/<platform>-<arch>/<name>.glibc.node is what node-gyp-build looks for.
# arm64 is cross-compiled with Debian's g++-aarch64-linux-gnu (tools/bootstrap.sh
# installs it). macOS users build from source on install (docs in the package
# READMEs). The host architecture is built last so that build/Release, which the
# local tests load, is left configured for this machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
packages=(packages/client-ts packages/broker-daemon)

# node-gyp compiles against this node's own headers, never a download.
nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[[ -f $nodedir/include/node/node_api.h ]] || {
  echo "prebuild: no node headers under $nodedir/include/node" >&2
  exit 1
}
export npm_config_nodedir="$nodedir"

host="$(node -p process.arch)"
arches=(arm64 x64)
[[ $host == arm64 ]] && arches=(x64 arm64)
[[ ${1:-} == --host ]] && arches=("$host")
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

prebuildify="$root/node_modules/.bin/prebuildify"
for arch in "${arches[@]}"; do
  env=()
  if [[ $arch != "$host" ]]; then
    case $arch in
    arm64) triplet=aarch64-linux-gnu ;;
    x64) triplet=x86_64-linux-gnu ;;
    esac
    command -v "$triplet-g++" >/dev/null || {
      echo "prebuild: $triplet-g++ is missing (apt-get install g++-$triplet)" >&2
      exit 1
    }
    env=(CC="$triplet-gcc" CXX="$triplet-g++" LINK="$triplet-g++" AR="$triplet-ar"
      PREBUILD_STRIP_BIN="$triplet-strip")
  fi
  for pkg in "${packages[@]}"; do
    echo "prebuild: $pkg linux-$arch" >&2
    (cd "$root/$pkg" && env "${env[@]}" "$prebuildify" --napi --strip --tag-libc --arch "$arch") >"$log" 2>&1 || {
      cat "$log" >&2
      exit 1
    }
  done
done
# prebuildify moves the addon out of build/Release, which the local tests and the
# single executable load: link it there again (the host's objects are current).
for pkg in "${packages[@]}"; do
  (cd "$root/$pkg" && "$root/node_modules/.bin/node-gyp" build --silent) >"$log" 2>&1 || {
    cat "$log" >&2
    exit 1
  }
done
for pkg in "${packages[@]}"; do
  find "$root/$pkg/prebuilds" -name '*.node' -printf '%P\n' | sed "s|^|prebuild: $pkg/prebuilds/|" >&2
done
