// SPDX-License-Identifier: Apache-2.0
import { closeSync } from "node:fs";
import {
  BrokerClient,
  BrokerError,
  type BrokerEvent,
  ErrorCodes,
  type EventStream,
  type InterfaceHolder,
  type Network,
} from "@vmnet-broker/client";
import { TapDevice } from "./tap-probe.js";

export type Command = { readonly op?: unknown } & Record<string, unknown>;
export type Result = Record<string, unknown>;

/** How long tap_probe waits for the gateway's ARP reply. */
const PROBE_LIMIT_MS = 5_000;

/** A failure to report as {"ok": false, "code", "message"}. */
function fail(code: number, message: string): never {
  throw new BrokerError(code, message);
}

function stringField(command: Command, name: string): string {
  const value = command[name];
  return typeof value === "string" ? value : fail(ErrorCodes.InvalidRequest, `"${name}" must be a string`);
}

function integerField(command: Command, name: string, fallback: number): number {
  const value = command[name] ?? fallback;
  return typeof value === "number" && Number.isInteger(value)
    ? value
    : fail(ErrorCodes.InvalidRequest, `"${name}" must be an integer`);
}

function holderField(command: Command): InterfaceHolder {
  const value = command.holder ?? "connection";
  return value === "connection" || value === "interface"
    ? value
    : fail(ErrorCodes.InvalidRequest, `"holder" must be "connection" or "interface"`);
}

/**
 * The state of one simulated client: its connection (the lease), its last TAP,
 * and every TAP fd it holds (kept past `close`, until `close_taps` or exit).
 */
export class ConformanceClient {
  #broker: BrokerClient | undefined;
  readonly #networks = new Map<string, Network>();
  #lastTap: { device: TapDevice; network: string } | undefined;
  #tapFds: number[] = [];
  #events: EventStream | undefined;
  /** A next() still outstanding after next_event gave up waiting; the next next_event takes it. */
  #pendingEvent: Promise<IteratorResult<BrokerEvent>> | undefined;

  async run(command: Command): Promise<Result> {
    switch (command.op) {
      case "connect":
        await this.#broker?.close();
        this.#broker = await BrokerClient.connect();
        return {};
      case "hello": {
        const hello = await this.#connected().hello();
        return {
          protocol_version: hello.protocolVersion,
          broker_version: hello.brokerVersion,
          platform: hello.platform,
        };
      }
      case "acquire": {
        const network = await this.#connected().acquireNetwork(stringField(command, "network"));
        this.#networks.set(network.name, network);
        return {
          network: {
            name: network.name,
            mode: network.mode,
            subnet: network.subnet,
            mask: network.mask,
            gateway: network.gateway,
            mtu: network.mtu,
            bridge: network.bridge,
          },
        };
      }
      case "status": {
        const status = await this.#connected().status();
        return {
          networks: status.networks.map((n) => ({ name: n.network?.name ?? "", references: n.references })),
          peers: status.peers.length,
        };
      }
      case "open_tap":
        return this.#openTap(command);
      case "tap_probe":
        return this.#probe();
      case "close_taps":
        return this.#closeTaps();
      case "pipeline":
        return this.#pipeline(command);
      case "wait_lease": {
        const lease = await this.#connected().waitForLease(
          stringField(command, "network"),
          stringField(command, "mac"),
          {
            timeoutMs: integerField(command, "wait_ms", 0),
          },
        );
        return { lease: { ip: lease.ip, mac: lease.mac, network: lease.network } };
      }
      case "subscribe":
        this.#events = await this.#connected().events();
        return { next_sequence: Number(this.#events.nextSequence) };
      case "next_event":
        return this.#nextEvent(command);
      case "close":
        await this.#broker?.close();
        this.#broker = undefined;
        this.#events?.close();
        this.#events = undefined;
        return {};
      default:
        return fail(ErrorCodes.InvalidRequest, `unknown op ${JSON.stringify(command.op)}`);
    }
  }

  #connected(): BrokerClient {
    return this.#broker ?? fail(ErrorCodes.TransportFailure, "not connected (send connect first)");
  }

  async #openTap(command: Command): Promise<Result> {
    const networkName = stringField(command, "network");
    const vnetHeader = command.vnet_header === true;
    const tap = await this.#connected().openTap(networkName, {
      vnetHeader,
      queues: integerField(command, "queues", 1),
      holder: holderField(command),
      named: command.named === true,
      vhostNet: command.vhost_net === true,
    });
    // The program keeps the fds open (the runner checks the TAP stays alive).
    this.#tapFds.push(...tap.fds, ...tap.vhostFds);
    const [first] = tap.fds;
    this.#lastTap =
      first !== undefined ? { device: new TapDevice(first, vnetHeader), network: networkName } : undefined;
    return {
      name: tap.name,
      fds: tap.fds.length,
      vhost_fds: tap.vhostFds.length,
      holder: tap.holder,
      guest_mac: tap.guestMac,
    };
  }

  /** The next event (of `type`, when given; others are skipped) within wait_ms, else NOT_FOUND. */
  async #nextEvent(command: Command): Promise<Result> {
    const events = this.#events ?? fail(ErrorCodes.InvalidRequest, "next_event before subscribe");
    const type = command.type === undefined ? undefined : stringField(command, "type");
    const deadline = Date.now() + integerField(command, "wait_ms", 10_000);
    for (;;) {
      this.#pendingEvent ??= events.next();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(deadline - Date.now(), 0));
      });
      const next = await Promise.race([this.#pendingEvent, timeout]).finally(() => clearTimeout(timer));
      if (next === "timeout") return fail(ErrorCodes.NotFound, `no ${type ?? "event"} within the wait`);
      this.#pendingEvent = undefined;
      if (next.done) return fail(ErrorCodes.TransportFailure, "the event stream ended");
      const event = next.value;
      if (type !== undefined && event.type !== type) continue;
      return {
        type: event.type,
        network: event.network,
        sequence: Number(event.sequence),
        ...(event.lease !== undefined ? { lease: { ip: event.lease.ip, mac: event.lease.mac } } : {}),
      };
    }
  }

  #closeTaps(): Result {
    const fds = this.#tapFds.splice(0);
    for (const fd of fds) closeSync(fd);
    this.#lastTap = undefined;
    return { closed: fds.length };
  }

  async #probe(): Promise<Result> {
    const tap = this.#lastTap ?? fail(ErrorCodes.InternalError, "tap_probe before any open_tap");
    const gateway =
      this.#networks.get(tap.network)?.gateway ??
      fail(ErrorCodes.InternalError, "the TAP's network is unknown");
    const replyFrom = await tap.device.probeGateway(gateway, PROBE_LIMIT_MS);
    return replyFrom !== undefined
      ? { reply_from: replyFrom }
      : fail(ErrorCodes.InternalError, `no ARP reply from ${gateway} within ${PROBE_LIMIT_MS} ms`);
  }

  async #pipeline(command: Command): Promise<Result> {
    const network = stringField(command, "network");
    const count = integerField(command, "count", 1);
    const broker = this.#connected();
    // All requests go out before any reply is read; the client matches replies by
    // id and rejects a mismatch with INVALID_REPLY.
    const replies = await Promise.all(Array.from({ length: count }, () => broker.acquireNetwork(network)));
    const wrong = replies.find((n) => n.name !== network);
    if (wrong !== undefined) fail(ErrorCodes.InvalidReply, `a reply named ${wrong.name}, not ${network}`);
    return { replies: replies.length };
  }
}
