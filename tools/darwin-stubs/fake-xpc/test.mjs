// SPDX-License-Identifier: Apache-2.0
// Runs the addon's XPC value conversion and vmnet option parsing (the real
// native/src/darwin sources) on Linux against the fake libxpc, through Node.
// Usage: node --expose-gc --test test.mjs  (FAKE_XPC_ADDON = the built .node)
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

const addon = createRequire(import.meta.url)(process.env.FAKE_XPC_ADDON);

const str = (value) => ({ type: "string", value });
const dict = (record) => ({ type: "dictionary", entries: Object.entries(record) });

test("every XPC type this bridge builds survives a round trip", () => {
  const value = dict({
    command: str("acquire"),
    network_name: str("shared ✓ ünïcode"),
    error: { type: "int64", value: -(2n ** 63n) },
    big: { type: "uint64", value: 2n ** 64n - 1n },
    yes: { type: "bool", value: true },
    pi: { type: "double", value: 3.25 },
    bytes: { type: "data", value: Uint8Array.of(0, 1, 254, 255) },
    empty: { type: "data", value: new Uint8Array(0) },
    nothing: { type: "null" },
    list: { type: "array", items: [str("a"), { type: "array", items: [] }, dict({})] },
  });
  const back = addon.roundTrip(value);
  assert.equal(back.type, "dictionary");
  const entries = Object.fromEntries(back.entries);
  assert.deepEqual(entries.command, str("acquire"));
  assert.deepEqual(entries.network_name, str("shared ✓ ünïcode"));
  assert.deepEqual(entries.error, { type: "int64", value: -(2n ** 63n) });
  assert.deepEqual(entries.big, { type: "uint64", value: 2n ** 64n - 1n });
  assert.deepEqual(entries.yes, { type: "bool", value: true });
  assert.deepEqual(entries.pi, { type: "double", value: 3.25 });
  assert.deepEqual([...entries.bytes.value], [0, 1, 254, 255]);
  assert.equal(entries.empty.value.length, 0);
  assert.deepEqual(entries.nothing, { type: "null" });
  assert.equal(entries.list.items.length, 3);
  assert.deepEqual(entries.list.items[1], { type: "array", items: [] });
  assert.equal(addon.liveObjects(), 0, "every XPC object was released");
});

test("a later key replaces an earlier one, as in an XPC dictionary", () => {
  const back = addon.roundTrip({
    type: "dictionary",
    entries: [
      ["k", str("first")],
      ["k", str("second")],
    ],
  });
  assert.deepEqual(back.entries, [["k", str("second")]]);
});

test("bad descriptions throw a TypeError naming the path, and leak nothing", () => {
  const cases = [
    [42, /value must be an object/],
    [{ type: "string", value: 1 }, /value\.value must be a string/],
    [{ type: "int64", value: 1 }, /value\.value must be a bigint/],
    [{ type: "int64", value: 2n ** 63n }, /does not fit in 64 bits/],
    [{ type: "uint64", value: -1n }, /does not fit in 64 bits/],
    [{ type: "data", value: [1, 2] }, /must be a Uint8Array/],
    [{ type: "fd" }, /"fd" is not an XPC type this bridge can build/],
    [{ type: "object", handle: {} }, /not an XPC object handle/],
    [dict({ ok: str("x"), bad: { type: "bool", value: "no" } }), /value\.entries\[1\]\[1\]\.value must be a boolean/],
    [{ type: "dictionary", entries: [["a\0b", str("x")]] }, /must not contain NUL/],
    [{ type: "array", items: [str("x"), { type: "nope" }] }, /value\.items\[1\]\.type "nope"/],
  ];
  for (const [description, message] of cases) {
    assert.throws(
      () => addon.roundTrip(description),
      (error) => error instanceof TypeError && message.test(error.message),
    );
  }
  assert.equal(addon.liveObjects(), 0);
});

test("descriptions nested past the limit are refused, received ones are cut off", () => {
  let deep = str("bottom");
  for (let i = 0; i < 40; i++) deep = dict({ next: deep });
  assert.throws(() => addon.roundTrip(deep), /nests deeper than 32 levels/);
  assert.equal(addon.liveObjects(), 0);

  let node = addon.nestedDictionaries(40);
  let levels = 0;
  while (node.type === "dictionary") {
    node = node.entries[0][1];
    levels++;
  }
  assert.deepEqual(node, { type: "unsupported", name: "too-deep" });
  assert.equal(levels, 33);
  assert.equal(addon.liveObjects(), 0);
});

