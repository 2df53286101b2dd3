// SPDX-License-Identifier: Apache-2.0
/** macOS: vmnet networks behind the XPC Mach service (see backend/vmnet). */
export { createDarwinPlatform } from "../backend/vmnet/darwin-platform.js";
