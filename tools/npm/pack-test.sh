#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The npm packages as a new user gets them: packs @vmnet-broker/client and
# @vmnet-broker/daemon, installs the tarballs into scratch projects outside the
# repository (their dependencies from the npm registry), and checks that
#   - they install with no compiler on PATH (from the prebuilds),
#   - they install from source with --build-from-source (node-addon-api is a dependency),
#   - ESM import and CommonJS require() work, and tsc typechecks a consumer,
#   - `npx -p @vmnet-broker/daemon vmnet-broker` runs the installed daemon, whose
#     bin is the bundle (dist/vmnet-broker.mjs),
#   - a sandboxed broker (`serve` without --host) started from the installed
#     daemon hands a network and a TAP to the installed client,
#   - without any addon, import still works and first use names what is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tools/npm"
host_arch="$(node -p process.arch)"

work="$(mktemp -d /tmp/vmnet-broker-pack-test.XXXXXX)"
broker_pid=""
cleanup() {
  status=$?
  if [[ -n $broker_pid ]]; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    sleep 0.2
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  if [[ $status != 0 && -f $work/broker.log ]]; then sed 's/^/  broker: /' "$work/broker.log" >&2; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
fail() { echo "npm/pack-test: FAIL: $*" >&2; exit 1; }
pass() { echo "npm/pack-test: ok    $*"; }
quiet=(--no-audit --no-fund --loglevel=error)

# Prebuilds for this machine, rebuilt when the addon sources are newer.
for pkg in client-ts broker-daemon; do
  dir="$root/packages/$pkg"
  built=("$dir/prebuilds/linux-$host_arch"/*.node)
  if [[ ! -f ${built[0]} ]] || [[ -n "$(find "$dir/native" "$dir/binding.gyp" -newer "${built[0]}" -print -quit)" ]]; then
    "$here/prebuild.sh" --host
    break
  fi
done

mkdir "$work/tarballs"
for pkg in client-ts broker-daemon; do
  (cd "$root/packages/$pkg" && npm pack --pack-destination "$work/tarballs" "${quiet[@]}" >/dev/null)
done
client_tgz=("$work"/tarballs/vmnet-broker-client-*.tgz)
daemon_tgz=("$work"/tarballs/vmnet-broker-daemon-*.tgz)
for tgz in "${client_tgz[0]}" "${daemon_tgz[0]}"; do
  list="$(tar -tzf "$tgz")"
  for want in package/LICENSE package/binding.gyp "package/prebuilds/linux-x64/" "package/prebuilds/linux-$host_arch/"; do
    grep -q "^$want" <<<"$list" || fail "$(basename "$tgz") lacks $want"
  done
  if grep -E '\.test\.|/build/' <<<"$list"; then fail "$(basename "$tgz") carries tests or a local build"; fi
done
pass "packed $(basename "${client_tgz[0]}") and $(basename "${daemon_tgz[0]}"): LICENSE, sources, prebuilds"

# A PATH with node, npm and sh (npm runs scripts with it) and no compiler, make or
# python: node-gyp cannot run.
mkdir "$work/nocc"
for tool in node npm npx sh; do ln -s "$(command -v "$tool")" "$work/nocc/$tool"; done
nocc_path="$work/nocc:/nonexistent"
for tool in cc gcc g++ c++ clang make python3; do
  if PATH=$nocc_path command -v "$tool" >/dev/null; then fail "$tool is reachable on the no-compiler PATH"; fi
done

app="$work/app"
mkdir "$app"
cp "$here"/consumer/* "$app/"
echo '{ "name": "scratch-app", "private": true }' >"$app/package.json"
(cd "$app" && PATH=$nocc_path npm install "${quiet[@]}" "${client_tgz[0]}" "${daemon_tgz[0]}" @types/node@20 >/dev/null) ||
  fail "npm install of the tarballs without a compiler"
for pkg in client daemon; do
  [[ ! -e $app/node_modules/@vmnet-broker/$pkg/build ]] || fail "@vmnet-broker/$pkg was compiled, not taken from its prebuild"
done
pass "installed both tarballs with no compiler on PATH"

(cd "$app" && node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json) || fail "tsc on the consumer (.mts and .cts)"
pass "tsc typechecks an ESM and a CommonJS consumer against the installed types"

version="$(cd "$app" && npx --offline -p @vmnet-broker/daemon vmnet-broker --version)" || fail "npx -p @vmnet-broker/daemon vmnet-broker"
[[ $version == "vmnet-broker $(node -p "require('$app/node_modules/@vmnet-broker/daemon/package.json').version")" ]] ||
  fail "npx -p @vmnet-broker/daemon vmnet-broker --version printed '$version'"
pass "npx -p @vmnet-broker/daemon vmnet-broker --version: $version"
bin="$(readlink -f "$app/node_modules/.bin/vmnet-broker")"
[[ $bin == "$(readlink -f "$app")/node_modules/@vmnet-broker/daemon/dist/vmnet-broker.mjs" ]] ||
  fail "the installed vmnet-broker is $bin, not the bundle dist/vmnet-broker.mjs"
help="$(cd "$app" && node_modules/.bin/vmnet-broker --help)" || fail "vmnet-broker --help"
[[ $help == *"Usage: vmnet-broker"* ]] || fail "vmnet-broker --help printed '${help:0:80}'"
pass "the installed vmnet-broker is the bundle (dist/vmnet-broker.mjs); --help runs"

# The installed daemon, sandboxed: a private network namespace of its own.
export VMNET_BROKER_SOCKET="$work/broker.sock"
(cd "$app" && exec node_modules/.bin/vmnet-broker serve --socket "$VMNET_BROKER_SOCKET" --config-dir "$work/conf" \
  --runtime-dir "$work/run" --idle-delay-ms 60000) 2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 100); do [[ -S $VMNET_BROKER_SOCKET ]] && break; sleep 0.1; done
[[ -S $VMNET_BROKER_SOCKET ]] || fail "the installed daemon did not create $VMNET_BROKER_SOCKET"

esm="$(cd "$app" && node esm.mjs)" || fail "ESM consumer"
node -e 'const r = JSON.parse(process.argv[1]);
  if (r.network !== "shared" || !r.tap || !r.notFound || r.codec !== "object") throw new Error(process.argv[1]);' "$esm" ||
  fail "ESM consumer printed $esm"
pass "ESM import: acquired shared and opened a TAP from the installed broker: $esm"
cjs="$(cd "$app" && node cjs.cjs)" || fail "CommonJS consumer"
[[ $cjs == '{"platform":"linux","network":"shared"}' ]] || fail "CommonJS consumer printed $cjs"
pass "CommonJS require(): $cjs"

# From source: the tarballs build their addons where there is a compiler.
src_app="$work/src-app"
mkdir "$src_app"
echo '{ "name": "scratch-src-app", "private": true }' >"$src_app/package.json"
(cd "$src_app" && npm install "${quiet[@]}" --build-from-source "${client_tgz[0]}" "${daemon_tgz[0]}" >/dev/null) ||
  fail "npm install --build-from-source of the tarballs"
for pkg in client daemon; do
  ls "$src_app/node_modules/@vmnet-broker/$pkg/build/Release/"*.node >/dev/null || fail "@vmnet-broker/$pkg did not build from source"
done
(cd "$src_app" && node --input-type=module -e '
  import { BrokerClient } from "@vmnet-broker/client";
  const broker = await BrokerClient.connect();
  await broker.hello();
  await broker.close();') || fail "the client built from source cannot talk to the broker"
pass "installed both tarballs from source (--build-from-source) and used the built client"

# No addon at all (as with --ignore-scripts on a platform without prebuilds).
rm -rf "$app/node_modules/@vmnet-broker/client/prebuilds"
message="$(cd "$app" && node --input-type=module -e '
  const { BrokerClient } = await import("@vmnet-broker/client");
  await BrokerClient.connect().then(() => console.log("connected?"), (error) => console.log(error.message));')" ||
  fail "import without the addon threw"
[[ $message == "@vmnet-broker/client: cannot load its native addon"*"npm rebuild @vmnet-broker/client"* ]] ||
  fail "first use without the addon said: $message"
pass "without the addon, import works and first use says: ${message:0:90}..."
echo "npm/pack-test: all passed"
