// SPDX-License-Identifier: Apache-2.0
/**
 * Caps on what one network file may hold, so that no definition can bloat the
 * replies, status and logs that carry it. Strings are measured in UTF-8 bytes.
 */
export const MAX_STRING_BYTES: Readonly<Record<string, number>> = {
  name: 32,
  description: 1024,
  mode: 16,
  subnet: 15,
  mask: 15,
  // "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" is 43.
  ipv6_prefix: 43,
  // IFNAMSIZ - 1.
  external_interface: 15,
};

export const MAX_LIST_LENGTH: Readonly<Record<string, number>> = {
  dhcp_reservations: 1024,
  port_forwarding: 256,
  allowed_users: 256,
  allowed_groups: 256,
};

/** The longest user or group name in allowed_users / allowed_groups. */
export const MAX_ACCOUNT_NAME_BYTES = 256;

/** How much of a bad value an error message shows. */
const QUOTED_CHARS = 40;

/** A value from a file as an error message shows it: JSON-quoted and cut short. */
export function quote(value: unknown): string {
  const text = typeof value === "string" ? value : String(JSON.stringify(value));
  return text.length > QUOTED_CHARS ? `${JSON.stringify(text.slice(0, QUOTED_CHARS))}...` : JSON.stringify(text);
}
