#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the test addon (the real xpc_value.cc and vmnet_options.cc + the fake
# libxpc) with AddressSanitizer and runs test.mjs under Node. Called by
# tools/darwin-check.sh; exit status 0 when every test passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
native="$root/packages/broker-daemon/native/src"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

asan_flags=()
asan_runtime="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
if [ -f "$asan_runtime" ]; then asan_flags=(-fsanitize=address -fno-omit-frame-pointer); fi

# The C client's macOS half (packages/client-c), as C, for client-c.test.ts:
# the acquire-only client, the XPC sessions, and what they share with Linux.
client_c="$root/packages/client-c"
client_objs=()
for src in "$client_c"/src/darwin/*.c "$client_c"/src/common/*.c "$client_c"/src/strerror.c \
  "$client_c"/src/gen/vmnet_broker/v1/broker.pb-c.c; do
  obj="$out/client-$(basename "$src" .c).o"
  clang -std=c11 -c -fPIC -fblocks -g -Wall -Wextra -Werror "${asan_flags[@]}" -D__APPLE__ \
    -I"$here/../include" -I"$client_c/include" -I"$client_c/src/gen" -I"$client_c/src/common" \
    -I"$client_c/src/darwin" "$src" -o "$obj"
  client_objs+=("$obj")
done

clang++ -std=c++17 -shared -fPIC -fblocks -g -Wall -Wextra -Werror "${asan_flags[@]}" \
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS -fexceptions \
  -I"$here/../include" -I"$root/node_modules/node-addon-api" -I/usr/include/node -I"$native" -I"$client_c/include" \
  "$here/fake_xpc.cc" "$here/fake_xpc_connection.cc" "$here/fake_dispatch.cc" "$here/test_addon.cc" \
  "$native/darwin/xpc_value.cc" "$native/darwin/vmnet_options.cc" "$native/darwin/xpc_listener.cc" \
  "$native/darwin/xpc_client.cc" "$here/fake_vmnet.cc" "$native/darwin/vmnet_network.cc" "${client_objs[@]}" \
  -o "$out/fake_xpc_test.node" -lBlocksRuntime -lpthread -lprotobuf-c

export FAKE_XPC_ADDON="$out/fake_xpc_test.node"
if [ ${#asan_flags[@]} -gt 0 ]; then
  # Node's own allocations are not ours to judge: leak detection off, errors on.
  export LD_PRELOAD="$asan_runtime" ASAN_OPTIONS=detect_leaks=0
fi
node --expose-gc --test "$here/test.mjs"
# The listener under the real transport and core (TypeScript, so through vitest).
(cd "$root" && node_modules/.bin/vitest run --root "$here" --config "$here/vitest.config.ts")
