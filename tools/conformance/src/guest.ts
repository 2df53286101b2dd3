// SPDX-License-Identifier: Apache-2.0
/**
 * A guest for lease cases: a network namespace the runner makes, attached to a
 * network through `vmnet-broker acquire --veth-into` (the runner's own
 * connection, held until the guest is removed), given a chosen MAC, then taking a
 * DHCP lease with busybox udhcpc. Traffic stays between namespaces of this run.
 */
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { exitedWithin, type GroupChild, spawnGroup, stopGroup } from "./process-group.js";

interface SandboxGuest {
  readonly netnsPath: string;
  run(file: string, args?: readonly string[]): Promise<string>;
  remove(): Promise<void>;
}
interface Sandbox {
  createGuest(name: string): Promise<SandboxGuest>;
  acquireDhcpLease(guest: SandboxGuest, ifname: string): Promise<{ ip: string }>;
}

const ATTACH_LIMIT_MS = 15_000;

export class Guest {
  private constructor(
    private readonly guest: SandboxGuest,
    private readonly holder: GroupChild,
  ) {}

  /** Attaches a new guest to `network` with `mac` and runs DHCP in it: resolves with its address. */
  static async start(
    mainJs: string,
    socketPath: string,
    name: string,
    network: string,
    mac: string,
  ): Promise<{ guest: Guest; ip: string }> {
    // The daemon's own guest and DHCP helpers, from the build the runner tests.
    const sandbox = (await import(pathToFileURL(join(dirname(mainJs), "../sandbox/index.js")).href)) as Sandbox;
    const inner = await sandbox.createGuest(name);
    const holder = spawnGroup(
      process.execPath,
      [
        mainJs,
        "acquire",
        "--socket",
        socketPath,
        "--json",
        "--veth-into",
        inner.netnsPath,
        "--ifname",
        "eth0",
        "--until-stdin-closes",
        network,
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    const guest = new Guest(inner, holder);
    try {
      await guest.#attached();
      await inner.run("ip", ["link", "set", "eth0", "address", mac]);
      const { ip } = await sandbox.acquireDhcpLease(inner, "eth0");
      return { guest, ip };
    } catch (error) {
      await guest.remove();
      throw error;
    }
  }

  /** Waits for acquire's "veth" line. */
  #attached(): Promise<void> {
    const out = this.holder.child.stdout;
    return new Promise((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error(`guest not attached within ${ATTACH_LIMIT_MS} ms: ${text}`)), ATTACH_LIMIT_MS);
      out?.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
        if (text.includes('"veth"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void this.holder.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`vmnet-broker acquire --veth-into exited: ${text}`));
      });
    });
  }

  /** Releases the runner's hold on the network and removes the namespace. */
  async remove(): Promise<void> {
    this.holder.child.stdin?.end();
    if (!(await exitedWithin(this.holder, 3000))) await stopGroup(this.holder, 0);
    await this.guest.remove();
  }
}
