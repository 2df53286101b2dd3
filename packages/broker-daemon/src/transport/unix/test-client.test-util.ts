// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from "node:child_process";
import { constants, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Reply, Request } from "@vmnet-broker/client/protocol";
import { type CloseInfo, connectUnix, FramedEndpoint, MAX_REPLY_PAYLOAD } from "@vmnet-broker/client/socket";

/** A raw framed client, to drive the transport frame by frame. */
export class TestConnection {
  readonly replies: { reply: Reply; fds: number[] }[] = [];
  closed: CloseInfo | undefined;
  readonly endpoint: FramedEndpoint;

  constructor(path: string, maxSendPayload = MAX_REPLY_PAYLOAD) {
    this.endpoint = new FramedEndpoint(
      connectUnix(path),
      { maxReceivePayload: MAX_REPLY_PAYLOAD, maxSendPayload },
      {
        onFrame: (payload, fds) => this.replies.push({ reply: Reply.decode(payload), fds }),
        onClose: (info) => {
          this.closed = info;
        },
      },
    );
  }

  send(request: Partial<Request>, fds: readonly number[] = []): void {
    this.endpoint.send(Request.encode(Request.fromPartial(request)).finish(), fds);
  }
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "vmnet-broker-transport-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function eventually(check: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A real pipe (a FIFO opened at both ends, non-blocking). */
export function makePipe(dir: string, name = "fifo"): { read: number; write: number } {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const write = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  return { read, write };
}

/** Reads what is in a non-blocking pipe: a string, "" at EOF, or undefined if empty but open. */
export function readPipe(fd: number): string | undefined {
  const buffer = Buffer.alloc(256);
  try {
    return buffer.subarray(0, readSync(fd, buffer)).toString();
  } catch (error) {
    if ((error as { code?: string }).code === "EAGAIN") return undefined;
    throw error;
  }
}
