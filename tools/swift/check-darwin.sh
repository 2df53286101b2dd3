#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Type-checks client-swift's macOS-only Swift code on Linux, where no macOS SDK
# exists: the `#if os(macOS)` branches are switched on (and the Linux ones off)
# in a scratch copy, XPC and the C client's header come from the
# declaration-only stubs in tools/darwin-stubs, and `swiftc -typecheck` runs in
# the Swift chroot. A check of names and types only; nothing is built or run.
set -euo pipefail
checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stubs="$checkout/tools/darwin-stubs/include"
header="$checkout/packages/client-c/include/vmnet-broker.h"
sources="$checkout/packages/client-swift/Sources/VmnetBroker"
work="$(mktemp -d /tmp/vmnet-broker-swift-darwin.XXXXXX)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/cxpc" "$work/cvmnet" "$work/modules" "$work/src"
# The stub XPC header as a clang module, re-exported by a Swift module named
# XPC so that `import XPC` resolves as on macOS.
printf 'module CXPCStub [system] {\n  header "%s"\n  export *\n}\n' "$stubs/xpc/xpc.h" >"$work/cxpc/module.modulemap"
printf '@_exported import CXPCStub\n' >"$work/XPC.swift"
# The C client's header in its macOS shape: __APPLE__ is defined for it alone
# (defined globally, Swift's own Linux dispatch module would not build).
printf '#define __APPLE__ 1\n#include "%s"\n' "$header" >"$work/cvmnet/darwin-vmnet-broker.h"
printf 'module CVmnetBroker {\n  header "darwin-vmnet-broker.h"\n  export *\n}\n' >"$work/cvmnet/module.modulemap"

# macOS branches on, Linux branches off.
for file in "$sources"/*.swift "$sources"/Darwin/*.swift; do
  sed -e 's/^\( *\)#if os(macOS)/\1#if true/' -e 's/^\( *\)#if os(Linux)/\1#if false/' \
    "$file" >"$work/src/$(basename "$file")"
done

clang_flags=(-Xcc -fblocks -Xcc -isystem -Xcc "$stubs")
"$checkout/tools/swift/chroot.sh" run "$work" -- /bin/sh -c '
  set -e
  work=$1; shift
  cd "$work"
  swiftc -emit-module -module-name XPC -parse-as-library -I cxpc "$@" XPC.swift \
    -emit-module-path modules/XPC.swiftmodule
  swiftc -typecheck -swift-version 6 -module-name VmnetBroker -I modules -I cxpc -I cvmnet "$@" src/*.swift
' sh "$work" "${clang_flags[@]}"
echo "check-darwin: client-swift macOS code type-checks against tools/darwin-stubs"
