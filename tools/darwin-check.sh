#!/usr/bin/env bash
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

# 1. The daemon's addon, darwin half (C++ with blocks, node-addon-api).
# The defines match binding.gyp's; the common sources are checked too, on the
# macOS target only, because they are part of the macOS build.
native_dir="$root/packages/broker-daemon/native/src"
addon_dir="$native_dir/darwin"
addon_flags=(-x c++ -std=c++17 -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED
  -I"$addon_api" -I"$node_headers" -I"$native_dir")
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

# 2. The C client's darwin files, if present.
client_c="$root/packages/client-c"
c_flags=(-x c -std=c11 -I"$client_c/include" -I"$client_c/src" -I"$client_c/src/darwin")
for src in "$client_c"/src/darwin/*.c; do
  rel="${src#"$root"/}"
  # On the Linux target the header's macOS half needs __APPLE__ spelled out.
  run "$rel (linux target, -D__APPLE__)" clang "${common[@]}" "${c_flags[@]}" -D__APPLE__ "$src"
  run "$rel (macOS 14 target)" clang "${common[@]}" "${mac_target[@]}" "${c_flags[@]}" "$src"
done

# 3. The Go client's darwin cgo files: go vet for GOOS=darwin. cgo needs a C
# compiler that can target Darwin with an SDK; with stubs only it may not get far,
# so a failure here is reported but does not fail the check.
client_go="$root/packages/client-go"
if compgen -G "$client_go/*darwin*.go" >/dev/null && command -v go >/dev/null; then
  say "go vet (GOOS=darwin CGO_ENABLED=1 CC=clang) in packages/client-go:"
  if out="$(cd "$client_go" && GOOS=darwin GOARCH=amd64 CGO_ENABLED=1 CC="clang -target x86_64-apple-macos14" \
      CGO_CFLAGS="-I$stubs -fblocks -U__nonnull -U__nullable -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include" \
      go vet ./... 2>&1)"; then
    say "ok    packages/client-go (darwin, cgo)"
  else
    say "note  packages/client-go (darwin, cgo) could not be vetted here; go says:"
    printf '%s\n' "$out" | head -n 15 | sed 's/^/      /'
    say "      falling back to GOOS=darwin CGO_ENABLED=0 go vet (pure-Go files only):"
    if out="$(cd "$client_go" && GOOS=darwin GOARCH=amd64 CGO_ENABLED=0 go vet ./... 2>&1)"; then
      say "ok    packages/client-go (darwin, no cgo)"
    else
      printf '%s\n' "$out" | head -n 15 | sed 's/^/      /'
    fi
  fi
fi

say "darwin-check: $checked compilations, $failures failed"
[ "$failures" -eq 0 ]
