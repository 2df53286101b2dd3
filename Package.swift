// SPDX-License-Identifier: Apache-2.0
// swift-tools-version: 6.0
// Lets a macOS app add vmnet-broker by repository URL: SwiftPM reads the manifest at
// the repository root. The Swift client itself lives in packages/client-swift, whose
// own manifest also builds its tests, example and conformance program; this one
// exposes only the libraries, from the same sources.
import PackageDescription

let sources = "packages/client-swift/Sources"

let package = Package(
  name: "VmnetBroker",
  platforms: [.macOS("26.0")],
  products: [
    .library(name: "VmnetBroker", targets: ["VmnetBroker"])
  ],
  targets: [
    // The protobuf-c runtime the C client's codec needs (Linux and macOS).
    .systemLibrary(
      name: "CProtobufC",
      path: "\(sources)/CProtobufC",
      pkgConfig: "libprotobuf-c",
      providers: [.brew(["protobuf-c"]), .apt(["libprotobuf-c-dev"])]
    ),
    .target(
      name: "CVmnetBroker",
      dependencies: ["CProtobufC"],
      path: "\(sources)/CVmnetBroker",
      exclude: ["client-c"],
      cSettings: [
        .headerSearchPath("client-c/src/gen"),
        .headerSearchPath("client-c/src/common"),
        .headerSearchPath("client-c/src/linux"),
        .define("_GNU_SOURCE"),
        .define("VB_CLIENT_VERSION", to: "\"0.1.0-swift\""),
      ],
      linkerSettings: [
        .linkedLibrary("protobuf-c"),
        .linkedLibrary("pthread", .when(platforms: [.linux])),
      ]
    ),
    .target(name: "VmnetBroker", dependencies: ["CVmnetBroker"], path: "\(sources)/VmnetBroker"),
  ],
  swiftLanguageModes: [.v6]
)
