#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration tests against a live broker.
#   bash test/run-live.sh <test binary> [<conformance binary>]
# With VMNET_BROKER_SOCKET set: runs against that broker (never kills it).
# Else, when packages/broker-daemon/dist/cli/main.js is built: starts a fresh
# broker for the run (it sandboxes itself in a private network namespace),
# runs the tests, lets test_live kill it to check "broker gone", and removes
# everything it started. Else: reports SKIPPED (no broker to test against).
# TEST_WRAPPER (e.g. valgrind ...) prefixes the test binaries.
set -euo pipefail
test_bin=$1
conformance_bin=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
daemon="$here/../broker-daemon/dist/cli/main.js"
wrapper=${TEST_WRAPPER:-}

run_conformance_smoke() {
    [ -n "$conformance_bin" ] || return 0
    local out
    out=$(printf '%s\n' '{"op":"connect"}' '{"op":"hello"}' '{"op":"acquire","network":"shared"}' \
        '{"op":"acquire","network":"no-such-network"}' '{"op":"open_tap","network":"shared","vnet_header":false,"queues":1}' \
        '{"op":"tap_probe"}' '{"op":"pipeline","network":"shared","count":5}' '{"op":"status"}' '{"op":"close"}' |
        $wrapper "$conformance_bin")
    echo "$out" | sed 's/^/  conformance: /'
    local lines oks
    lines=$(echo "$out" | wc -l)
    oks=$(echo "$out" | grep -c '"ok": true' || true)
    if [ "$lines" -ne 9 ] || [ "$oks" -ne 8 ] || ! echo "$out" | sed -n 4p | grep -q '"code": 5'; then
        echo "conformance smoke: expected 9 results, 8 ok and NOT_FOUND (5) for the unknown network" >&2
        return 1
    fi
}

if [ -n "${VMNET_BROKER_SOCKET:-}" ]; then
    echo "test-live: against the broker at $VMNET_BROKER_SOCKET"
    BROKER_PID= $wrapper "$test_bin"
    run_conformance_smoke
    exit 0
fi
if [ ! -f "$daemon" ]; then
    echo "test-live: SKIPPED: no broker ($daemon not built, VMNET_BROKER_SOCKET not set)"
    exit 0
fi

tmp=$(mktemp -d /tmp/vb-client-c-live.XXXXXX)
broker_pid=
cleanup() {
    if [ -n "$broker_pid" ]; then
        # The broker leads its own process group (setsid); its sandbox's
        # dnsmasq guards die with it (parent-death signal, docs/sandbox.md).
        kill -KILL -- "-$broker_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

start_broker() {
    mkdir -p "$tmp/conf" "$tmp/run"
    rm -f "$tmp/broker.sock"
    # Started from a subshell so that this shell does not report its SIGKILL
    # (test_live kills it on purpose).
    broker_pid=$(
        setsid node "$daemon" serve --socket "$tmp/broker.sock" --config-dir "$tmp/conf" --runtime-dir "$tmp/run" \
            --idle-delay-ms 500 >/dev/null 2>>"$tmp/broker.log" &
        echo $!
    )
    export VMNET_BROKER_SOCKET="$tmp/broker.sock"
    for _ in $(seq 1 200); do
        if [ -S "$tmp/broker.sock" ] && [ -n "$conformance_bin" ] &&
            echo '{"op":"connect"}' | "$conformance_bin" 2>/dev/null | grep -q '"ok": true'; then
            return 0
        fi
        if ! kill -0 "$broker_pid" 2>/dev/null; then
            echo "test-live: the broker exited; its log:" >&2
            cat "$tmp/broker.log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "test-live: the broker did not accept on $tmp/broker.sock; its log:" >&2
    cat "$tmp/broker.log" >&2
    return 1
}

start_broker
run_conformance_smoke
if ! BROKER_PID=$broker_pid $wrapper "$test_bin"; then
    echo "test-live: FAILED; broker log:" >&2
    tail -n 50 "$tmp/broker.log" >&2
    exit 1
fi
