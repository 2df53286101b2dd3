// SPDX-License-Identifier: Apache-2.0
/** Every golden vector, in manifest order. */
import type { VectorSpec } from "../spec.js";
import { messageVectors } from "./messages.js";
import { replyVectors } from "./replies.js";
import { requestVectors } from "./requests.js";
import { unknownVectors } from "./unknown.js";

export const allVectors: VectorSpec[] = [...requestVectors, ...replyVectors, ...messageVectors, ...unknownVectors];
