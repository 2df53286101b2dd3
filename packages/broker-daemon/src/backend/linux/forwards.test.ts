// SPDX-License-Identifier: Apache-2.0
/**
 * Port forwards in the Linux backend against the real kernel: the bridge's
 * route_localnet, a live network's host port refused to a second network (the
 * configuration of the first may have changed since it was made), and the
 * forwards recorded for adoption. Each test runs in a fresh namespace (root).
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateFailure } from "../../core/backend.js";
import { parseRecord, RECORD_FILE } from "./records.js";
import { linkNames, networkConfig, nftRuleset, TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

const web = (name: string, third: number, externalPort: number, internalAddress = `10.${third}.0.10`) =>
  networkConfig(name, {
    subnet: `10.${third}.0.0`,
    mask: "255.255.255.0",
    ipv6Prefix: `fd00:${third}::/64`,
    portForwarding: [{ protocol: "tcp", externalPort, internalAddress, internalPort: 80 }],
  });
const routeLocalnet = (bridge: string) => readFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, "utf8").trim();

describe("port forwards in the Linux backend", () => {
  it("lets the bridge route loopback sources only when an IPv4 target needs it", async () => {
    await bed.create(web("fwdv4", 61, 8080));
    await bed.create(web("fwdv6", 62, 8081, "fd00:62::10"));
    await bed.create(networkConfig("plain", { subnet: "10.63.0.0", mask: "255.255.255.0" }));
    expect([routeLocalnet("vmbr-fwdv4"), routeLocalnet("vmbr-fwdv6"), routeLocalnet("vmbr-plain")]).toEqual(["1", "0", "0"]);
  });

  it("refuses a network whose host port a live network forwards, naming both, and leaves nothing behind", async () => {
    await bed.create(web("first", 64, 8080));
    const second = bed.backend.createNetwork({
      ...web("second", 65, 8080),
      portForwarding: [{ protocol: "tcp", externalPort: 8080, internalAddress: "10.65.0.10", internalPort: 22 }],
    });
    await expect(second).rejects.toThrow(CreateFailure);
    await expect(second).rejects.toThrow("network 'second': tcp port 8080 is forwarded by live network 'first' already");
    expect(await linkNames()).not.toContain("vmbr-second");
    expect(await nftRuleset()).not.toContain("vmnet_broker_second");
    // Another protocol on the same port is another host port.
    await bed.create({
      ...web("third", 66, 8080),
      portForwarding: [{ protocol: "udp", externalPort: 8080, internalAddress: "10.66.0.10", internalPort: 53 }],
    });
  });

  it("records the forwards, so that an adopting broker knows what the table carries", async () => {
    const config = web("kept", 67, 2222, "fd00:67::10");
    await bed.create(config);
    await bed.networks[0]?.noteInterfaces?.([]);
    const dir = `${bed.runtimeDir}/linux/kept`;
    const parsed = parseRecord(dir, readFileSync(`${dir}/${RECORD_FILE}`, "utf8"));
    expect(parsed.ok && parsed.record.definition.portForwarding).toEqual(config.portForwarding);
  });
});
