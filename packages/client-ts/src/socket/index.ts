// SPDX-License-Identifier: Apache-2.0
/**
 * The Unix-socket wire of vmnet-broker: length-prefixed frames with file
 * descriptors (SCM_RIGHTS) and peer credentials (SO_PEERCRED), shared by the
 * client and the daemon's Unix transport.
 */
export type { PeerCredentials, SyscallError } from "../native/native-addon.js";
export { connectUnix, peerCredentials } from "./connect.js";
export { type DecodeResult, type Frame, FrameDecoder, FramingError } from "./frame-decoder.js";
export { encodeFrame, FrameTooLargeError } from "./frame-encoder.js";
export { FRAME_HEADER_BYTES, MAX_REPLY_PAYLOAD, MAX_REQUEST_PAYLOAD } from "./frame-limits.js";
export {
  type CloseInfo,
  closeAll,
  FramedEndpoint,
  type FramedEndpointHandlers,
  type FramedEndpointOptions,
} from "./framed-endpoint.js";
export { inheritedListenFd } from "./systemd-activation.js";
export { type ListenerHandlers, type ListenOptions, UnixListener } from "./unix-listener.js";
