// SPDX-License-Identifier: Apache-2.0
/** The veth namespace rule, decided from facts a test makes up. */
import { describe, expect, it } from "vitest";
import { AccessDenied, InvalidArgument } from "../../core/backend.js";
import type { NetnsInfo } from "./native-surface.js";
import { checkVethTarget } from "./netns-access.js";
import { type NamespaceId, type NetnsFacts, sameNamespace } from "./netns-facts.js";

const OWN: NamespaceId = { dev: 4, inode: 4026532100 };
const INITIAL: NamespaceId = { dev: 4, inode: 4026531840 };

function facts(netns: NetnsInfo | null): NetnsFacts {
  return { netnsOf: () => netns, own: () => OWN, isInitial: (id) => sameNamespace(id, INITIAL) };
}

const userOwned = (uid: number | null): NetnsInfo => ({ dev: 4, inode: 4026532555, ownerUid: uid });
const check = (peerUid: number, netns: NetnsInfo | null, ifname = "eth0") => checkVethTarget({ netnsFd: 7, ifname, peerUid }, facts(netns));

describe("checkVethTarget", () => {
  it("lets a peer use a namespace its own uid owns", () => {
    expect(() => check(4242, userOwned(4242))).not.toThrow();
  });

  it("lets root use any namespace: root's, another user's, the broker's, the initial one", () => {
    for (const netns of [userOwned(0), userOwned(4242), userOwned(null), { ...OWN, ownerUid: 0 }, { ...INITIAL, ownerUid: 0 }]) {
      expect(() => check(0, netns)).not.toThrow();
    }
  });

  it("refuses a namespace owned by another uid, naming both", () => {
    expect(() => check(4242, userOwned(0))).toThrow(
      new AccessDenied(
        "the network namespace you sent (net:[4026532555]) is owned by uid 0, not by uid 4242: a veth can only go into a namespace your user owns",
      ),
    );
    expect(() => check(4242, userOwned(1000))).toThrow(/owned by uid 1000, not by uid 4242/);
  });

  it("refuses a namespace whose owner lies outside the broker's user namespace", () => {
    expect(() => check(4242, userOwned(null))).toThrow(/owned by a user namespace outside the broker's, not by uid 4242/);
  });

  it("refuses the broker's own namespace even when the peer's uid owns it", () => {
    expect(() => check(4242, { ...OWN, ownerUid: 4242 })).toThrow(
      new AccessDenied(
        "the network namespace you sent (net:[4026532100]) is the broker's own network namespace: a veth can only go into a namespace your user owns",
      ),
    );
  });

  it("refuses the initial namespace even when the peer's uid owns it", () => {
    expect(() => check(4242, { ...INITIAL, ownerUid: 4242 })).toThrow(/\(net:\[4026531840\]\) is the initial network namespace/);
  });

  it("tells namespaces apart by device and inode together", () => {
    expect(() => check(4242, { dev: 5, inode: OWN.inode, ownerUid: 4242 })).not.toThrow();
  });

  it("reserves the broker's prefixes, for root too", () => {
    for (const ifname of ["vmbr-net02", "vmtap-1", "vmveth-0badcafe", "vmvx-lab"]) {
      for (const uid of [0, 4242]) {
        expect(() => check(uid, userOwned(uid), ifname)).toThrow(
          new AccessDenied(
            `interface names starting with vmbr-, vmtap-, vmveth- or vmvx- are reserved for the broker (asked for '${ifname}')`,
          ),
        );
      }
    }
    // Proxmox-style names are not ours.
    expect(() => check(4242, userOwned(4242), "vmbr0")).not.toThrow();
  });

  it("answers an fd that is no network namespace with InvalidArgument, before any rule", () => {
    for (const uid of [0, 4242]) {
      expect(() => check(uid, null, "vmbr-x")).toThrow(InvalidArgument);
      expect(() => check(uid, null)).toThrow(/must be a network namespace/);
    }
  });
});
