// SPDX-License-Identifier: Apache-2.0
/**
 * Where a peer may have the far end of a veth created, and under which name. The
 * end is created inside whatever namespace the peer's fd points to, so without this
 * rule any user could put named, up interfaces into the host's namespace, and take
 * names the broker needs there (a far end `vmbr-net02` makes network net02 fail).
 *
 * The rule: a peer may use only a namespace it could administer itself. Root: any.
 * Anyone else: only one whose user namespace its uid owns, and never the broker's
 * own nor the initial network namespace (the owner check refuses both wherever
 * root owns them; naming them is a second lock and a clearer answer). Names with
 * the broker's prefixes are reserved for everyone: the broker takes any such link
 * for its own (leftovers, collisions).
 */
import { AccessDenied, InvalidArgument, type VethOptions } from "../../core/backend.js";
import { BRIDGE_PREFIX, isOurInterface, TAP_PREFIX, VETH_PREFIX, VXLAN_PREFIX } from "./names.js";
import { kernelNetnsFacts, type NetnsFacts, sameNamespace } from "./netns-facts.js";

const OWN_ONLY = "a veth can only go into a namespace your user owns";

/** Throws InvalidArgument (not a network namespace) or AccessDenied (the rule's reason). */
export function checkVethTarget(target: VethOptions, facts: NetnsFacts = kernelNetnsFacts): void {
  const netns = facts.netnsOf(target.netnsFd);
  if (netns === null) {
    throw new InvalidArgument("the fd sent with a veth request must be a network namespace (an open /proc/PID/ns/net or /run/netns/NAME)");
  }
  if (isOurInterface(target.ifname)) {
    throw new AccessDenied(
      `interface names starting with ${BRIDGE_PREFIX}, ${TAP_PREFIX}, ${VETH_PREFIX} or ${VXLAN_PREFIX} are reserved for the broker (asked for '${target.ifname}')`,
    );
  }
  if (target.peerUid === 0) return;
  const sent = `the network namespace you sent (net:[${netns.inode}])`;
  if (sameNamespace(netns, facts.own())) throw new AccessDenied(`${sent} is the broker's own network namespace: ${OWN_ONLY}`);
  if (facts.isInitial(netns)) throw new AccessDenied(`${sent} is the initial network namespace: ${OWN_ONLY}`);
  if (netns.ownerUid !== target.peerUid) {
    const owner = netns.ownerUid === null ? "a user namespace outside the broker's" : `uid ${netns.ownerUid}`;
    throw new AccessDenied(`${sent} is owned by ${owner}, not by uid ${target.peerUid}: ${OWN_ONLY}`);
  }
}
