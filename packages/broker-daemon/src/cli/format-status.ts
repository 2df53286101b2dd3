// SPDX-License-Identifier: Apache-2.0
import type { Status } from "@vmnet-broker/client/protocol";
import { LEASE_HEADER, type LeaseJson, leaseRows } from "./lease-rows.js";
import { statusToJson } from "./status-json.js";

/** Renders rows as aligned columns. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export interface FormatOptions {
  /** Turns uids into names where it can. */
  readonly userName?: (uid: number) => string | undefined;
  /** Show expired leases too (marked "expired"). */
  readonly all?: boolean;
  readonly now?: Date;
}

/** The human view of `vmnet-broker status`. */
export function formatStatus(status: Status, options: FormatOptions = {}): string {
  const s = statusToJson(status) as unknown as {
    broker_version: string;
    platform: string;
    pid: number;
    uptime_seconds: number;
    networks: Array<{
      network: {
        name: string;
        mode: string;
        subnet: string;
        mask: string;
        gateway: string;
        bridge: string;
        port_forwards: Array<{ protocol: string; external_port: number; internal_address: string; internal_port: number }>;
      };
      references: number;
      removal_in_ms: number;
      live: boolean;
      leases: LeaseJson[];
      interfaces: Array<{ name: string; kind: string; peer_id: number; owner_uid: number }>;
      overlay?: { vni: number; underlay: string; local: string; port: number; peers: string[]; serves_dhcp: boolean };
    }>;
    peers: Array<{ id: number; uid: number; gid: number; pid: number; networks: string[]; connected_seconds: number; client_name: string }>;
    counters?: Record<string, number>;
    config_errors: string[];
    view_filtered: boolean;
  };
  const user = (uid: number) => options.userName?.(uid) ?? String(uid);
  const out: string[] = [];
  out.push(`vmnet-broker ${s.broker_version} on ${s.platform}, pid ${s.pid}, up ${s.uptime_seconds}s`);
  if (s.view_filtered) {
    out.push("Filtered view: your networks, connections, interfaces and leases only (root and the admin group see all).");
  }
  out.push("", "NETWORKS");
  out.push(
    s.networks.length === 0
      ? "(none)"
      : table(
          ["NAME", "MODE", "SUBNET", "GATEWAY", "BRIDGE", "REFS", "STATE"],
          s.networks.map((n) => [
            n.network.name,
            n.network.mode,
            n.network.subnet ? `${n.network.subnet}/${maskBits(n.network.mask)}` : "-",
            n.network.gateway || "-",
            n.network.bridge || "-",
            n.live ? String(n.references) : "-",
            !n.live ? "not live" : n.references > 0 ? "in use" : `removal in ${Math.ceil(n.removal_in_ms / 1000)}s`,
          ]),
        ),
  );
  const overlays = s.networks.flatMap((n) =>
    n.overlay
      ? [
          [
            n.network.name,
            String(n.overlay.vni),
            n.overlay.underlay,
            n.overlay.local || "auto",
            String(n.overlay.port),
            n.overlay.serves_dhcp ? "serve" : "none",
            n.overlay.peers.join(","),
          ],
        ]
      : [],
  );
  if (overlays.length > 0) out.push("", "OVERLAYS", table(["NETWORK", "VNI", "UNDERLAY", "LOCAL", "PORT", "DHCP", "PEERS"], overlays));
  out.push("", "PEERS");
  out.push(
    s.peers.length === 0
      ? "(none)"
      : table(
          ["ID", "USER", "GID", "PID", "CLIENT", "NETWORKS", "CONNECTED"],
          s.peers.map((p) => [
            String(p.id),
            user(p.uid),
            String(p.gid),
            String(p.pid),
            p.client_name || "-",
            p.networks.join(",") || "-",
            `${p.connected_seconds}s`,
          ]),
        ),
  );
  const nowUnix = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const leases = leaseRows(
    s.networks.map((n) => ({ name: n.network.name, leases: n.leases })),
    nowUnix,
    options.all ?? false,
  );
  out.push("", "LEASES", leases.rows.length === 0 ? "(none)" : table(LEASE_HEADER, leases.rows));
  if (leases.hidden > 0) out.push(`(${leases.hidden} expired, not shown; --all shows them)`);
  const interfaces = s.networks.flatMap((n) =>
    n.interfaces.map((i) => [n.network.name, i.name, i.kind, String(i.peer_id), user(i.owner_uid)]),
  );
  if (interfaces.length > 0) out.push("", "INTERFACES", table(["NETWORK", "NAME", "KIND", "PEER", "OWNER"], interfaces));
  const forwards = s.networks.flatMap((n) =>
    n.network.port_forwards.map((f) => [
      n.network.name,
      f.protocol,
      String(f.external_port),
      `${f.internal_address.includes(":") ? `[${f.internal_address}]` : f.internal_address}:${f.internal_port}`,
    ]),
  );
  if (forwards.length > 0) out.push("", "PORT FORWARDS", table(["NETWORK", "PROTO", "HOST PORT", "GUEST"], forwards));
  if (s.counters) {
    out.push(
      "",
      "COUNTERS",
      Object.entries(s.counters)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    );
  }
  if (s.config_errors.length > 0) out.push("", "CONFIGURATION ERRORS", ...s.config_errors);
  return `${out.join("\n")}\n`;
}

function maskBits(mask: string): number {
  return mask.split(".").reduce((bits, part) => bits + (Number(part) >>> 0).toString(2).replaceAll("0", "").length, 0);
}
