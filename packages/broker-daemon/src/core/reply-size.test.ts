// SPDX-License-Identifier: Apache-2.0
import { ErrorCode, Network, NetworkMode, Reply, TransportProtocol } from "@vmnet-broker/client/protocol";
import { describe, expect, it } from "vitest";
import { encodeReply } from "./reply-size.js";

const errorReply = (id: number, message: string) =>
  Reply.fromPartial({ id, result: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_FOUND, message } } });

describe("encodeReply", () => {
  it("encodes as the generated codec does, each reply into bytes of its own", () => {
    const first = encodeReply(errorReply(1, "first"));
    const firstCopy = Uint8Array.from(first);
    const second = encodeReply(errorReply(2, "a longer second message"));
    expect(first).toEqual(firstCopy);
    expect(first).toEqual(Reply.encode(errorReply(1, "first")).finish());
    expect(second).toEqual(Reply.encode(errorReply(2, "a longer second message")).finish());
    expect(Reply.decode(second).id).toBe(2);
  });

  it("starts clean after a reply that failed half way", () => {
    // id is written, then the nested Network's mtu (-1 is no uint32) throws.
    const broken = Reply.fromPartial({ id: 7, result: { $case: "network", value: { name: "x", mtu: -1 } } });
    expect(() => encodeReply(broken)).toThrow();
    const next = encodeReply(errorReply(3, "after"));
    expect(next).toEqual(Reply.encode(errorReply(3, "after")).finish());
  });

  it("encodes network replies as the codec does, the same description again from its cached bytes", () => {
    const network = Network.fromPartial({
      name: "shared",
      mode: NetworkMode.NETWORK_MODE_SHARED,
      subnet: "192.168.105.0",
      mask: "255.255.255.0",
      gateway: "192.168.105.1",
      mtu: 1500,
      bridge: "vmbr-shared",
      dhcp: true,
      portForwards: [
        { protocol: TransportProtocol.TRANSPORT_PROTOCOL_TCP, externalPort: 2222, internalAddress: "192.168.105.10", internalPort: 22 },
      ],
    });
    const other = Network.fromPartial({ name: "other", mtu: 9000 });
    for (const id of [0, 1, 300, 0xffffffff, 2]) {
      for (const value of [network, other]) {
        // As the core builds them (a plain object), and as fromPartial() does.
        const plain: Reply = { id, result: { $case: "network", value } };
        for (const reply of [plain, Reply.fromPartial(plain)]) {
          expect(encodeReply(reply)).toEqual(Reply.encode(reply).finish());
          expect(Reply.decode(encodeReply(reply))).toEqual(Reply.fromPartial(plain));
        }
      }
    }
  });

  it("keeps fields it does not know, after the network", () => {
    const reply = Reply.decode(
      Uint8Array.of(
        ...Reply.encode(Reply.fromPartial({ id: 9, result: { $case: "network", value: { name: "n" } } })).finish(),
        // Field 99, unknown to the codec: varint 1.
        0x98,
        0x06,
        0x01,
      ),
    );
    expect(reply._unknownFields).toBeDefined();
    expect(encodeReply(reply)).toEqual(Reply.encode(reply).finish());
  });

  it("encodes a large reply and then small ones correctly", () => {
    const large = encodeReply(errorReply(4, "y".repeat(100_000)));
    expect(Reply.decode(large).id).toBe(4);
    expect(encodeReply(errorReply(5, "small"))).toEqual(Reply.encode(errorReply(5, "small")).finish());
  });
});
