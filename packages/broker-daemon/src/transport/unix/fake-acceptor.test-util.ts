// SPDX-License-Identifier: Apache-2.0
import type { Request } from "@vmnet-broker/client/protocol";
import type { Outgoing, PeerAcceptor, PeerConnection, PeerCredentials } from "../../core/peer.js";

/** A stand-in for the core, recording what the transport does with each peer. */
export class FakePeer implements PeerConnection {
  readonly requests: { request: Request; fds: readonly number[] }[] = [];
  closeCount = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly id: bigint,
    readonly credentials: PeerCredentials,
    readonly transport: "unix" | "xpc",
    private readonly respond: (request: Request, fds: readonly number[], peer: FakePeer) => Promise<Outgoing> | Outgoing,
  ) {}

  async handle(request: Request, fds: readonly number[]): Promise<Outgoing> {
    this.requests.push({ request, fds });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.respond(request, fds, this);
    } finally {
      this.inFlight--;
    }
  }

  close(): void {
    this.closeCount++;
  }
}

export class FakeAcceptor implements PeerAcceptor {
  readonly peers: FakePeer[] = [];
  #nextId = 1n;

  constructor(private readonly respond: (request: Request, fds: readonly number[], peer: FakePeer) => Promise<Outgoing> | Outgoing) {}

  connect(credentials: PeerCredentials, transport: "unix" | "xpc"): PeerConnection {
    const peer = new FakePeer(this.#nextId++, credentials, transport, this.respond);
    this.peers.push(peer);
    return peer;
  }
}
