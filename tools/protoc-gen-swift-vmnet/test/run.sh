#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-checks protoc-gen-swift-vmnet on a fixture with every supported proto3
# feature: generates Swift for test/fixture/, encodes samples with
# @bufbuild/protobuf (expected.mjs), and runs a Swift test in the chroot that
# must produce and accept the same bytes. Also checks the plugin rejects maps.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d /tmp/protoc-gen-swift-vmnet-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$checkout"

mkdir -p "$work/Sources/PluginFixture" "$work/Tests/FixtureTests" "$work/expected"
cat >"$work/buf.gen.yaml" <<YAML
version: v2
inputs:
  - directory: $here/fixture
plugins:
  - local: $checkout/tools/protoc-gen-swift-vmnet/bin/protoc-gen-swift-vmnet
    out: $work/Sources/PluginFixture
YAML
npx buf generate --template "$work/buf.gen.yaml"
npx buf build "$here/fixture" -o "$work/image.binpb"
node "$here/expected.mjs" "$work/image.binpb" "$work/expected"
cp "$here/swift/FixtureTests.swift" "$work/Tests/FixtureTests/"
cat >"$work/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "PluginFixture",
  targets: [
    .target(name: "PluginFixture"),
    .testTarget(name: "FixtureTests", dependencies: ["PluginFixture"]),
  ],
  swiftLanguageModes: [.v6]
)
SWIFT

# Maps are not supported: the plugin must say so, not emit broken Swift.
mkdir -p "$work/maps"
printf 'syntax = "proto3";\npackage m;\nmessage M { map<string, int32> m = 1; }\n' >"$work/maps/m.proto"
sed -e "s|$here/fixture|$work/maps|" -e "s|Sources/PluginFixture|maps-out|" "$work/buf.gen.yaml" >"$work/maps.gen.yaml"
if npx buf generate --template "$work/maps.gen.yaml" 2>"$work/maps.err"; then
  echo "run.sh: the plugin accepted a map field" >&2
  exit 1
fi
grep -q "map fields are not supported" "$work/maps.err" || {
  cat "$work/maps.err" >&2
  echo "run.sh: the plugin's error for a map field does not say so" >&2
  exit 1
}

cd "$work"
"$checkout/tools/swift/chroot.sh" run "$work" -- swift test
