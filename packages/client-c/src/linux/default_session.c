// SPDX-License-Identifier: Apache-2.0
// The process-wide session behind the global calls. One mutex guards it, so
// vmnet_broker_close() cannot free it under a running call. Once broken it
// stays broken until vmnet_broker_close(): the networks it held are gone, and
// quietly reconnecting would hide that from the caller.
#include <pthread.h>
#include <stddef.h>

#include "last_error.h"
#include "session.h"

static pthread_mutex_t default_mu = PTHREAD_MUTEX_INITIALIZER;
static vmnet_broker_session_t *default_session;

// Returns the default session with default_mu held, or NULL (mutex released,
// *status set) when it cannot connect.
static vmnet_broker_session_t *lock_default(vmnet_broker_return_t *status) {
    pthread_mutex_lock(&default_mu);
    if (default_session == NULL) {
        default_session = vmnet_broker_connect(NULL, status);
        if (default_session == NULL) {
            pthread_mutex_unlock(&default_mu);
            return NULL;
        }
    }
    return default_session;
}

vmnet_broker_network_t *vmnet_broker_acquire_network(const char *network_name, vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return NULL;
    }
    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, network_name, status);
    pthread_mutex_unlock(&default_mu);
    return n;
}

int vmnet_broker_hello(vmnet_broker_hello_t *out, vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return -1;
    }
    int rc = vmnet_broker_session_hello(s, out, status);
    pthread_mutex_unlock(&default_mu);
    return rc;
}

int vmnet_broker_open_tap(const vmnet_broker_network_t *network, unsigned flags, unsigned queues, int *fds,
                          vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return -1;
    }
    int rc = vmnet_broker_session_open_tap(s, network, flags, queues, fds, NULL, status);
    pthread_mutex_unlock(&default_mu);
    return rc;
}

int vmnet_broker_open_veth(const vmnet_broker_network_t *network, int netns_fd, const char *ifname,
                           vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return -1;
    }
    int rc = vmnet_broker_session_open_veth(s, network, netns_fd, ifname, NULL, status);
    pthread_mutex_unlock(&default_mu);
    return rc;
}

int vmnet_broker_open_tap_held_by(const vmnet_broker_network_t *network, unsigned flags, unsigned queues,
                                  vmnet_broker_holder_t holder, int *fds, vmnet_broker_interface_info_t *info,
                                  vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return -1;
    }
    int rc = vmnet_broker_session_open_tap_held_by(s, network, flags, queues, holder, fds, info, status);
    pthread_mutex_unlock(&default_mu);
    return rc;
}

int vmnet_broker_open_veth_held_by(const vmnet_broker_network_t *network, int netns_fd, const char *ifname,
                                   vmnet_broker_holder_t holder, vmnet_broker_interface_info_t *info,
                                   vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return -1;
    }
    int rc = vmnet_broker_session_open_veth_held_by(s, network, netns_fd, ifname, holder, info, status);
    pthread_mutex_unlock(&default_mu);
    return rc;
}

vmnet_broker_status_t *vmnet_broker_get_status(vmnet_broker_return_t *status) {
    vmnet_broker_session_t *s = lock_default(status);
    if (s == NULL) {
        return NULL;
    }
    vmnet_broker_status_t *st = vmnet_broker_session_get_status(s, status);
    pthread_mutex_unlock(&default_mu);
    return st;
}

void vmnet_broker_close(void) {
    pthread_mutex_lock(&default_mu);
    vmnet_broker_session_close(default_session);
    default_session = NULL;
    pthread_mutex_unlock(&default_mu);
}
