// SPDX-License-Identifier: Apache-2.0
import { fileURLToPath } from "node:url";

/**
 * packages/broker-daemon (the installed package's directory), with a trailing
 * slash: the one place that knows where the addon, package.json and the demo
 * files are. This module sits directly in src/ (tests) or dist/ (tsc), and is
 * bundled into dist/vmnet-broker.mjs, also directly in dist/: from each,
 * the package is one level up. Other modules must not resolve paths from their
 * own import.meta.url, which in the bundle is the bundle's.
 */
export const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));
