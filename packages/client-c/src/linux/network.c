// SPDX-License-Identifier: Apache-2.0
// Getters on an acquired network's description.
#include <stdlib.h>

#include "session.h"

const char *vmnet_broker_network_name(const vmnet_broker_network_t *n) {
    return n->net->name;
}

vmnet_broker_mode_t vmnet_broker_network_mode(const vmnet_broker_network_t *n) {
    switch (n->net->mode) {
    case VMNET_BROKER__V1__NETWORK_MODE__NETWORK_MODE_SHARED:
        return VMNET_BROKER_MODE_SHARED;
    case VMNET_BROKER__V1__NETWORK_MODE__NETWORK_MODE_HOST:
        return VMNET_BROKER_MODE_HOST;
    default:
        return VMNET_BROKER_MODE_UNSPECIFIED;
    }
}

const char *vmnet_broker_network_description(const vmnet_broker_network_t *n) {
    return n->net->description;
}

const char *vmnet_broker_network_subnet(const vmnet_broker_network_t *n) {
    return n->net->subnet;
}

const char *vmnet_broker_network_mask(const vmnet_broker_network_t *n) {
    return n->net->mask;
}

const char *vmnet_broker_network_gateway(const vmnet_broker_network_t *n) {
    return n->net->gateway;
}

const char *vmnet_broker_network_ipv6_prefix(const vmnet_broker_network_t *n) {
    return n->net->ipv6_prefix;
}

uint32_t vmnet_broker_network_mtu(const vmnet_broker_network_t *n) {
    return n->net->mtu;
}

const char *vmnet_broker_network_bridge(const vmnet_broker_network_t *n) {
    return n->net->bridge;
}

bool vmnet_broker_network_dhcp(const vmnet_broker_network_t *n) {
    return n->net->dhcp != 0;
}

bool vmnet_broker_network_dns(const vmnet_broker_network_t *n) {
    return n->net->dns != 0;
}

void vmnet_broker_network_free(vmnet_broker_network_t *n) {
    if (n == NULL) {
        return;
    }
    vmnet_broker__v1__reply__free_unpacked(n->reply, NULL);
    free(n);
}
