// SPDX-License-Identifier: Apache-2.0
// Leases and events from their decoded protobuf form into the public structs;
// transport-independent (the Unix socket and the XPC sessions share it).
#include "lease_event.h"

#include <stdio.h>
#include <string.h>

#include "last_error.h"

static const char *const EVENT_NAMES[] = {
    [VMNET_BROKER_EVENT_NETWORK_CREATED] = "network-created",
    [VMNET_BROKER_EVENT_NETWORK_REMOVED] = "network-removed",
    [VMNET_BROKER_EVENT_INTERFACE_OPENED] = "interface-opened",
    [VMNET_BROKER_EVENT_INTERFACE_REMOVED] = "interface-removed",
    [VMNET_BROKER_EVENT_LEASE_ADDED] = "lease-added",
    [VMNET_BROKER_EVENT_LEASE_RENEWED] = "lease-renewed",
    [VMNET_BROKER_EVENT_LEASE_EXPIRED] = "lease-expired",
    [VMNET_BROKER_EVENT_PEER_CONNECTED] = "peer-connected",
    [VMNET_BROKER_EVENT_PEER_GONE] = "peer-gone",
};

const char *vmnet_broker_event_type_name(vmnet_broker_event_type_t type) {
    size_t i = (size_t)type;
    return i < sizeof(EVENT_NAMES) / sizeof(EVENT_NAMES[0]) && EVENT_NAMES[i] != NULL ? EVENT_NAMES[i] : "unknown";
}

// Copies src into a fixed field; false when it does not fit (a reply to reject).
static bool fits(char *dst, size_t size, const char *src) {
    const char *text = src != NULL ? src : "";
    if (strlen(text) >= size) {
        return false;
    }
    snprintf(dst, size, "%s", text);
    return true;
}

vmnet_broker_return_t vb_fill_lease(const VmnetBroker__V1__Lease *l, vmnet_broker_lease_t *out) {
    memset(out, 0, sizeof(*out));
    if (!fits(out->network, sizeof(out->network), l->network_name) || !fits(out->mac, sizeof(out->mac), l->mac) ||
        !fits(out->ip, sizeof(out->ip), l->ip) || !fits(out->hostname, sizeof(out->hostname), l->hostname)) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "lease: a field is too long");
    }
    out->expires_unix = l->expires_unix;
    // More IPv6 addresses than the struct holds are left out, not an error.
    for (size_t i = 0; i < l->n_ipv6 && out->ipv6_count < 4; i++) {
        if (fits(out->ipv6[out->ipv6_count], sizeof(out->ipv6[0]), l->ipv6[i])) {
            out->ipv6_count++;
        }
    }
    return VMNET_BROKER_SUCCESS;
}

vmnet_broker_return_t vb_fill_event(const VmnetBroker__V1__Event *e, vmnet_broker_event_t *out) {
    memset(out, 0, sizeof(*out));
    out->sequence = e->sequence;
    out->time_unix_ms = e->time_unix_ms;
    out->type = (vmnet_broker_event_type_t)e->type;
    out->peer_id = e->peer_id;
    out->uid = e->uid;
    if (!fits(out->network, sizeof(out->network), e->network_name) ||
        !fits(out->interface_name, sizeof(out->interface_name), e->interface_name)) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "event: a field is too long");
    }
    if (e->lease != NULL) {
        out->has_lease = true;
        return vb_fill_lease(e->lease, &out->lease);
    }
    return VMNET_BROKER_SUCCESS;
}
