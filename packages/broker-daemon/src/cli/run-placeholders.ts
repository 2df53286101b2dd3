// SPDX-License-Identifier: Apache-2.0
/**
 * What `run` tells the command about its TAP: placeholders in its arguments and
 * VMNET_BROKER_* variables in its environment.
 */
export interface RunTap {
  readonly network: { name: string; gateway: string; subnet: string; mask: string };
  /** The TAP device's name on the host. */
  readonly name: string;
  /** The numbers the command finds the queue fds at; empty for a TAP by name. */
  readonly fds: readonly number[];
  /** The numbers of the /dev/vhost-net fds (--vhost-net), after the queue fds. */
  readonly vhostFds: readonly number[];
  /** The MAC the broker picked for the guest; "" from a broker too old to pick one. */
  readonly guestMac: string;
}

/**
 * Replaces {mac} (the guest MAC), {fd} (the first queue's fd), {fds} (every
 * queue's fd, colon separated, as QEMU's fds= wants), {tap} (the TAP's name),
 * {vhostfd} and {vhostfds} (the same for the vhost-net fds) wherever they
 * appear in an argument.
 */
export function fillPlaceholders(args: readonly string[], tap: RunTap): string[] {
  const values: Record<string, string> = {
    "{mac}": tap.guestMac,
    "{fd}": String(tap.fds[0]),
    "{fds}": tap.fds.join(":"),
    "{tap}": tap.name,
    "{vhostfd}": String(tap.vhostFds[0]),
    "{vhostfds}": tap.vhostFds.join(":"),
  };
  return args.map((arg) =>
    arg.replace(/\{(mac|fds|fd|tap|vhostfds|vhostfd)\}/g, (placeholder) => {
      if (placeholder === "{mac}" && tap.guestMac === "") {
        throw new Error("the command uses {mac}, but the broker picked no guest MAC (it is older than that)");
      }
      if (placeholder.startsWith("{fd") && tap.fds.length === 0) {
        throw new Error(`the command uses ${placeholder}, but --tap-name gives the TAP by name: use {tap}`);
      }
      if (placeholder.startsWith("{vhostfd") && tap.vhostFds.length === 0) {
        throw new Error(`the command uses ${placeholder}: add --vhost-net`);
      }
      return values[placeholder] as string;
    }),
  );
}

export function runEnvironment(tap: RunTap, base: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return {
    ...base,
    VMNET_BROKER_TAP_FDS: tap.fds.join(","),
    VMNET_BROKER_VHOST_FDS: tap.vhostFds.join(","),
    VMNET_BROKER_TAP_NAME: tap.name,
    VMNET_BROKER_GUEST_MAC: tap.guestMac,
    VMNET_BROKER_NETWORK: tap.network.name,
    VMNET_BROKER_GATEWAY: tap.network.gateway,
    VMNET_BROKER_SUBNET: tap.network.subnet,
    VMNET_BROKER_MASK: tap.network.mask,
  };
}
