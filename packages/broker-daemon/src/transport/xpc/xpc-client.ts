// SPDX-License-Identifier: Apache-2.0
/**
 * The client side of the XPC transport, for the CLI on macOS: one Request over
 * {command: "request", request: data}, one Reply back from {reply: data}.
 */
import { ErrorCode, type Lease, type Network, Reply, Request, type Status } from "@vmnet-broker/client/protocol";
import { type DarwinNative, darwinNative, type XpcClientNative, type XpcSessionHandle } from "./darwin-native.js";
import { DEFAULT_SERVICE_NAME } from "./xpc-transport.js";
import { type XpcDictionary, type XpcValue, xpcData, xpcDictionary, xpcGet, xpcString } from "./xpc-value.js";

export class XpcClientError extends Error {
  override readonly name = "XpcClientError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function requestMessage(request: Request): XpcDictionary {
  return xpcDictionary({ command: xpcString("request"), request: xpcData(Request.encode(request).finish()) });
}

/** The Reply inside a broker's answer; {error: n} (a broker that rejected the shape) becomes an XpcClientError. */
export function replyFromMessage(message: XpcValue): Reply {
  if (message.type !== "dictionary")
    throw new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, `reply is ${message.type}, not a dictionary`);
  const data = xpcGet(message, "reply");
  if (data?.type === "data") {
    try {
      return Reply.decode(data.value);
    } catch (error) {
      throw new XpcClientError(
        ErrorCode.ERROR_CODE_INVALID_REPLY,
        `undecodable reply: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const code = xpcGet(message, "error");
  if (code?.type === "int64") throw new XpcClientError(Number(code.value), `broker answered with error ${code.value}`);
  throw new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, "reply has neither 'reply' data nor an 'error' code");
}

export async function xpcRequest(native: XpcClientNative, serviceName: string, request: Request): Promise<Reply> {
  let answer: XpcValue;
  try {
    answer = await native.xpcSendRequest(serviceName, requestMessage(request));
  } catch (error) {
    throw new XpcClientError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, error instanceof Error ? error.message : String(error));
  }
  return replyFromMessage(answer);
}

/** The broker's Status over XPC (what `vmnet-broker status` shows on macOS). */
export async function xpcStatus(serviceName = DEFAULT_SERVICE_NAME, native: DarwinNative = darwinNative()): Promise<Status> {
  const reply = await xpcRequest(native, serviceName, { id: 1, command: { $case: "status", value: {} } });
  if (reply.result?.$case === "status") return reply.result.value;
  if (reply.result?.$case === "error") throw new XpcClientError(reply.result.value.code, reply.result.value.message);
  throw new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, `expected a status reply, got ${reply.result?.$case ?? "nothing"}`);
}

/** A guest's lease over XPC, waiting up to waitMs (what `vmnet-broker lease` does on macOS). */
export async function xpcLease(
  networkName: string,
  mac: string,
  waitMs: number,
  serviceName = DEFAULT_SERVICE_NAME,
  native: XpcClientNative = darwinNative(),
): Promise<Lease> {
  const reply = await xpcRequest(native, serviceName, { id: 1, command: { $case: "lease", value: { networkName, mac, waitMs } } });
  if (reply.result?.$case === "lease") return reply.result.value;
  if (reply.result?.$case === "error") throw new XpcClientError(reply.result.value.code, reply.result.value.message);
  throw new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, `expected a lease reply, got ${reply.result?.$case ?? "nothing"}`);
}

/** An acquired network: the broker's description and its vmnet serialization. */
export interface XpcAcquired {
  readonly network: Network;
  readonly serialization: XpcValue;
}

/**
 * One connection to the broker held open: networks acquired on it stay acquired
 * until close() (or the process exits), as with any client.
 */
export class XpcSession {
  #nextId = 1;

  private constructor(
    private readonly native: XpcClientNative,
    private readonly handle: XpcSessionHandle,
  ) {}

  static open(serviceName = DEFAULT_SERVICE_NAME, native: XpcClientNative = darwinNative()): XpcSession {
    return new XpcSession(native, native.xpcOpen(serviceName));
  }

  async acquire(name: string): Promise<XpcAcquired> {
    const request: Request = { id: this.#nextId++, command: { $case: "acquire", value: { networkName: name } } };
    let answer: XpcValue;
    try {
      answer = await this.native.xpcSend(this.handle, requestMessage(request));
    } catch (error) {
      throw new XpcClientError(ErrorCode.ERROR_CODE_TRANSPORT_FAILURE, error instanceof Error ? error.message : String(error));
    }
    const reply = replyFromMessage(answer);
    if (reply.result?.$case === "error") throw new XpcClientError(reply.result.value.code, reply.result.value.message);
    const serialization = answer.type === "dictionary" ? xpcGet(answer, "network") : undefined;
    if (reply.result?.$case !== "network" || serialization === undefined) {
      throw new XpcClientError(ErrorCode.ERROR_CODE_INVALID_REPLY, "an acquire reply without a network and its serialization");
    }
    return { network: reply.result.value, serialization };
  }

  close(): void {
    this.native.xpcClose(this.handle);
  }
}
