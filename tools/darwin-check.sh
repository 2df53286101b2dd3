#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compiles every macOS source in the repository on Linux, against the stub headers
# in tools/darwin-stubs/include, with Debian's clang: syntax and types only
# (-fsyntax-only), warnings as errors. There is no macOS SDK here; see
# tools/darwin-stubs/README.md. Exit status: 0 when every check passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stubs="$root/tools/darwin-stubs/include"
addon_api="$root/node_modules/node-addon-api"
node_headers=/usr/include/node
failures=0
checked=0

say() { printf '%s\n' "$*"; }
run() { # run <label> <command...>: prints the label and the compiler's output on failure
  local label="$1"; shift
  checked=$((checked + 1))
  if out="$("$@" 2>&1)"; then
    say "ok    $label"
  else
    failures=$((failures + 1))
    say "FAIL  $label"
    printf '%s\n' "$out" | sed 's/^/      /'
  fi
}

[ -d "$addon_api" ] || { say "darwin-check: $addon_api is missing: run npm ci first"; exit 1; }
[ -f "$node_headers/node_api.h" ] || { say "darwin-check: $node_headers/node_api.h is missing (Debian: libnode-dev)"; exit 1; }

common=(-fsyntax-only -fblocks -Wall -Wextra -Werror -I"$stubs")
# A macOS target makes the availability attributes live: a macOS 26 call outside
# __builtin_available(macOS 26.0, *) is an error when deploying to macOS 14.
# Debian's glibc and libstdc++ headers stand in for the SDK's libc and libc++
# (clang predefines __nonnull/__nullable as nullability keywords on Darwin, which
# glibc uses as macros, hence the -U).
mac_target=(-target x86_64-apple-macos14 -Wunguarded-availability-new -Wno-stdlibcxx-not-found -U__nonnull -U__nullable -D_GNU_SOURCE
  -isystem /usr/include/c++/12 -isystem /usr/include/x86_64-linux-gnu/c++/12
  -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include)

# 0. Negative controls: the checks below are only worth something if the stubs make
# unguarded macOS 26 calls fail. Each snippet must NOT compile.
expect_error() { # expect_error <label> <pattern> <compiler args...>: passes when compilation fails with pattern
  local label="$1" pattern="$2"; shift 2
  checked=$((checked + 1))
  if out="$("$@" 2>&1)"; then
    failures=$((failures + 1)); say "FAIL  $label: compiled, but must not"
  elif grep -q -- "$pattern" <<<"$out"; then
    say "ok    $label"
  else
    failures=$((failures + 1)); say "FAIL  $label: failed for another reason"; printf '%s\n' "$out" | sed 's/^/      /'
  fi
}
unguarded='#include <vmnet/vmnet.h>
int main(void) { vmnet_return_t s; return vmnet_network_configuration_create(VMNET_SHARED_MODE, &s) != 0; }'
expect_error "control: an unguarded macOS 26 call is an error on the macOS 14 target" "only available on macOS 26.0 or newer" \
  clang "${common[@]}" "${mac_target[@]}" -x c - <<<"$unguarded"
expect_error "control: macOS 26 calls do not exist with an SDK 15" "undeclared\|implicit declaration" \
  clang "${common[@]}" "${mac_target[@]}" -DVMNET_BROKER_STUB_SDK=150000 -x c - <<<"$unguarded"

# 1. The daemon's addon, darwin half (C++ with blocks, node-addon-api).
# The defines match binding.gyp's; the common sources are checked too, on the
# macOS target only, because they are part of the macOS build.
native_dir="$root/packages/broker-daemon/native/src"
addon_dir="$native_dir/darwin"
addon_flags=(-x c++ -std=c++17 -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED
  -I"$addon_api" -isystem "$node_headers" -I"$native_dir")
