// SPDX-License-Identifier: Apache-2.0
import { NetworkMode, Reply, Request } from "../gen/vmnet_broker/v1/broker.js";
import { native } from "../native/load-native-addon.js";
import type { NativeEndpoint } from "../native/native-addon.js";
import { FrameDecoder } from "../socket/frame-decoder.js";
import { encodeFrame } from "../socket/frame-encoder.js";
import { MAX_REQUEST_PAYLOAD } from "../socket/frame-limits.js";
import { closeAll } from "../socket/framed-endpoint.js";
import { UnixListener } from "../socket/unix-listener.js";

/** One request as the fake broker received it. */
export interface ReceivedRequest {
  readonly request: Request;
  readonly fds: number[];
  /** Sends a reply frame on this request's connection. */
  reply(reply: Reply, fds?: readonly number[]): void;
  /** Sends raw bytes (to break the framing on purpose). */
  sendRaw(bytes: Uint8Array): void;
  /** Drops the connection, as a crashing broker would. */
  hangUp(): void;
}

/**
 * A scripted broker on a real Unix socket, for testing the client's side of
 * the wire. `respond` decides what each request gets; without it, requests
 * wait in `requests` for the test to answer.
 */
export class FakeBroker {
  readonly requests: ReceivedRequest[] = [];
  /** The hello each client sent first, at connect: answered here, kept out of `requests`. */
  readonly hellos: Request[] = [];
  readonly connections = new Set<NativeEndpoint>();
  disconnects = 0;
  readonly #listener: UnixListener;

  /** answerHello false: the first hello goes to `respond` and `requests` like any request. */
  constructor(
    readonly path: string,
    respond?: (received: ReceivedRequest) => void,
    { answerHello = true } = {},
  ) {
    this.#listener = UnixListener.listen(
      { path, mode: 0o600 },
      {
        onConnection: (fd) => {
          // Raw endpoint plus decoder, so tests can also send bytes that are not frames.
          const decoder = new FrameDecoder(MAX_REQUEST_PAYLOAD);
          let greeted = false;
          const endpoint: NativeEndpoint = new native.Endpoint(
            fd,
            (chunk, chunkFds) => {
              for (const frame of decoder.push(chunk, chunkFds).frames) {
                const received: ReceivedRequest = {
                  request: Request.decode(frame.payload),
                  fds: frame.fds,
                  reply: (reply, replyFds = []) =>
                    endpoint.send(
                      encodeFrame(Reply.encode(reply).finish(), Number.MAX_SAFE_INTEGER),
                      replyFds,
                    ),
                  sendRaw: (bytes) => endpoint.send(bytes, []),
                  hangUp: () => endpoint.close(),
                };
                const first = !greeted;
                greeted = true;
                if (first && answerHello && received.request.command?.$case === "hello") {
                  this.hellos.push(received.request);
                  received.reply(helloReply(received.request.id));
                  continue;
                }
                this.requests.push(received);
                respond?.(received);
              }
            },
            () => {
              this.disconnects++;
              this.connections.delete(endpoint);
            },
          );
          this.connections.add(endpoint);
        },
      },
    );
  }

  /** Drops every connection and stops listening. */
  stop(): void {
    this.#listener.close();
    for (const endpoint of this.connections) endpoint.close();
    for (const received of this.requests) closeAll(received.fds.splice(0));
  }
}

export function networkReply(id: number, name: string): Reply {
  return Reply.fromPartial({
    id,
    result: {
      $case: "network",
      value: {
        name,
        mode: NetworkMode.NETWORK_MODE_SHARED,
        subnet: "192.168.105.0",
        mask: "255.255.255.0",
        gateway: "192.168.105.1",
        mtu: 1500,
        bridge: "vmbr-test",
        dhcp: true,
        dns: true,
      },
    },
  });
}

export function helloReply(id: number): Reply {
  return Reply.fromPartial({
    id,
    result: {
      $case: "hello",
      value: { protocolVersion: 1, brokerVersion: "fake", platform: "linux", features: [] },
    },
  });
}

export function errorReply(id: number, code: number, message: string): Reply {
  return Reply.fromPartial({ id, result: { $case: "error", value: { code, message } } });
}

/** Answers acquire with the network named in the request, everything else with INVALID_REQUEST. */
export function echoAcquire(received: ReceivedRequest): void {
  const { request } = received;
  if (request.command?.$case === "acquire") {
    received.reply(networkReply(request.id, request.command.value.networkName));
  } else {
    received.reply(errorReply(request.id, 4, "not scripted"));
  }
}
