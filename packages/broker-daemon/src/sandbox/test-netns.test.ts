// SPDX-License-Identifier: Apache-2.0
/** The per-test namespace really is new, and the worker gets its own back. */
import { readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runTool } from "../backend/linux/run-tool.js";
import { enterPrivateNetworkNamespace } from "./test-netns.js";

const current = () => readlinkSync("/proc/thread-self/ns/net");

describe("enterPrivateNetworkNamespace", () => {
  it("enters an empty namespace with lo up, seen by child processes, and returns", async () => {
    const before = current();
    const leave = enterPrivateNetworkNamespace();
    try {
      expect(current()).not.toBe(before);
      const links = JSON.parse(await runTool("ip", ["-j", "link", "show"])) as { ifname: string; flags: string[] }[];
      expect(links.map((link) => link.ifname)).toEqual(["lo"]);
      expect(links[0]?.flags).toContain("UP");
      expect((await runTool("readlink", ["/proc/self/ns/net"])).trim()).toBe(current());
    } finally {
      leave();
    }
    expect(current()).toBe(before);
  });
});
