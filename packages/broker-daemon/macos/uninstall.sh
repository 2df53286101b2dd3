#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Removes vmnet-broker: the launchd job, /Library/Application Support/vmnet-broker,
# the logs and the _vmnetbroker user and group. Refuses while VMs are connected.
# The configuration in /etc/vmnet-broker.d stays unless --purge.
#
#   sudo ./uninstall.sh [--force] [--purge]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

force=no purge=no
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=yes; shift ;;
    --purge) purge=yes; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
require_root_on_macos
refuse_while_peers_connected "$force"

if job_loaded; then
  say "stopping $LABEL"
  launchctl bootout "system/$LABEL" || true
fi
rm -f "$PLIST"
rm -rf "$PREFIX" "$LOG_DIR"
if [ "$purge" = yes ]; then rm -rf "$CONFIG_DIR"; fi
if dscl . -read "/Users/$SERVICE_USER" >/dev/null 2>&1; then dscl . -delete "/Users/$SERVICE_USER"; fi
if dscl . -read "/Groups/$SERVICE_USER" >/dev/null 2>&1; then dscl . -delete "/Groups/$SERVICE_USER"; fi
say "removed vmnet-broker$([ "$purge" = yes ] && echo " and $CONFIG_DIR" || echo "; kept $CONFIG_DIR")"
