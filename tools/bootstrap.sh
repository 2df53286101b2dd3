#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs everything the project needs on a fresh Debian 12 machine, and nothing
# twice: Debian packages, npm packages, Go modules and generator plugins.
# (The Swift chroot and the Debian-package test chroot are built on first use by
# tools/swift/chroot.sh and tools/deb/chroot.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  iproute2 nftables dnsmasq-base iputils-ping busybox # the Linux backend and its tests
  util-linux                                          # unshare, nsenter: the sandbox
  protobuf-c-compiler libprotobuf-c-dev pkg-config    # the C codec and client
  clang clang-format libblocksruntime-dev shellcheck  # C checks, darwin syntax checks, scripts
  libclang-rt-14-dev valgrind                         # sanitizers, libFuzzer, leak checks
  debootstrap                                         # the Swift and Debian-package chroots
  debhelper lintian                                   # the Debian packages (tools/deb)
  g++-aarch64-linux-gnu binutils-aarch64-linux-gnu    # linux-arm64 npm prebuilds (tools/npm)
  iperf3 slirp4netns                                  # the data-plane benchmark (bench/dataplane.mjs)
  wireguard-go wireguard-tools                        # the encrypted multi-host test (userspace WireGuard)
  qemu-system-x86                                     # the VM-tool tests (tools/guest boots under TCG)
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients # ... and libvirt's session mode
)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Go: modules and the protoc-gen-go plugin at the version pinned by client-go's go.mod.
(cd packages/client-go && go mod download google.golang.org/protobuf)
if [ ! -x tools/bin/protoc-gen-go ]; then
  echo "bootstrap: installing protoc-gen-go"
  (cd packages/client-go && GOBIN="$PWD/../../tools/bin" go install google.golang.org/protobuf/cmd/protoc-gen-go)
fi
echo "bootstrap: ready"
