#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the macOS build of the Go client on Linux, where no macOS SDK exists:
#   1. go vet for GOOS=darwin without cgo (every pure-Go file);
#   2. `go tool cgo` translates the *_darwin.go cgo files for darwin against the stub
#      headers in tools/darwin-stubs (declarations for checking only), so
#      every C name and type it uses resolves;
#   3. clang -fsyntax-only -Werror on the C that cgo generated, for a macOS target;
#   4. the translated Go plus the package's plain Go files type-check for
#      darwin/amd64 (internal/tools/darwincheck).
# What it cannot do: link, or build runtime/cgo (that needs the real SDK).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
stubs="$root/tools/darwin-stubs/include"
cd "$here"

echo "1. GOOS=darwin CGO_ENABLED=0 go vet ./..."
GOOS=darwin GOARCH=amd64 CGO_ENABLED=0 go vet ./...

if [[ ! -d "$stubs" ]]; then
  echo "check-darwin: $stubs is missing; cannot check the cgo file" >&2
  exit 1
fi
objdir="$(mktemp -d)"
trap 'rm -rf "$objdir"' EXIT
cflags=(-I"$stubs" -I"$root/packages/client-c/include" -fblocks -U__nonnull -U__nullable -D_GNU_SOURCE
  -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include)
cc="clang -target x86_64-apple-macos14 -Wno-stdlibcxx-not-found"

echo "2. go tool cgo *_darwin.go (darwin/amd64, stub headers)"
GOOS=darwin GOARCH=amd64 CGO_ENABLED=1 CC="$cc" go tool cgo -objdir "$objdir" -- "${cflags[@]}" ./*_darwin.go

echo "3. clang -fsyntax-only -Werror on cgo's C output (macOS 14 target)"
for f in "$objdir"/*.cgo2.c "$objdir"/_cgo_export.c; do
  $cc -fsyntax-only -Wall -Wextra -Werror -Wno-unused-parameter "${cflags[@]}" -I"$objdir" "$f"
done

echo "4. type-check the darwin build"
go run ./internal/tools/darwincheck . "$objdir"
echo "check-darwin: ok (not linked: no macOS SDK here)"