shopt -s nullglob
for src in "$native_dir"/*.cc "$native_dir"/common/*.cc; do
  rel="${src#"$root"/}"
  run "$rel (macOS 14 target, SDK 26)" clang++ "${common[@]}" "${mac_target[@]}" "${addon_flags[@]}" -DNAPI_CPP_EXCEPTIONS -fexceptions "$src"
done
for src in "$addon_dir"/*.cc; do
  rel="${src#"$root"/}"
  run "$rel (linux target, no C++ exceptions)" clang++ "${common[@]}" "${addon_flags[@]}" -DNAPI_DISABLE_CPP_EXCEPTIONS -fno-exceptions "$src"
  run "$rel (linux target, C++ exceptions)" clang++ "${common[@]}" "${addon_flags[@]}" -DNAPI_CPP_EXCEPTIONS -fexceptions "$src"
  run "$rel (macOS 14 target, SDK 26)" clang++ "${common[@]}" "${mac_target[@]}" "${addon_flags[@]}" -DNAPI_DISABLE_CPP_EXCEPTIONS "$src"
  run "$rel (macOS 14 target, SDK 15)" clang++ "${common[@]}" "${mac_target[@]}" "${addon_flags[@]}" -DNAPI_DISABLE_CPP_EXCEPTIONS -DVMNET_BROKER_STUB_SDK=150000 "$src"
done

run "native/src/darwin (clang-format, packages/broker-daemon/native/.clang-format)" \
  clang-format --dry-run --Werror "$addon_dir"/*.cc "$addon_dir"/*.h

# 1b. Run, not only compile: the addon's XPC value conversion and vmnet option
# parsing, against a fake libxpc, under AddressSanitizer (tools/darwin-stubs/fake-xpc).
run "native/src/darwin/xpc_value.cc + vmnet_options.cc (run against fake libxpc, ASan)" \
  bash "$root/tools/darwin-stubs/fake-xpc/run.sh"

# 2. The C client's darwin files, if present, and the transport-independent
# files (src/common) its macOS sessions share with Linux.
client_c="$root/packages/client-c"
c_flags=(-x c -std=c11 -I"$client_c/include" -I"$client_c/src" -I"$client_c/src/gen" -I"$client_c/src/common" -I"$client_c/src/darwin")
for src in "$client_c"/src/darwin/*.c "$client_c"/src/common/*.c; do
  rel="${src#"$root"/}"
  # On the Linux target the header's macOS half needs __APPLE__ spelled out.
  run "$rel (linux target, -D__APPLE__)" clang "${common[@]}" "${c_flags[@]}" -D__APPLE__ "$src"
  run "$rel (macOS 14 target)" clang "${common[@]}" "${mac_target[@]}" "${c_flags[@]}" "$src"
done

# 3. The Go client's darwin cgo files: go vet for GOOS=darwin with cgo, using
# clang for a macOS target and the stubs (plus two Darwin pthread declarations
# Go's runtime/cgo needs, force-included).
client_go="$root/packages/client-go"
if compgen -G "$client_go/*darwin*.go" >/dev/null; then
  if command -v go >/dev/null; then
    run "packages/client-go (go vet, GOOS=darwin, cgo)" env -C "$client_go" GOOS=darwin GOARCH=amd64 CGO_ENABLED=1 \
      CC="clang -target x86_64-apple-macos14" \
      CGO_CFLAGS="-include $root/tools/darwin-stubs/go-cgo/pthread-np.h -I$stubs -fblocks -U__nonnull -U__nullable -D_GNU_SOURCE -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include -Werror=implicit-function-declaration -Werror=int-conversion -Werror=incompatible-pointer-types" \
      go vet ./...
  else
    say "note  go is not installed: packages/client-go's darwin files were not vetted"
  fi
fi

# 4. The launchd job, the entitlements and the install scripts.
macos_dir="$root/packages/broker-daemon/macos"
if [ -d "$macos_dir" ]; then
  run "packages/broker-daemon/macos/*.plist (parse, required keys)" python3 - "$macos_dir" <<'PY'
import plistlib, sys
d = sys.argv[1]
with open(f"{d}/com.github.nirs.vmnet-broker.plist", "rb") as f:
    job = plistlib.load(f)
for key in ("Label", "ProgramArguments", "MachServices", "UserName", "EnableTransactions", "ExitTimeOut", "StandardErrorPath"):
    assert key in job, f"launchd plist lacks {key}"
assert job["MachServices"] == {job["Label"]: True}, "MachServices must publish the job's label"
assert job["EnableTransactions"] is True and isinstance(job["ExitTimeOut"], int)
assert job["ProgramArguments"][1] == "serve" and "--service-name" in job["ProgramArguments"]
assert "RunAtLoad" not in job and "KeepAlive" not in job, "the broker starts on demand"
with open(f"{d}/entitlements.plist", "rb") as f:
    ent = plistlib.load(f)
assert ent == {"com.apple.security.virtualization": True}, ent
PY
  for script in "$macos_dir"/*.sh; do
    run "${script#"$root"/} (bash -n)" bash -n "$script"
  done
  run "packages/broker-daemon/macos/test/peers.test.sh (peer counting, fake launchctl/plutil/broker)" \
    bash "$macos_dir/test/peers.test.sh"
  if command -v shellcheck >/dev/null; then
    run "packages/broker-daemon/macos/*.sh (shellcheck)" bash -c "cd '$macos_dir' && shellcheck -x ./*.sh test/*.sh"
  else
    say "note  shellcheck is not installed: the install scripts were only parsed (bash -n)"
  fi
fi

say "darwin-check: $checked checks, $failures failed"
[ "$failures" -eq 0 ]
