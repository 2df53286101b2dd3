// SPDX-License-Identifier: Apache-2.0
// Getters on a snapshot of the broker's state.
#include <stdlib.h>

#include "session.h"

const char *vmnet_broker_status_broker_version(const vmnet_broker_status_t *s) {
    return s->st->broker_version;
}

uint32_t vmnet_broker_status_pid(const vmnet_broker_status_t *s) {
    return s->st->pid;
}

size_t vmnet_broker_status_peer_count(const vmnet_broker_status_t *s) {
    return s->st->n_peers;
}

const char *vmnet_broker_status_peer_client_name(const vmnet_broker_status_t *s, size_t index) {
    if (index >= s->st->n_peers || s->st->peers[index] == NULL) {
        return NULL;
    }
    return s->st->peers[index]->client_name;
}

size_t vmnet_broker_status_network_count(const vmnet_broker_status_t *s) {
    return s->st->n_networks;
}

// A NetworkStatus without its Network (a broker bug) reads as "".
const char *vmnet_broker_status_network_name(const vmnet_broker_status_t *s, size_t index) {
    if (index >= s->st->n_networks) {
        return NULL;
    }
    const VmnetBroker__V1__NetworkStatus *ns = s->st->networks[index];
    return ns->network != NULL ? ns->network->name : "";
}

uint32_t vmnet_broker_status_network_references(const vmnet_broker_status_t *s, size_t index) {
    if (index >= s->st->n_networks) {
        return 0;
    }
    return s->st->networks[index]->references;
}

uint32_t vmnet_broker_status_network_interface_references(const vmnet_broker_status_t *s, size_t index) {
    return index < s->st->n_networks ? s->st->networks[index]->interface_references : 0;
}

bool vmnet_broker_status_network_adopted(const vmnet_broker_status_t *s, size_t index) {
    return index < s->st->n_networks && s->st->networks[index]->adopted;
}

bool vmnet_broker_status_network_live(const vmnet_broker_status_t *s, size_t index) {
    return index < s->st->n_networks && s->st->networks[index]->live;
}

size_t vmnet_broker_status_interface_count(const vmnet_broker_status_t *s, size_t index) {
    return index < s->st->n_networks ? s->st->networks[index]->n_interfaces : 0;
}

// The interface, or NULL when either index is out of range.
static const VmnetBroker__V1__InterfaceStatus *interface_at(const vmnet_broker_status_t *s, size_t index,
                                                            size_t iface) {
    if (index >= s->st->n_networks || iface >= s->st->networks[index]->n_interfaces) {
        return NULL;
    }
    return s->st->networks[index]->interfaces[iface];
}

const char *vmnet_broker_status_interface_name(const vmnet_broker_status_t *s, size_t index, size_t iface) {
    const VmnetBroker__V1__InterfaceStatus *i = interface_at(s, index, iface);
    return i != NULL ? i->name : NULL;
}

vmnet_broker_holder_t vmnet_broker_status_interface_holder(const vmnet_broker_status_t *s, size_t index, size_t iface) {
    const VmnetBroker__V1__InterfaceStatus *i = interface_at(s, index, iface);
    return i != NULL && i->holder == VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_INTERFACE
               ? VMNET_BROKER_HOLDER_INTERFACE
               : VMNET_BROKER_HOLDER_CONNECTION;
}

uint32_t vmnet_broker_status_interface_owner_uid(const vmnet_broker_status_t *s, size_t index, size_t iface) {
    const VmnetBroker__V1__InterfaceStatus *i = interface_at(s, index, iface);
    return i != NULL ? i->owner_uid : 0;
}

bool vmnet_broker_status_view_filtered(const vmnet_broker_status_t *s) {
    return s->st->view_filtered;
}

void vmnet_broker_status_free(vmnet_broker_status_t *s) {
    if (s == NULL) {
        return;
    }
    vmnet_broker__v1__reply__free_unpacked(s->reply, NULL);
    free(s);
}