test("types the bridge does not convert arrive as unsupported", () => {
  assert.deepEqual(addon.dictionaryWithFd(), { type: "dictionary", entries: [["fd", { type: "unsupported", name: "fd" }]] });
  assert.equal(addon.liveObjects(), 0);
});

test("an opaque handle goes back into a reply and is released by the collector", async () => {
  let handle = addon.wrap(dict({ vmnet: str("serialization") }));
  assert.equal(addon.liveObjects(), 2, "the handle keeps the dictionary and its string");
  const reply = addon.roundTrip(dict({ network: { type: "object", handle } }));
  assert.deepEqual(reply, dict({ network: dict({ vmnet: str("serialization") }) }));
  handle = undefined;
  // Finalizers run after a collection; bounded wait as a safety limit.
  for (let i = 0; i < 100 && addon.liveObjects() !== 0; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(addon.liveObjects(), 0);
});

const baseOptions = {
  mode: "shared",
  mtu: 1500,
  nat44: true,
  nat66: true,
  dhcp: true,
  dnsProxy: true,
  routerAdvertisement: true,
  portForwarding: [],
  dhcpReservations: [],
};

test("vmnet options are parsed into vmnet's types", () => {
  const parsed = addon.parseOptions({
    ...baseOptions,
    mode: "host",
    subnetGateway: "192.168.105.1",
    subnetMask: "255.255.255.0",
    ipv6Prefix: "fd12:3456::",
    ipv6PrefixLength: 64,
    mtu: 9000,
    nat66: false,
    dnsProxy: false,
    externalInterface: "en0",
    portForwarding: [{ protocol: "udp", externalPort: 5353, internalAddress: "192.168.105.10", internalPort: 53 }],
    dhcpReservations: [{ mac: "52:54:00:AB:cd:0f", ip: "192.168.105.10" }],
  });
  assert.deepEqual(parsed, {
    shared: false,
    gateway: "192.168.105.1",
    mask: "255.255.255.0",
    ipv6: "fd12:3456::/64",
    mtu: 9000,
    flags: "NsDpR",
    externalInterface: "en0",
    rules: ["17 5353->192.168.105.10:53"],
    reservations: ["52:54:00:ab:cd:0f=192.168.105.10"],
  });
  assert.deepEqual(addon.parseOptions(baseOptions).rules, []);
});

test("bad vmnet options name the field", () => {
  const cases = [
    [{ ...baseOptions, mode: "bridged" }, /options\.mode must be "shared" or "host"/],
    [{ ...baseOptions, subnetGateway: "192.168.1.1" }, /go together/],
    [{ ...baseOptions, subnetGateway: "192.168.1.300", subnetMask: "255.255.255.0" }, /options\.subnetGateway "192\.168\.1\.300"/],
    [{ ...baseOptions, ipv6Prefix: "fd00::", ipv6PrefixLength: 129 }, /ipv6PrefixLength must be an integer from 0 to 128/],
    [{ ...baseOptions, mtu: 1.5 }, /options\.mtu must be an integer/],
    [{ ...baseOptions, nat44: "yes" }, /options\.nat44 must be a boolean/],
    [{ ...baseOptions, portForwarding: [{ protocol: "sctp" }] }, /portForwarding\[0\]\.protocol/],
    [
      { ...baseOptions, portForwarding: [{ protocol: "tcp", externalPort: 70000, internalPort: 1, internalAddress: "1.2.3.4" }] },
      /externalPort must be an integer from 0 to 65535/,
    ],
    [
      { ...baseOptions, dhcpReservations: [{ mac: "52:54:00:12:34", ip: "192.168.1.2" }] },
      /dhcpReservations\[0\]\.mac "52:54:00:12:34" is not a MAC/,
    ],
    [{ ...baseOptions, dhcpReservations: [{ mac: "52:54:00:12:34:56:78", ip: "192.168.1.2" }] }, /is not a MAC/],
    [{ ...baseOptions, dhcpReservations: [{ mac: "52:54:00:12:34:56" }] }, /dhcpReservations\[0\]\.ip is missing/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => addon.parseOptions(options),
      (error) => error instanceof TypeError && message.test(error.message),
      String(message),
    );
  }
});
