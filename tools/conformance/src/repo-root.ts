// SPDX-License-Identifier: Apache-2.0
import { fileURLToPath } from "node:url";

/** The checkout's root: this file runs from tools/conformance/src or tools/conformance/dist. */
export function repoRoot(): string {
  return fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");
}
