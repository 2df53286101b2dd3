#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shared library's ABI, held to src/exports.map and to the public header:
#   - every exported symbol carries the version of the map node that lists it;
#   - the map lists exactly the functions the header declares (Linux);
#   - every function the header's macOS half declares is in the map (the macOS
#     build exports the map's names: -exported_symbols_list).
#   bash test/check-symbols.sh <libvmnet-broker.so> [cc]
set -euo pipefail
lib=$1
cc=${2:-cc}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name@@NODE for every symbol in the map.
awk '/^VMNET_BROKER_[0-9.]+ \{/ { node = $1 } node && /^ +vmnet_broker_[a-z0-9_]+;/ { sub(/;/, "", $1); print $1 "@@" node }' \
    "$here/src/exports.map" | sort >"$tmp/map"
# The same from the library (defined, global, not the version nodes' ABS entries).
readelf --dyn-syms -W "$lib" | awk '$5 == "GLOBAL" && $7 != "UND" && $7 != "ABS" { print $8 }' | sort >"$tmp/lib"
# The functions the header declares.
"$cc" -E -P -x c "$here/include/vmnet-broker.h" | grep -o 'vmnet_broker_[a-z0-9_]*(' | tr -d '(' | sort -u >"$tmp/header"

status=0
if ! diff -u "$tmp/map" "$tmp/lib" >"$tmp/diff"; then
    echo "check-symbols: $lib does not export what src/exports.map says (- map, + library):" >&2
    cat "$tmp/diff" >&2
    status=1
fi
if ! diff -u "$tmp/header" <(sed 's/@@.*//' "$tmp/map") >"$tmp/diff"; then
    echo "check-symbols: include/vmnet-broker.h and src/exports.map disagree (- header, + map):" >&2
    cat "$tmp/diff" >&2
    status=1
fi
stubs="$here/../../tools/darwin-stubs/include"
if [ -d "$stubs" ]; then
    "$cc" -E -P -x c -D__APPLE__ -isystem "$stubs" "$here/include/vmnet-broker.h" | grep -o 'vmnet_broker_[a-z0-9_]*(' |
        tr -d '(' | sort -u >"$tmp/darwin"
    if ! comm -23 "$tmp/darwin" <(sed 's/@@.*//' "$tmp/map") >"$tmp/missing" || [ -s "$tmp/missing" ]; then
        echo "check-symbols: the header's macOS half declares functions src/exports.map lacks:" >&2
        cat "$tmp/missing" >&2
        status=1
    fi
fi
[ "$status" = 0 ] && echo "check-symbols: $(wc -l <"$tmp/map") symbols, each in its version node, as the header declares (macOS: $(wc -l <"$tmp/darwin" 2>/dev/null || echo 0) of them)"
exit "$status"
