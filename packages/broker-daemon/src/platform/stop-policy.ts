// SPDX-License-Identifier: Apache-2.0
import type { Logger } from "../log.js";

/** What a stop policy may look at and do. */
export interface StopControls {
  readonly logger: Logger;
  /** Peers holding at least one network. */
  holderCount(): number;
  stop(reason: string): void;
}

/** Where signals come from (process, or a test's emitter). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * How a platform's broker answers stop signals, replacing the daemon's default.
 * Installs its handlers and returns their removal.
 */
export type StopPolicy = (controls: StopControls, signals?: SignalSource) => () => void;
