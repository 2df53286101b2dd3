// SPDX-License-Identifier: Apache-2.0
/** Shared setup for this backend's tests: a fresh namespace and runtime dir per test. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetworkConfig } from "../../config/network-config.js";
import type { Backend, BackendNetwork } from "../../core/backend.js";
import { createGuest, type Guest } from "../../sandbox/guest.js";
import { enterPrivateNetworkNamespace } from "../../sandbox/test-netns.js";
import { createLinuxBackend } from "./backend.js";
import { runTool } from "./run-tool.js";

export function networkConfig(name: string, overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  return {
    name,
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
    source: "test",
    ...overrides,
  };
}

/** Everything one test made, removed by cleanup() even when the test failed. */
export class TestBed {
  readonly networks: BackendNetwork[] = [];
  readonly guests: Guest[] = [];
  backend!: Backend;
  runtimeDir = "";
  private leaveNamespace: (() => void) | undefined;

  /** ownsNamespace: the backend may set the test namespace's bridge sysctls. */
  constructor(private readonly options: { ownsNamespace?: boolean } = {}) {}

  async setUp(): Promise<void> {
    this.leaveNamespace = enterPrivateNetworkNamespace();
    this.runtimeDir = await mkdtemp(join(tmpdir(), "vmnet-broker-linux-test-"));
    this.backend = createLinuxBackend({ runtimeDir: this.runtimeDir, ...this.options });
  }

  async create(config: NetworkConfig): Promise<BackendNetwork> {
    const network = await this.backend.createNetwork(config);
    this.networks.push(network);
    return network;
  }

  async guest(name: string): Promise<Guest> {
    const guest = await createGuest(name);
    this.guests.push(guest);
    return guest;
  }

  async cleanUp(): Promise<void> {
    for (const network of this.networks.splice(0)) await network.destroy();
    for (const guest of this.guests.splice(0)) await guest.remove();
    if (this.runtimeDir !== "") await rm(this.runtimeDir, { recursive: true, force: true });
    this.leaveNamespace?.();
    this.leaveNamespace = undefined;
  }
}

/** Names of all links in the current namespace. */
export async function linkNames(): Promise<string[]> {
  const links = JSON.parse(await runTool("ip", ["-j", "link", "show"])) as { ifname: string }[];
  return links.map((link) => link.ifname);
}

export async function nftRuleset(): Promise<string> {
  return runTool("nft", ["list", "ruleset"]);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
