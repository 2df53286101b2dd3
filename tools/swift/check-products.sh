#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Swift packages' public products: the VmnetBroker library only (plus the
# example and conformance executables of packages/client-swift). The generated
# VmnetBrokerProto module is for the tests, never a product.
set -euo pipefail
checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
products() {
  "$checkout/tools/swift/chroot.sh" run -- swift package --package-path "$1" dump-package |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
      console.log(JSON.parse(s).products.map((p) => p.name).sort().join(" ")))'
}
status=0
check() {
  local got
  got="$(products "$1")"
  if [[ $got != "$2" ]]; then
    echo "check-products: $1 has products '$got', expected '$2'" >&2
    status=1
  fi
}
check "$checkout" "VmnetBroker"
check "$checkout/packages/client-swift" "VmnetBroker vmnet-broker-swift-conformance vmnet-broker-swift-example"
[[ $status == 0 ]] && echo "check-products: VmnetBroker is the only library product"
exit "$status"
