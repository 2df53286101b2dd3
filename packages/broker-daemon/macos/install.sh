#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs (or upgrades) vmnet-broker as a launchd job: the _vmnetbroker user, the
# executable and its addons under /Library/Application Support/vmnet-broker (with
# uninstall.sh), the log directory, the configuration directory and the job.
# Refuses to upgrade while VMs are connected.
#
#   sudo ./install.sh [--from DIR] [--force]
#
# DIR holds bin/vmnet-broker and its two addons (default: this script's
# directory, as in the release directory made by tools/sea/build.sh on a Mac).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

from="$here" force=no
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="${2:?--from needs a directory}"; shift 2 ;;
    --force) force=yes; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
require_root_on_macos
[ -x "$from/bin/vmnet-broker" ] || die "$from/bin/vmnet-broker is missing (build it with tools/sea/build.sh)"
for addon in vmnet_broker_daemon.node vmnet_broker_socket.node; do
  [ -f "$from/bin/$addon" ] || die "$from/bin/$addon is missing"
done
template="$here/com.github.nirs.vmnet-broker.plist"
[ -f "$template" ] || die "$template is missing"

major="$(sw_vers -productVersion | cut -d. -f1)"
[ "$major" -ge 26 ] || say "warning: macOS $(sw_vers -productVersion): vmnet networks need macOS 26; the broker will answer CREATE_FAILURE"

refuse_while_peers_connected "$force"

# A hidden system user and group with a free id below 500 (the range macOS keeps
# for system accounts), no shell and no home.
free_id() { # free_id <Users|Groups> <attribute>
  local id
  for id in $(seq 250 499); do
    if ! dscl . -list "/$1" "$2" | awk '{print $2}' | grep -qx "$id"; then echo "$id"; return; fi
  done
  die "no free id below 500 for $SERVICE_USER"
}
if ! dscl . -read "/Groups/$SERVICE_USER" >/dev/null 2>&1; then
  gid="$(free_id Groups PrimaryGroupID)"
  say "creating group $SERVICE_USER ($gid)"
  dscl . -create "/Groups/$SERVICE_USER" PrimaryGroupID "$gid"
  dscl . -create "/Groups/$SERVICE_USER" RealName "vmnet-broker"
  dscl . -create "/Groups/$SERVICE_USER" Password '*'
fi
gid="$(dscl . -read "/Groups/$SERVICE_USER" PrimaryGroupID | awk '{print $2}')"
if ! dscl . -read "/Users/$SERVICE_USER" >/dev/null 2>&1; then
  uid="$(free_id Users UniqueID)"
  say "creating user $SERVICE_USER ($uid)"
  dscl . -create "/Users/$SERVICE_USER" UniqueID "$uid"
  dscl . -create "/Users/$SERVICE_USER" PrimaryGroupID "$gid"
  dscl . -create "/Users/$SERVICE_USER" UserShell /usr/bin/false
  dscl . -create "/Users/$SERVICE_USER" NFSHomeDirectory /var/empty
  dscl . -create "/Users/$SERVICE_USER" RealName "vmnet-broker"
  dscl . -create "/Users/$SERVICE_USER" Password '*'
  dscl . -create "/Users/$SERVICE_USER" IsHidden 1
fi

# Stop the old broker only after the peer check above.
if job_loaded; then
  say "stopping the running job for the upgrade"
  launchctl bootout "system/$LABEL" || true
fi

say "installing into $PREFIX"
install -d -o root -g wheel -m 755 "$PREFIX" "$PREFIX/bin"
install -o root -g wheel -m 755 "$from/bin/vmnet-broker" "$PREFIX/bin/vmnet-broker.new"
install -o root -g wheel -m 644 "$from/bin/vmnet_broker_daemon.node" "$PREFIX/bin/vmnet_broker_daemon.node.new"
install -o root -g wheel -m 644 "$from/bin/vmnet_broker_socket.node" "$PREFIX/bin/vmnet_broker_socket.node.new"
mv -f "$PREFIX/bin/vmnet_broker_daemon.node.new" "$PREFIX/bin/vmnet_broker_daemon.node"
mv -f "$PREFIX/bin/vmnet_broker_socket.node.new" "$PREFIX/bin/vmnet_broker_socket.node"
mv -f "$PREFIX/bin/vmnet-broker.new" "$PREFIX/bin/vmnet-broker"
install -o root -g wheel -m 755 "$here/uninstall.sh" "$PREFIX/uninstall.sh"
install -o root -g wheel -m 644 "$here/common.sh" "$PREFIX/common.sh"
if ! codesign -d --entitlements - "$PREFIX/bin/vmnet-broker" 2>/dev/null | grep -q com.apple.security.virtualization; then
  say "warning: $PREFIX/bin/vmnet-broker lacks the com.apple.security.virtualization entitlement; vmnet will refuse it"
fi

install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 755 "$LOG_DIR"
install -d -o root -g wheel -m 755 "$CONFIG_DIR"

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
sed -e "s|@LABEL@|$LABEL|g" -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$SERVICE_USER|g" \
  -e "s|@LOG_DIR@|$LOG_DIR|g" -e "s|@CONFIG_DIR@|$CONFIG_DIR|g" "$template" >"$tmp"
plutil -lint "$tmp" >/dev/null || die "the generated launchd plist does not parse"
install -o root -g wheel -m 644 "$tmp" "$PLIST"

launchctl bootstrap system "$PLIST"
say "installed $("$PREFIX/bin/vmnet-broker" --version) as $LABEL"
say "logs: $LOG_DIR/vmnet-broker.log; state: \"$PREFIX/bin/vmnet-broker\" status; remove: sudo \"$PREFIX/uninstall.sh\""
