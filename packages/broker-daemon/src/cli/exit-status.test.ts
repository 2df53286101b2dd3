// SPDX-License-Identifier: Apache-2.0
import { BrokerError, ErrorCodes } from "@vmnet-broker/client";
import { describe, expect, it } from "vitest";
import { XpcClientError } from "../transport/xpc/xpc-client.js";
import { EXIT_OTHER, exitStatusFor } from "./exit-status.js";

describe("exitStatusFor", () => {
  it("exits with a broker error's protocol code, from either transport", () => {
    expect(exitStatusFor(new BrokerError(ErrorCodes.NotFound, "no network"))).toBe(5);
    expect(exitStatusFor(new BrokerError(ErrorCodes.TransportFailure, "cannot connect"))).toBe(1);
    expect(exitStatusFor(new BrokerError(ErrorCodes.Unsupported, "macOS"))).toBe(9);
    expect(exitStatusFor(new XpcClientError(ErrorCodes.NotAllowed, "no"))).toBe(3);
  });

  it("keeps everything else out of the protocol's range", () => {
    expect(exitStatusFor(new Error("ENOENT"))).toBe(EXIT_OTHER);
    expect(exitStatusFor("thrown string")).toBe(EXIT_OTHER);
    // SUCCESS as an error code is no success.
    expect(exitStatusFor(new BrokerError(ErrorCodes.Success, "odd"))).toBe(EXIT_OTHER);
  });
});
