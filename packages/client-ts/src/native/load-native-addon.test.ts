// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNativeAddon, native } from "./load-native-addon.js";

describe("loadNativeAddon", () => {
  it("names what is missing and how to get it when there is neither a prebuild nor a build", () => {
    const empty = `${mkdtempSync(join(tmpdir(), "vmnet-broker-no-addon-"))}/`;
    try {
      expect(() => loadNativeAddon(empty)).toThrow(
        /vmnet_broker_socket\.node.*prebuilds.*build\/Release.*npm rebuild/s,
      );
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it("loads the built addon on first use", () => {
    expect(typeof native.connect).toBe("function");
  });
});
