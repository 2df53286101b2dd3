// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from "vitest";
import { stopInvocation } from "./stop.js";

describe("stop", () => {
  it("asks launchd to signal the job: SIGTERM, or the forced-stop signal with --force", () => {
    expect(stopInvocation(false, "com.github.nirs.vmnet-broker")).toEqual([
      "launchctl",
      "kill",
      "SIGTERM",
      "system/com.github.nirs.vmnet-broker",
    ]);
    expect(stopInvocation(true, "x")).toEqual(["launchctl", "kill", "SIGUSR2", "system/x"]);
  });
});
