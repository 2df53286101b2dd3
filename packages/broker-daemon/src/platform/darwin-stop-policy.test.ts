// SPDX-License-Identifier: Apache-2.0
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { Logger } from "../log.js";
import { darwinStopPolicy } from "./darwin-stop-policy.js";

function setup(holders: number) {
  const signals = new EventEmitter();
  const stops: string[] = [];
  const events: string[] = [];
  const logger = { log: (_level: string, event: string) => events.push(event) } as unknown as Logger;
  const state = { holders };
  const remove = darwinStopPolicy({ logger, holderCount: () => state.holders, stop: (reason) => stops.push(reason) }, signals);
  const send = (signal: NodeJS.Signals) => signals.emit(signal, signal);
  return { send, stops, events, state, remove, signals };
}

describe("darwinStopPolicy", () => {
  it("ignores every SIGTERM and SIGINT while peers hold networks, however often", () => {
    const { send, stops, events } = setup(2);
    for (let i = 0; i < 5; i++) {
      send("SIGTERM");
      send("SIGINT");
    }
    expect(stops).toEqual([]);
    expect(events.filter((e) => e === "stop-refused")).toHaveLength(10);
  });

  it("stops on SIGTERM once no peer holds a network", () => {
    const { send, stops, state } = setup(1);
    send("SIGTERM");
    state.holders = 0;
    send("SIGTERM");
    expect(stops).toEqual(["SIGTERM"]);
  });

  it("stops on SIGUSR2 (stop --force) even while peers hold networks", () => {
    const { send, stops, events } = setup(3);
    send("SIGUSR2");
    expect(stops).toEqual(["forced"]);
    expect(events).toContain("forced-stop");
  });

  it("removes its handlers", () => {
    const { remove, signals } = setup(0);
    remove();
    expect(signals.eventNames()).toEqual([]);
  });
});
