/**
 * What `run` tells the command about its TAP: placeholders in its arguments and
 * VMNET_BROKER_* variables in its environment.
 */
export interface RunTap {
  readonly network: { name: string; gateway: string; subnet: string; mask: string };
  /** The TAP device's name on the host. */
  readonly name: string;
  /** The numbers the command finds the queue fds at. */
  readonly fds: readonly number[];
  /** The MAC the broker picked for the guest; "" from a broker too old to pick one. */
  readonly guestMac: string;
}

/**
 * Replaces {mac} (the guest MAC), {fd} (the first queue's fd), {fds} (every
 * queue's fd, colon separated, as QEMU's fds= wants) and {tap} (the TAP's name)
 * wherever they appear in an argument.
 */
export function fillPlaceholders(args: readonly string[], tap: RunTap): string[] {
  const values: Record<string, string> = {
    "{mac}": tap.guestMac,
    "{fd}": String(tap.fds[0]),
    "{fds}": tap.fds.join(":"),
    "{tap}": tap.name,
  };
  return args.map((arg) =>
    arg.replace(/\{(mac|fds|fd|tap)\}/g, (placeholder) => {
      if (placeholder === "{mac}" && tap.guestMac === "") {
        throw new Error("the command uses {mac}, but the broker picked no guest MAC (it is older than that)");
      }
      return values[placeholder] as string;
    }),
  );
}

export function runEnvironment(tap: RunTap, base: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return {
    ...base,
    VMNET_BROKER_TAP_FDS: tap.fds.join(","),
    VMNET_BROKER_TAP_NAME: tap.name,
    VMNET_BROKER_GUEST_MAC: tap.guestMac,
    VMNET_BROKER_NETWORK: tap.network.name,
    VMNET_BROKER_GATEWAY: tap.network.gateway,
    VMNET_BROKER_SUBNET: tap.network.subnet,
    VMNET_BROKER_MASK: tap.network.mask,
  };
}
