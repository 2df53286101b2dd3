// SPDX-License-Identifier: Apache-2.0
/**
 * macOS: stopping the broker destroys its vmnet networks (they die with the
 * process), so SIGTERM and SIGINT are ignored for as long as any peer holds a
 * network, every time, as the existing broker does. The admin's way through is
 * SIGUSR2, which `sudo vmnet-broker stop --force` sends through launchd (only
 * root may signal a system job). SIGUSR1 belongs to Node's inspector.
 */
import type { SignalSource, StopControls, StopPolicy } from "./stop-policy.js";

export const FORCE_STOP_SIGNAL = "SIGUSR2";

export const darwinStopPolicy: StopPolicy = (controls: StopControls, signals: SignalSource = process) => {
  const onStop = (signal: NodeJS.Signals) => {
    const holders = controls.holderCount();
    if (holders > 0) {
      controls.logger.log("warn", "stop-refused", {
        signal,
        peers: holders,
        hint: "peers hold networks that stopping would destroy; `sudo vmnet-broker stop --force` stops anyway",
      });
      return;
    }
    controls.stop(signal);
  };
  const onForce = (signal: NodeJS.Signals) => {
    controls.logger.log("warn", "forced-stop", { signal, peers: controls.holderCount() });
    controls.stop("forced");
  };
  signals.on("SIGTERM", onStop);
  signals.on("SIGINT", onStop);
  signals.on(FORCE_STOP_SIGNAL, onForce);
  return () => {
    signals.off("SIGTERM", onStop);
    signals.off("SIGINT", onStop);
    signals.off(FORCE_STOP_SIGNAL, onForce);
  };
};
