// SPDX-License-Identifier: Apache-2.0
/**
 * The Linux backend against the real kernel, ip, nft, dnsmasq and busybox udhcpc.
 * Each test runs in a fresh network namespace (needs root).
 */
import { createSocket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateFailure } from "../../core/backend.js";
import { acquireDhcpLease } from "../../sandbox/dhcp-client.js";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { linkNames, networkConfig, nftRuleset, TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

function dnsmasqPid(runtimeDir: string, short: string): number {
  return Number.parseInt(readFileSync(`${runtimeDir}/linux/${short}/dnsmasq.pid`, "utf8"), 10);
}

describe("createNetwork", () => {
  it("makes the bridge with the gateway address, the nft table and a running dnsmasq", async () => {
    const network = await bed.create(networkConfig("shared"));
    expect(network.info.bridge).toBe("vmbr-shared");
    expect(network.info.mask).toBe("255.255.255.0");

    const addr = JSON.parse(await runTool("ip", ["-j", "-4", "addr", "show", "dev", "vmbr-shared"])) as {
      operstate: string;
      mtu: number;
      addr_info: { local: string; prefixlen: number }[];
    }[];
    expect(addr[0]?.addr_info).toContainEqual(expect.objectContaining({ local: network.info.gateway, prefixlen: 24 }));
    expect(addr[0]?.mtu).toBe(1500);

    const table = await runTool("nft", ["list", "table", "inet", "vmnet_broker_shared"]);
    expect(table).toContain("masquerade");
    expect(table).toContain(`ip saddr ${network.info.subnet}/24`);
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim()).toBe("1");

    const pid = dnsmasqPid(bed.runtimeDir, "shared");
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toContain("dnsmasq");
  });

  it("answers the first DNS query sent as soon as the network exists", async () => {
    const network = await bed.create(networkConfig("dnsnow"));
    // dnsmasq's socket, found by the addon's look-up itself (not only by /proc).
    expect(linuxNative().udpBound(network.info.gateway, 53)).toBe(true);
    // One query for "localhost" A (answered from /etc/hosts), sent once: no resend
    // could hide a dnsmasq that had not yet bound the gateway address.
    const query = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 9, ...Buffer.from("localhost"), 0, 0, 1, 0, 1]);
    const socket = createSocket("udp4");
    try {
      const reply = new Promise<Buffer>((resolve, reject) => {
        socket.once("message", resolve);
        socket.once("error", reject);
        setTimeout(() => reject(new Error("no DNS reply within 5 s")), 5_000).unref();
      });
      socket.connect(53, network.info.gateway, () => socket.send(query));
      const answer = await reply;
      expect(answer.readUInt16BE(0)).toBe(0x1234);
      expect(answer.readUInt16BE(2) & 0x8000).toBe(0x8000);
    } finally {
      socket.close();
    }
  });

  it("gives a guest behind a veth a DHCP lease; the guest pings the gateway", async () => {
    const network = await bed.create(networkConfig("shared"));
    const guest = await bed.guest("g1");
    const fd = guest.openNetnsFd();
    const opened = await network.openVeth!({ netnsFd: fd, ifname: "eth0", peerUid: 0 });
    linuxNative().closeFd(fd);
    expect(opened.peerIfname).toBe("eth0");
    expect(network.interfaceExists(opened.name)).toBe(true);

    const lease = await acquireDhcpLease(guest, "eth0");
    expect(lease.router).toBe(network.info.gateway);
    expect(lease.prefix).toBe(24);
    expect(lease.ip.startsWith(network.info.subnet.replace(/\.0$/, "."))).toBe(true);
    await guest.run("busybox", ["ping", "-c", "1", "-W", "5", network.info.gateway]);

    const leases = await network.leases();
    expect(leases).toContainEqual(expect.objectContaining({ ip: lease.ip, mac: opened.mac }));
  });

  it("lets two guests on the same network ping each other", async () => {
    const network = await bed.create(networkConfig("shared"));
    const [a, b] = [await bed.guest("a"), await bed.guest("b")];
    for (const guest of [a, b]) {
      const fd = guest.openNetnsFd();
      await network.openVeth!({ netnsFd: fd, ifname: "eth0", peerUid: 0 });
      linuxNative().closeFd(fd);
    }
    await acquireDhcpLease(a, "eth0");
    const leaseB = await acquireDhcpLease(b, "eth0");
    await a.run("busybox", ["ping", "-c", "1", "-W", "5", leaseB.ip]);
  });

  it("hands out the reserved address to a MAC in dhcpReservations", async () => {
    const mac = "02:aa:bb:cc:dd:ee";
    const network = await bed.create(
      networkConfig("res", { subnet: "10.77.0.0", mask: "255.255.255.0", dhcpReservations: [{ mac, ip: "10.77.0.42" }] }),
    );
    expect(network.info.gateway).toBe("10.77.0.1");
    const guest = await bed.guest("r");
    const fd = guest.openNetnsFd();
    await network.openVeth!({ netnsFd: fd, ifname: "eth0", peerUid: 0 });
    linuxNative().closeFd(fd);
    await guest.run("ip", ["link", "set", "dev", "eth0", "address", mac]);
    const lease = await acquireDhcpLease(guest, "eth0");
    expect(lease.ip).toBe("10.77.0.42");
  });

  it("adds the IPv6 prefix's first address to the bridge and advertises the prefix", async () => {
    const network = await bed.create(networkConfig("v6", { ipv6Prefix: "fd12:3456::/64" }));
    expect(network.info.ipv6Prefix).toBe("fd12:3456::/64");
    const addr = await runTool("ip", ["-6", "addr", "show", "dev", "vmbr-v6"]);
    expect(addr).toContain("fd12:3456::1/64");
    const table = await runTool("nft", ["list", "table", "inet", "vmnet_broker_v6"]);
    expect(table).toContain("ip6 saddr fd12:3456::/64 accept");
    expect(readFileSync(`${bed.runtimeDir}/linux/v6/dnsmasq.conf`, "utf8")).toContain("enable-ra");
    expect(readFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "utf8").trim()).toBe("1");
  });

  it("picks different dynamic subnets for two networks", async () => {
    const first = await bed.create(networkConfig("one"));
    const second = await bed.create(networkConfig("two", { mode: "host", dns: false }));
    expect(first.info.subnet).toBe("192.168.100.0");
    expect(second.info.subnet).toBe("192.168.101.0");
    expect(await linkNames()).toEqual(expect.arrayContaining(["vmbr-one", "vmbr-two"]));
  });

  it("skips pool subnets already used by an address in the namespace", async () => {
    await runTool("ip", ["-batch", "-"], {
      input: "link add occ0 type veth peer name occ1\naddr add 192.168.100.7/24 dev occ0\nlink set occ0 up\n",
    });
    const network = await bed.create(networkConfig("shared"));
    expect(network.info.subnet).toBe("192.168.101.0");
  });

  it("rejects a static subnet that overlaps a route, naming the network and the route", async () => {
    await runTool("ip", ["-batch", "-"], {
      input: "link add occ0 type veth peer name occ1\naddr add 192.168.1.5/24 dev occ0\nlink set occ0 up\n",
    });
    const creating = bed.create(networkConfig("lab", { subnet: "192.168.1.0", mask: "255.255.255.0" }));
    await expect(creating).rejects.toBeInstanceOf(CreateFailure);
    await expect(creating).rejects.toThrow(/subnet 192\.168\.1\.0\/24 of network 'lab' overlaps route 192\.168\.1\.0\/24 dev occ0$/);
    expect(await linkNames()).not.toContain("vmbr-lab");
    expect(existsSync(`${bed.runtimeDir}/linux/lab`)).toBe(false);
  });

  it("rejects a static subnet that overlaps another network of ours", async () => {
    await bed.create(networkConfig("a", { subnet: "10.20.0.0", mask: "255.255.0.0" }));
    const creating = bed.create(networkConfig("b", { subnet: "10.20.5.0", mask: "255.255.255.0" }));
    await expect(creating).rejects.toThrow(/subnet 10\.20\.5\.0\/24 of network 'b' overlaps network 'a' \(10\.20\.0\.0\/16 on vmbr-a\)$/);
  });

  it("reports dnsmasq's own message when it cannot start, and leaves nothing", async () => {
    // Something else already holds the DNS port in this namespace.
    const squatter = createSocket("udp4");
    await new Promise<void>((resolve) => squatter.bind(53, "0.0.0.0", resolve));
    try {
      const creating = bed.create(networkConfig("bad"));
      // dnsmasq starts together with the bridge: it meets the clash either at start
      // (the address was already there; it exits) or when the address appears (it
      // logs and runs on). Either way the creation fails with dnsmasq's own words.
      await expect(creating).rejects.toThrow(
        /dnsmasq for network 'bad' (stopped at start \(exit \d+\)|cannot serve DNS on 192\.168\.100\.1): (dnsmasq: )?failed to create listening socket for 192\.168\.100\.1: Address (already )?in use/,
      );
      expect(await linkNames()).not.toContain("vmbr-bad");
      expect(await nftRuleset()).not.toContain("vmnet_broker_bad");
      expect(await readdir(`${bed.runtimeDir}/linux`)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it("rejects a reservation that is not a MAC and an address in the subnet", async () => {
    const creating = bed.create(
      networkConfig("res", {
        subnet: "10.77.0.0",
        mask: "255.255.255.0",
        dhcpReservations: [{ mac: "02:00:00:00:00:09", ip: "10.78.0.5" }],
      }),
    );
    await expect(creating).rejects.toThrow(/network 'res': DHCP reservation 02:00:00:00:00:09 -> 10.78.0.5 is outside 10.77.0.0\/24/);
  });
});
