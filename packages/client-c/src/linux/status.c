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

void vmnet_broker_status_free(vmnet_broker_status_t *s) {
    if (s == NULL) {
        return;
    }
    vmnet_broker__v1__reply__free_unpacked(s->reply, NULL);
    free(s);
}
