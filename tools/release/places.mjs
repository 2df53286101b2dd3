// SPDX-License-Identifier: Apache-2.0
// Every place the release version is written, and how to write it there.
// Each `apply` returns the file's text with `version` in place (unchanged when
// it is already there), and throws when the place cannot be found, so that a
// moved line fails the check instead of being skipped.

/** Replaces the one match of `pattern`'s group 2 (between groups 1 and 3). */
function line(file, what, pattern, value) {
  return {
    file,
    what,
    apply(text) {
      const matches = text.match(new RegExp(pattern.source, "gm"));
      if (matches?.length !== 1) throw new Error(`${file}: expected one ${what}, found ${matches?.length ?? 0}`);
      return text.replace(new RegExp(pattern.source, "m"), (_, head, _old, tail) => `${head}${value}${tail}`);
    },
  };
}

/** Sets fields of a JSON file, kept in npm's two-space layout. */
function json(file, what, edit) {
  return {
    file,
    what,
    apply(text) {
      const data = JSON.parse(text);
      edit(data);
      return `${JSON.stringify(data, null, 2)}\n`;
    },
  };
}

export function places(version) {
  const [major, minor, patch] = version.split(/[.-]/);
  const header = "packages/client-c/include/vmnet-broker.h";
  const swiftDefine = /^(\s*\.define\("VB_CLIENT_VERSION", to: "\\")([^"\\]*)(-swift\\""\),)$/;
  return [
    json("packages/client-ts/package.json", "version", (p) => {
      p.version = version;
    }),
    json("packages/broker-daemon/package.json", "version and its @vmnet-broker/client dependency", (p) => {
      p.version = version;
      p.dependencies["@vmnet-broker/client"] = version;
    }),
    json("package-lock.json", "the workspace packages' versions", (lock) => {
      lock.packages["packages/client-ts"].version = version;
      const daemon = lock.packages["packages/broker-daemon"];
      daemon.version = version;
      daemon.dependencies["@vmnet-broker/client"] = version;
    }),
    line("packages/client-ts/src/broker-client.ts", "CLIENT_VERSION", /^(const CLIENT_VERSION = ")([^"]*)(";)$/, version),
    line(header, "VMNET_BROKER_VERSION_MAJOR", /^(#define VMNET_BROKER_VERSION_MAJOR )(\d+)()$/, major),
    line(header, "VMNET_BROKER_VERSION_MINOR", /^(#define VMNET_BROKER_VERSION_MINOR )(\d+)()$/, minor),
    line(header, "VMNET_BROKER_VERSION_PATCH", /^(#define VMNET_BROKER_VERSION_PATCH )(\d+)()$/, patch),
    line(header, "VMNET_BROKER_VERSION_STRING", /^(#define VMNET_BROKER_VERSION_STRING ")([^"]*)(")$/, version),
    line("packages/client-go/options.go", "ClientVersion", /^(const ClientVersion = ")([^"]*)(")$/, version),
    line(
      "packages/client-swift/Sources/VmnetBroker/Linux/ClientName.swift",
      "clientVersion",
      /^(\s*public static let clientVersion = ")([^"]*)(")$/,
      version,
    ),
    line("Package.swift", "VB_CLIENT_VERSION", swiftDefine, version),
    line("packages/client-swift/Package.swift", "VB_CLIENT_VERSION", swiftDefine, version),
    line("packages/client-swift/README.md", "the dependency example", /^(\s*\.package\(url: "[^"]*", from: ")([^"]*)("\),)$/, version),
  ];
}
