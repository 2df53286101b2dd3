// SPDX-License-Identifier: Apache-2.0
/** createVeth and setUpInNetns: links made and raised in another namespace from here. */
import { openSync, readlinkSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linuxNative } from "./native.js";
import { runTool } from "./run-tool.js";
import { TestBed } from "./test-support.test-util.js";

const bed = new TestBed();
beforeEach(() => bed.setUp());
afterEach(() => bed.cleanUp());

async function guestLinkFlags(run: (file: string, args: string[]) => Promise<string>, name: string): Promise<string[]> {
  const parsed = JSON.parse(await run("ip", ["-j", "link", "show", "dev", name])) as { flags: string[] }[];
  return parsed[0]?.flags ?? [];
}

describe("setUpInNetns", () => {
  it("brings a link up inside the namespace behind the fd and leaves the caller's namespace alone", async () => {
    const guest = await bed.guest("up");
    await guest.run("ip", ["link", "add", "inner7", "type", "veth", "peer", "name", "inner8"]);
    expect(await guestLinkFlags(guest.run, "inner7")).not.toContain("UP");
    const before = readlinkSync("/proc/thread-self/ns/net");
    const fd = guest.openNetnsFd();
    try {
      linuxNative().setUpInNetns(fd, "inner7");
    } finally {
      linuxNative().closeFd(fd);
    }
    expect(await guestLinkFlags(guest.run, "inner7")).toContain("UP");
    expect(readlinkSync("/proc/thread-self/ns/net")).toBe(before);
    // Nothing of that name appeared here.
    expect(linuxNative().interfaceIndex("inner7")).toBe(0);
  });

  it("names the ioctl and the namespace when the link does not exist there", async () => {
    const guest = await bed.guest("missing");
    const fd = guest.openNetnsFd();
    try {
      expect(() => linuxNative().setUpInNetns(fd, "nosuch0")).toThrow(/SIOCGIFFLAGS nosuch0 in the namespace failed: ENODEV/);
    } finally {
      linuxNative().closeFd(fd);
    }
  });

  it("names setns when the fd is not a network namespace", () => {
    const fd = openSync("/proc/self/stat", "r");
    try {
      expect(() => linuxNative().setUpInNetns(fd, "lo")).toThrow(/setns\(CLONE_NEWNET\) failed: EINVAL/);
    } finally {
      linuxNative().closeFd(fd);
    }
  });
});

interface LinkJson {
  ifname: string;
  mtu: number;
  address: string;
  flags: string[];
}

describe("createVeth", () => {
  it("makes the pair with the far end inside the namespace, named, addressed and sized", async () => {
    const guest = await bed.guest("veth");
    const fd = guest.openNetnsFd();
    try {
      linuxNative().createVeth({ name: "vmveth-t1", mtu: 1400, peerName: "eth0", peerMac: "02:12:34:56:78:9a", peerNetnsFd: fd });
    } finally {
      linuxNative().closeFd(fd);
    }
    const [near] = JSON.parse(await runTool("ip", ["-j", "link", "show", "dev", "vmveth-t1"])) as LinkJson[];
    expect(near?.mtu).toBe(1400);
    const [far] = JSON.parse(await guest.run("ip", ["-j", "link", "show", "dev", "eth0"])) as LinkJson[];
    expect(far).toMatchObject({ ifname: "eth0", mtu: 1400, address: "02:12:34:56:78:9a" });
    expect(linuxNative().interfaceIndex("eth0")).toBe(0);
  });

  it("names RTM_NEWLINK and the errno when the far end's name is taken there", async () => {
    const guest = await bed.guest("taken");
    await guest.run("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "other0"]);
    const fd = guest.openNetnsFd();
    try {
      expect(() =>
        linuxNative().createVeth({ name: "vmveth-t2", mtu: 1500, peerName: "eth0", peerMac: "02:00:00:00:00:01", peerNetnsFd: fd }),
      ).toThrow(/RTM_NEWLINK veth vmveth-t2 \(peer eth0 into netns fd \d+\) failed: EEXIST/);
    } finally {
      linuxNative().closeFd(fd);
    }
    expect(linuxNative().interfaceIndex("vmveth-t2")).toBe(0);
  });
});
