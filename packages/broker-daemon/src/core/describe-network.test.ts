// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { BUILTIN_NETWORKS } from "../config/builtin.js";
import type { BackendNetwork } from "./backend.js";
import { describeNetwork } from "./describe-network.js";

const config = BUILTIN_NETWORKS[0] ?? (undefined as never);
const info = { subnet: "10.1.2.0", mask: "255.255.255.0", gateway: "10.1.2.1", ipv6Prefix: "", mtu: 1500, bridge: "vmbr-test" };
const live = { info } as unknown as BackendNetwork;

describe("describeNetwork", () => {
  it("describes a live network once and gives every acquire the same message", () => {
    const first = describeNetwork({ config, live });
    expect(first).toMatchObject({ name: config.name, subnet: "10.1.2.0", bridge: "vmbr-test", description: config.description });
    expect(describeNetwork({ config, live })).toBe(first);
  });

  it("describes again after a reload brought a new config, or for a new live network", () => {
    const first = describeNetwork({ config, live });
    const reloaded = { ...config, description: "changed by a reload" };
    const again = describeNetwork({ config: reloaded, live });
    expect(again).not.toBe(first);
    expect(again.description).toBe("changed by a reload");
    const other = describeNetwork({ config, live: { info: { ...info, subnet: "10.9.9.0" } } as unknown as BackendNetwork });
    expect(other.subnet).toBe("10.9.9.0");
  });

  it("describes a network that is not live from its config alone", () => {
    expect(describeNetwork({ config, live: undefined })).toMatchObject({ name: config.name, subnet: "", bridge: "" });
  });
});
