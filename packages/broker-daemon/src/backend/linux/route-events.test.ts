// SPDX-License-Identifier: Apache-2.0
/**
 * Each network's dnsmasq hears no other network: it is taken out of the namespace's
 * address and route groups (route_events.cc), so a new network wakes none of them.
 * `ip monitor` (which joins those groups too) is the control that the same creation
 * does announce itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linuxNative } from "./native.js";
import { networkConfig, TestBed } from "./test-support.test-util.js";

const group = (n: number) => 1 << (n - 1);
const IPV6_IFADDR = group(9);
/** IPv4 addresses, IPv4 routes, IPv6 routes: what a new IPv4 network announces. */
const MUTED = group(5) | group(7) | group(11);

const bed = new TestBed();
const monitors: ChildProcess[] = [];
beforeEach(() => bed.setUp());
afterEach(async () => {
  for (const monitor of monitors.splice(0)) monitor.kill("SIGKILL");
  await bed.cleanUp();
});

/** The multicast groups (first 32, as a bit mask) of each rtnetlink socket the process holds. */
function rtnetlinkGroups(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "";
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed since the directory was read
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode; Eth 0 is NETLINK_ROUTE.
  return readFileSync(`/proc/${pid}/net/netlink`, "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 10 && fields[1] === "0" && inodes.has(fields[9] ?? ""))
    .map((fields) => Number.parseInt(fields[3] ?? "", 16));
}

function dnsmasqPid(name: string): number {
  return Number.parseInt(readFileSync(`${bed.runtimeDir}/linux/${name}/dnsmasq.pid`, "utf8"), 10);
}

/** Times the process went to sleep and was woken (voluntary context switches). */
function wakeUps(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("voluntary_ctxt_switches:"));
  return Number.parseInt(line?.split(/\s+/)[1] ?? "", 10);
}

/** `ip monitor address route`, once its socket has joined the groups. */
async function monitor(): Promise<number> {
  const child = spawn("ip", ["monitor", "address", "route"], { stdio: "ignore" });
  monitors.push(child);
  const pid = child.pid ?? 0;
  for (let i = 0; i < 500 && !rtnetlinkGroups(pid).some((groups) => (groups & MUTED) === MUTED); i++) await sleep(2);
  return pid;
}

describe("dnsmasq and the namespace's route events", () => {
  it("an IPv4 network's dnsmasq is in no address or route group", async () => {
    await bed.create(networkConfig("quiet"));
    const groups = rtnetlinkGroups(dnsmasqPid("quiet"));
    expect(groups.length).toBeGreaterThan(0);
    expect(groups).toEqual(groups.map(() => 0));
  });

  it("an IPv6 network's dnsmasq keeps IPv6 addresses only (router advertisements need its link-local address)", async () => {
    await bed.create(networkConfig("six", { ipv6Prefix: "fd42:7:7::/64", routerAdvertisement: true }));
    const groups = rtnetlinkGroups(dnsmasqPid("six"));
    expect(groups.length).toBeGreaterThan(0);
    for (const mask of groups) expect(mask).toBe(IPV6_IFADDR);
  });

  it("new networks wake no existing dnsmasq, while a listener of the same groups hears them", async () => {
    await bed.create(networkConfig("first", { subnet: "10.91.1.0", mask: "255.255.255.0" }));
    const quiet = dnsmasqPid("first");
    const listener = await monitor();
    const before = { quiet: wakeUps(quiet), listener: wakeUps(listener) };
    await bed.create(networkConfig("second", { subnet: "10.91.2.0", mask: "255.255.255.0" }));
    await bed.create(networkConfig("third", { subnet: "10.91.3.0", mask: "255.255.255.0" }));
    await sleep(100);
    expect(wakeUps(listener)).toBeGreaterThan(before.listener);
    expect(wakeUps(quiet)).toBe(before.quiet);
  });

  it("muteRouteEvents takes a process out of the groups it joined, and says how many sockets it changed", async () => {
    const listener = await monitor();
    expect(rtnetlinkGroups(listener).some((groups) => (groups & (MUTED | IPV6_IFADDR)) === (MUTED | IPV6_IFADDR))).toBe(true);
    expect(linuxNative().muteRouteEvents(listener, true)).toBeGreaterThan(0);
    // IPv6 addresses kept when asked; the groups it names only are left.
    expect(rtnetlinkGroups(listener).map((groups) => groups & (MUTED | IPV6_IFADDR))).toContain(IPV6_IFADDR);
    expect(rtnetlinkGroups(listener).every((groups) => (groups & MUTED) === 0)).toBe(true);
    linuxNative().muteRouteEvents(listener, false);
    expect(rtnetlinkGroups(listener).every((groups) => (groups & (MUTED | IPV6_IFADDR)) === 0)).toBe(true);
  });

  it("refuses a pid that is no process with the syscall's error", () => {
    expect(() => linuxNative().muteRouteEvents(2 ** 22 + 1, false)).toThrow(/pidfd_open failed: ESRCH/);
  });
});
