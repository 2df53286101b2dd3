# SPDX-License-Identifier: Apache-2.0
# Shared by install.sh and uninstall.sh (sourced, not run). macOS only.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings below are used by the scripts that source this

LABEL="${VMNET_BROKER_LABEL:-com.github.nirs.vmnet-broker}"
SERVICE_USER=_vmnetbroker
# The existing vmnet-broker's location, so this one installs over it in place.
PREFIX="${VMNET_BROKER_PREFIX:-/Library/Application Support/vmnet-broker}"
LOG_DIR=/Library/Logs/vmnet-broker
CONFIG_DIR=/etc/vmnet-broker.d
PLIST="/Library/LaunchDaemons/$LABEL.plist"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "$(basename "$0"): $*"; }

require_root_on_macos() {
  [ "$(uname -s)" = Darwin ] || die "this installs a launchd job: run it on macOS"
  [ "$(id -u)" = 0 ] || die "run as root (sudo $0)"
}

job_loaded() { launchctl print "system/$LABEL" >/dev/null 2>&1; }

# Number of peers holding networks (VMs), from the running broker; 0 when the job
# is not loaded. A peer holding none (this status request itself, whether or not
# the broker lists the asker) loses nothing when the broker stops, so it is not
# counted. Asking a loaded job starts the broker if it was idle, which is harmless.
connected_peers() {
  job_loaded || { echo 0; return; }
  local json peers i networks holders=0
  json="$("$PREFIX/bin/vmnet-broker" status --json 2>/dev/null)" || { echo unknown; return; }
  # plutil reads JSON; "raw" of an array prints its element count.
  peers="$(extract_raw "$json" peers)" || { echo unknown; return; }
  for ((i = 0; i < peers; i++)); do
    networks="$(extract_raw "$json" "peers.$i.networks")" || { echo unknown; return; }
    if [ "$networks" -gt 0 ]; then holders=$((holders + 1)); fi
  done
  echo "$holders"
}

# extract_raw <json> <keypath>: a count or a number, or fails.
extract_raw() {
  local value
  value="$(printf '%s' "$1" | plutil -extract "$2" raw -o - - 2>/dev/null)" || return 1
  [[ "$value" =~ ^[0-9]+$ ]] || return 1
  echo "$value"
}

# Refuses while VMs are connected: stopping the broker would cut their networks.
refuse_while_peers_connected() {
  local force="$1" peers
  peers="$(connected_peers)"
  if [ "$peers" = 0 ]; then return; fi
  if [ "$force" = yes ]; then
    say "warning: continuing with $peers connected peer(s) (--force); their VMs lose their networks"
    return
  fi
  if [ "$peers" = unknown ]; then
    die "cannot tell whether VMs are connected ('$PREFIX/bin/vmnet-broker status --json' failed); stop your VMs, or use --force"
  fi
  die "$peers VM connection(s) are using the broker; stop those VMs first (see: $PREFIX/bin/vmnet-broker status), or use --force"
}
