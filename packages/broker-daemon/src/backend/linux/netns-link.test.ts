/** setUpInNetns: a link in another namespace comes up; the caller stays where it is. */
import { openSync, readlinkSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linuxNative } from "./native.js";
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
