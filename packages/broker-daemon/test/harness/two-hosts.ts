// SPDX-License-Identifier: Apache-2.0
// Two "hosts" for the multi-host tests: two named network namespaces joined by a
// veth underlay (10.98.0.1 - 10.98.0.2 on ul0), optionally with a userspace
// WireGuard tunnel over it (wireguard-go; the kernel here has no wireguard module)
// whose addresses then carry the overlay. Each host counts, with an nft counter of
// its own table, the VXLAN and the WireGuard packets its underlay brings in.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addNetns, removeNetns } from "./named-netns.js";

export const VXLAN_PORT = 4789;
export const WG_PORT = 51820;

export interface Host {
  readonly netns: string;
  /** Its address on the interface the overlay uses (ul0, or the WireGuard interface). */
  readonly address: string;
  /** The interface the overlay uses. */
  readonly underlay: string;
}

export class TwoHosts {
  readonly a: Host;
  readonly b: Host;
  private readonly wireguard: ChildProcess[] = [];
  private readonly keys = mkdtempSync(join(tmpdir(), "vmnet-mh-keys-"));

  /** `encrypted`: the overlay runs over WireGuard interfaces named after `tag`. */
  constructor(tag: string, encrypted: boolean) {
    const names = { a: `vmnet-mh-a-${tag}`, b: `vmnet-mh-b-${tag}` };
    for (const netns of Object.values(names)) {
      addNetns(netns);
    }
    // Made inside host A, its other end created straight in host B: nothing appears elsewhere.
    this.in(names.a, "ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", names.b);
    this.in(names.a, "ip", "addr", "add", "10.98.0.1/24", "dev", "ul0");
    this.in(names.b, "ip", "addr", "add", "10.98.0.2/24", "dev", "ul0");
    for (const netns of Object.values(names)) {
      this.in(netns, "ip", "link", "set", "ul0", "up");
      this.in(
        netns,
        "nft",
        "add table inet vmnet_mh_test; add counter inet vmnet_mh_test vxlan_in; add counter inet vmnet_mh_test wg_in; " +
          "add counter inet vmnet_mh_test vxlan_in_tunnel; " +
          "add chain inet vmnet_mh_test input { type filter hook input priority -300; }; " +
          `add rule inet vmnet_mh_test input iifname "ul0" udp dport ${VXLAN_PORT} counter name vxlan_in; ` +
          `add rule inet vmnet_mh_test input iifname "ul0" udp dport ${WG_PORT} counter name wg_in; ` +
          `add rule inet vmnet_mh_test input iifname != "ul0" udp dport ${VXLAN_PORT} counter name vxlan_in_tunnel`,
      );
    }
    if (!encrypted) {
      this.a = { netns: names.a, address: "10.98.0.1", underlay: "ul0" };
      this.b = { netns: names.b, address: "10.98.0.2", underlay: "ul0" };
      return;
    }
    // wireguard-go's control sockets live in /var/run/wireguard, shared by every
    // namespace: the interface names must differ between hosts and runs.
    this.a = { netns: names.a, address: "10.99.0.1", underlay: `wga${tag}`.slice(0, 15) };
    this.b = { netns: names.b, address: "10.99.0.2", underlay: `wgb${tag}`.slice(0, 15) };
    const key = (host: Host) => {
      const secret = execFileSync("wg", ["genkey"], { encoding: "utf8" }).trim();
      const file = join(this.keys, host.underlay);
      writeFileSync(file, `${secret}\n`, { mode: 0o600 });
      return { file, public: execFileSync("wg", ["pubkey"], { input: secret, encoding: "utf8" }).trim() };
    };
    const keyA = key(this.a);
    const keyB = key(this.b);
    this.tunnel(this.a, keyA.file, keyB.public, "10.98.0.2", this.b.address);
    this.tunnel(this.b, keyB.file, keyA.public, "10.98.0.1", this.a.address);
  }

  private tunnel(host: Host, privateKey: string, peerKey: string, peerUnderlay: string, peerAddress: string): void {
    const child = spawn("ip", ["netns", "exec", host.netns, "setpriv", "--pdeathsig", "TERM", "--", "wireguard-go", "-f", host.underlay], {
      stdio: "ignore",
    });
    this.wireguard.push(child);
    for (let i = 0; ; i++) {
      try {
        execFileSync("ip", ["-n", host.netns, "link", "show", host.underlay], { stdio: "ignore" });
        break;
      } catch (error) {
        if (i > 100) throw error;
        execFileSync("sleep", ["0.05"]);
      }
    }
    this.in(host.netns, "wg", "set", host.underlay, "private-key", privateKey, "listen-port", String(WG_PORT));
    this.in(
      host.netns,
      "wg",
      "set",
      host.underlay,
      "peer",
      peerKey,
      "endpoint",
      `${peerUnderlay}:${WG_PORT}`,
      "allowed-ips",
      `${peerAddress}/32`,
    );
    this.in(host.netns, "ip", "addr", "add", `${host.address}/24`, "dev", host.underlay);
    this.in(host.netns, "ip", "link", "set", host.underlay, "up");
  }

  in(netns: string, ...args: string[]): string {
    return execFileSync("ip", ["netns", "exec", netns, ...args], { encoding: "utf8" });
  }

  /** Packets the nft counter `name` of `host` has seen. */
  counted(host: Host, name: "vxlan_in" | "wg_in" | "vxlan_in_tunnel"): number {
    const out = this.in(host.netns, "nft", "list", "counter", "inet", "vmnet_mh_test", name);
    return Number(/packets (\d+)/.exec(out)?.[1] ?? Number.NaN);
  }

  /** Kills everything left in both namespaces, then removes them (and their links). */
  async remove(): Promise<void> {
    for (const child of this.wireguard) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await gone;
      }
    }
    for (const host of [this.a, this.b]) {
      removeNetns(host.netns);
      if (host.underlay !== "ul0") rmSync(`/var/run/wireguard/${host.underlay}.sock`, { force: true });
    }
    rmSync(this.keys, { recursive: true, force: true });
  }
}
