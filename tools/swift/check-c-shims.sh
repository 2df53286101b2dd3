#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fails when packages/client-swift/Sources/CVmnetBroker has no shim for a
# packages/client-c library source (or a shim for one that is gone): SwiftPM
# builds client-c only through those one-line shims.
set -euo pipefail
checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
client_c="$checkout/packages/client-c/src"
shims="$checkout/packages/client-swift/Sources/CVmnetBroker"

expected() {
  (cd "$client_c" && ls strerror.c common/*.c linux/*.c darwin/*.c 2>/dev/null)
  echo "gen/vmnet_broker/v1/broker.pb-c.c"
}
actual() {
  (cd "$shims" && grep -ho '#include "\(\.\./\)\?client-c/src/[^"]*"' -- *.c common/*.c linux/*.c darwin/*.c) |
    sed -E 's|#include "(\.\./)?client-c/src/||; s|"$||'
}
diff_out="$(diff <(expected | sort) <(actual | sort))" || {
  echo "check-c-shims: client-c sources (<) and CVmnetBroker shims (>) differ:" >&2
  echo "$diff_out" >&2
  echo "Add or remove a shim in $shims (linux/ or darwin/, guarded by the platform macro)." >&2
  exit 1
}
echo "check-c-shims: $(expected | wc -l) client-c sources, all shimmed"
