#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the systemd files in this directory, offline (run by `nx run
# broker-daemon:lint`): the service's exposure score stays at or below the limit,
# the units load without a single warning, and sysusers/tmpfiles create what the
# socket unit expects.
set -euo pipefail

MAX_EXPOSURE=4.5
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v systemd-analyze >/dev/null; then
  echo "check-units: SKIPPED, systemd-analyze is not installed" >&2
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "check-units: $*" >&2
  exit 1
}

# 1. The exposure score, from the last line: "→ Overall exposure level for X: 3.6 OK".
report="$(systemd-analyze security --offline=true --no-pager "$here/vmnet-broker.service" 2>&1)" ||
  fail "systemd-analyze security failed: $report"
score="$(sed -n 's/.*Overall exposure level for vmnet-broker\.service: \([0-9.]*\).*/\1/p' <<<"$report")"
[[ -n "$score" ]] || fail "no exposure level in the output of systemd-analyze security: $report"
awk -v s="$score" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(s <= max) }' ||
  fail "vmnet-broker.service exposure is $score, above $MAX_EXPOSURE:
$(grep '✗' <<<"$report")"

# 2. verify: it exits 0 on unknown keys and bad values, so any output fails.
# ExecStart must name an executable that exists: point it at a stub.
printf '#!/bin/sh\n' >"$work/vmnet-broker"
chmod +x "$work/vmnet-broker"
sed "s#/usr/bin/vmnet-broker#$work/vmnet-broker#" "$here/vmnet-broker.service" >"$work/vmnet-broker.service"
cp "$here/vmnet-broker.socket" "$work/"
warnings="$(systemd-analyze verify --man=no "$work/vmnet-broker.service" "$work/vmnet-broker.socket" 2>&1)" ||
  fail "systemd-analyze verify failed: $warnings"
[[ -z "$warnings" ]] || fail "systemd-analyze verify warns: $warnings"

# 3. sysusers creates the socket's group as a system group; tmpfiles the runtime
# directory, searchable by the group's members.
group="$(sed -n 's/^SocketGroup=//p' "$here/vmnet-broker.socket")"
mkdir -p "$work/root/etc"
systemd-sysusers --root="$work/root" "$here/vmnet-broker.sysusers" 2>/dev/null
gid="$(awk -F: -v g="$group" '$1 == g { print $3 }' "$work/root/etc/group")"
[[ -n "$gid" && "$gid" -lt 1000 ]] || fail "vmnet-broker.sysusers does not create the system group '$group'"
systemd-tmpfiles --root="$work/root" --create "$here/vmnet-broker.tmpfiles"
mode="$(stat -c '%a %U:%G' "$work/root/run/vmnet-broker")"
[[ "$mode" == "755 root:root" ]] || fail "vmnet-broker.tmpfiles makes /run/vmnet-broker $mode, not 755 root:root"

echo "check-units: vmnet-broker.service exposure $score (limit $MAX_EXPOSURE); units, sysusers and tmpfiles OK"
