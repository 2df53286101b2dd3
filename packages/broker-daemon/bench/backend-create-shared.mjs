// SPDX-License-Identifier: Apache-2.0
// The Linux backend's side of the cold-creation comparison, without the broker
// around it: createNetwork("shared") until dnsmasq is up, then openVeth into a
// guest namespace and one DHCP exchange. Same steps and output as
// create-shared-floor.sh:
//   {"ms": <create + DHCP>, "create_ms": <createNetwork>, "dhcp_ms": <veth + offer>}
//
//   node bench/backend-create-shared.mjs [--probe PROG]     (after `tsc -p .`, as root)
//
// It re-executes itself under `unshare --net --pid --fork --kill-child --mount-proc`
// so every object lives in a namespace made for this run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enterPrivateNamespaces } from "./private-namespaces.mjs";

const MARKER = "VMNET_BROKER_FLOOR_SANDBOXED";
const args = process.argv.slice(2);
const probeIndex = args.indexOf("--probe");
const probe = probeIndex >= 0 ? args[probeIndex + 1] : undefined;

enterPrivateNamespaces(MARKER);

const dist = new URL("../dist/", import.meta.url);
const { createLinuxBackend, linuxNative } = await import(new URL("backend/linux/index.js", dist).href);
const { createGuest } = await import(new URL("sandbox/index.js", dist).href);
const { runTool } = await import(new URL("backend/linux/run-tool.js", dist).href);

linuxNative().setUp("lo");
const runtimeDir = mkdtempSync(join(tmpdir(), "vmnet-broker-bench-"));
const guest = await createGuest("bench");
const backend = createLinuxBackend({ runtimeDir });
await backend.reclaimLeftovers();
const config = {
  name: "shared",
  description: "",
  mode: "shared",
  mtu: 1500,
  dhcp: true,
  dns: true,
  dhcpReservations: [],
  nat44: true,
  nat66: false,
  routerAdvertisement: false,
  portForwarding: [],
  source: "bench",
};
let network;
try {
  const t0 = process.hrtime.bigint();
  network = await backend.createNetwork(config);
  const t1 = process.hrtime.bigint();
  const fd = guest.openNetnsFd();
  await network.openVeth(fd, "eth0");
  linuxNative().closeFd(fd);
  if (probe !== undefined) {
    await runTool(probe, ["--ifname", "eth0", "--netns", guest.netnsPath]);
  } else {
    await guest.run("busybox", ["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "20", "-T", "1", "-s", "/bin/true"]);
  }
  const t2 = process.hrtime.bigint();
  const ms = (a, b) => Number(b - a) / 1e6;
  console.log(JSON.stringify({ ms: +ms(t0, t2).toFixed(3), create_ms: +ms(t0, t1).toFixed(3), dhcp_ms: +ms(t1, t2).toFixed(3) }));
} finally {
  await network?.destroy();
  await guest.remove();
  rmSync(runtimeDir, { recursive: true, force: true });
}
