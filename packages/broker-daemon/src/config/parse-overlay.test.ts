// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { testAccounts } from "../core/fake-backend.test-util.js";
import { parseNetworkFile } from "./parse-network.js";

const FILE = "/etc/vmnet-broker.d/lab.json";
const parse = (body: object) => parseNetworkFile(FILE, "lab", body, testAccounts);
const subnet = { mode: "host", subnet: "10.77.0.0", mask: "255.255.255.0" };
const overlay = { vni: 4242, underlay: "eth1", peers: ["192.0.2.2", "192.0.2.3"], dhcp: "serve" };
const withOverlay = (changes: object, top: object = {}) => parse({ ...subnet, ...top, overlay: { ...overlay, ...changes } });
const errorsOf = (result: ReturnType<typeof parse>) => (result.ok ? [] : result.errors);

describe("parseNetworkFile: overlay", () => {
  it("takes a serving host's overlay with the default port", () => {
    const result = withOverlay({});
    expect(result).toMatchObject({
      ok: true,
      config: {
        dhcp: true,
        dns: true,
        overlay: { vni: 4242, underlay: "eth1", port: 4789, peers: ["192.0.2.2", "192.0.2.3"], servesDhcp: true },
      },
    });
    expect(result.ok && "local" in (result.config.overlay ?? {})).toBe(false);
  });

  it("turns DHCP and DNS off by default on a host that does not serve", () => {
    expect(withOverlay({ dhcp: "none", port: 8472, local: "192.0.2.1" })).toMatchObject({
      ok: true,
      config: { dhcp: false, dns: false, overlay: { servesDhcp: false, port: 8472, local: "192.0.2.1" } },
    });
  });

  it("takes IPv6 peers with this host's address, in canonical form", () => {
    const result = withOverlay({ peers: ["fd00:0::0:2"], local: "FD00::1" });
    expect(result).toMatchObject({ ok: true, config: { overlay: { peers: ["fd00::2"], local: "fd00::1" } } });
  });

  it("requires every field but port and local, naming each", () => {
    const errors = errorsOf(parse({ ...subnet, overlay: {} }));
    for (const field of ["vni", "underlay", "peers", "dhcp"]) {
      expect(errors).toContainEqual(expect.stringContaining(`${FILE}: field 'overlay.${field}': is required`));
    }
    expect(errors).toHaveLength(4);
  });

  it("says what a wrong value should have been, and shows it", () => {
    expect(errorsOf(withOverlay({ dhcp: "nope" }))).toEqual([
      `${FILE}: field 'overlay.dhcp': must be "serve" on exactly one host of the segment (it holds the gateway and runs DHCP), "none" on the others, not "nope"`,
    ]);
    expect(errorsOf(withOverlay({ vni: "7" }))).toEqual([
      expect.stringMatching(/'overlay.vni': must be an integer from 1 to 16777215 .*, not "7"$/),
    ]);
  });

  it.each([
    [{ vni: 0 }, "overlay.vni"],
    [{ vni: 16777216 }, "overlay.vni"],
    [{ vni: 1.5 }, "overlay.vni"],
    [{ underlay: "much-too-long-name" }, "overlay.underlay"],
    [{ port: 0 }, "overlay.port"],
    [{ port: 65536 }, "overlay.port"],
    [{ peers: [] }, "overlay.peers"],
    [{ peers: ["192.0.2.300"] }, "overlay.peers[0]"],
    [{ peers: ["224.0.0.1"] }, "overlay.peers[0]"],
    [{ peers: ["0.0.0.0"] }, "overlay.peers[0]"],
    [{ peers: ["ff02::1"], local: "fd00::1" }, "overlay.peers[0]"],
    [{ peers: ["192.0.2.2", "192.0.2.2"] }, "overlay.peers[1]"],
    [{ peers: ["fd00::2", "fd00:0::2"], local: "fd00::1" }, "overlay.peers[1]"],
    [{ peers: ["192.0.2.2", "fd00::2"] }, "overlay.peers[1]"],
    [{ peers: Array.from({ length: 65 }, (_, i) => `192.0.3.${i + 1}`) }, "overlay.peers"],
    [{ peers: ["fd00::2"] }, "overlay.local"],
    [{ local: "fd00::1" }, "overlay.local"],
    [{ local: "192.0.2.2" }, "overlay.local"],
    [{ local: "nowhere" }, "overlay.local"],
    [{ dhcp: true }, "overlay.dhcp"],
    [{ dhcp: "relay" }, "overlay.dhcp"],
    [{ colour: "blue" }, "overlay.colour"],
  ])("refuses %j in field %s, and only there", (changes, field) => {
    const errors = errorsOf(withOverlay(changes));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${FILE}: field '${field}': `);
  });

  it("refuses a role that contradicts the file's own DHCP and DNS switches", () => {
    expect(errorsOf(withOverlay({ dhcp: "serve" }, { dhcp: false }))).toEqual([
      expect.stringMatching(/'overlay.dhcp': "serve" needs DHCP/),
    ]);
    expect(errorsOf(withOverlay({ dhcp: "none" }, { dhcp: true }))).toEqual([expect.stringMatching(/'overlay.dhcp': .*"dhcp": true/)]);
    expect(errorsOf(withOverlay({ dhcp: "none" }, { dns: true }))).toEqual([expect.stringMatching(/'overlay.dhcp': .*"dns": true/)]);
    expect(withOverlay({ dhcp: "serve" }, { dns: false })).toMatchObject({ ok: true, config: { dhcp: true, dns: false } });
  });

  it("needs a static subnet, the same on every host", () => {
    expect(errorsOf(parse({ mode: "host", overlay }))).toEqual([
      expect.stringMatching(/field 'subnet': an overlay network needs a static subnet/),
    ]);
  });

  it("is not an object", () => {
    expect(errorsOf(parse({ ...subnet, overlay: ["eth1"] }))).toEqual([expect.stringMatching(/field 'overlay': must be an object/)]);
  });

  it("leaves networks without an overlay as they were", () => {
    const result = parse(subnet);
    expect(result.ok && result.config.overlay).toBeUndefined();
    expect(result).toMatchObject({ ok: true, config: { dhcp: true, dns: true } });
  });
});
