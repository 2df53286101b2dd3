// SPDX-License-Identifier: Apache-2.0
// The macOS addon loader, off macOS: the errors a misplaced or wrong addon gives
// (the message names the path tried; `vmnet-broker serve` prints it).
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { darwinNative } from "./darwin-native.js";

const packageDir = fileURLToPath(new URL("../../../", import.meta.url));
const linuxAddon = `${packageDir}build/Release/vmnet_broker_daemon.node`;

describe.skipIf(process.platform === "darwin")("darwinNative off macOS", () => {
  const saved = process.env.VMNET_BROKER_ADDON;
  afterEach(() => {
    if (saved === undefined) delete process.env.VMNET_BROKER_ADDON;
    else process.env.VMNET_BROKER_ADDON = saved;
  });

  it("names the VMNET_BROKER_ADDON path it cannot load, with the loader's error as the cause", () => {
    process.env.VMNET_BROKER_ADDON = "/nonexistent/vmnet_broker_daemon.node";
    let thrown: unknown;
    try {
      darwinNative();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe(
      "cannot load the native addon from /nonexistent/vmnet_broker_daemon.node (run `node-gyp rebuild` there)",
    );
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });

  it("refuses an addon without XPC, every time, naming where it came from", () => {
    process.env.VMNET_BROKER_ADDON = linuxAddon;
    const message = `the native addon at ${linuxAddon} has no XPC functions: it was not built for macOS`;
    expect(() => darwinNative()).toThrow(message);
    expect(() => darwinNative()).toThrow(message);
    delete process.env.VMNET_BROKER_ADDON;
    expect(() => darwinNative()).toThrow(`the native addon at ${packageDir} has no XPC functions: it was not built for macOS`);
  });
});
