// SPDX-License-Identifier: Apache-2.0
// Lease look-ups that wait, and event subscriptions read from the session's fd.
#include <stdio.h>
#include <string.h>

#include "last_error.h"
#include "reply_check.h"
#include "session.h"
#include "wire.h"

// How long past the wait the broker's answer may take.
#define LEASE_REPLY_GRACE_MS 5000u

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

static vmnet_broker_return_t fill_lease(const VmnetBroker__V1__Lease *l, vmnet_broker_lease_t *out) {
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

int vmnet_broker_session_wait_for_lease(vmnet_broker_session_t *s, const char *network, const char *mac,
                                        unsigned wait_ms, vmnet_broker_lease_t *out, vmnet_broker_return_t *status) {
    vb_clear_error();
    if (s == NULL || network == NULL || mac == NULL || out == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INVALID_REQUEST, "wait_for_lease: NULL argument"));
        return -1;
    }
    if (wait_ms > VMNET_BROKER_MAX_LEASE_WAIT_MS) {
        wait_ms = VMNET_BROKER_MAX_LEASE_WAIT_MS;
    }
    VmnetBroker__V1__LeaseRequest lease = VMNET_BROKER__V1__LEASE_REQUEST__INIT;
    lease.network_name = (char *)network;
    lease.mac = (char *)mac;
    lease.wait_ms = wait_ms;
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_LEASE;
    req.lease = &lease;
    VmnetBroker__V1__Reply *reply = NULL;
    pthread_mutex_lock(&s->mu);
    unsigned saved = s->timeout_ms;
    // A session timeout would break the connection while the broker still waits.
    if (saved != 0 && saved < wait_ms + LEASE_REPLY_GRACE_MS) {
        s->timeout_ms = wait_ms + LEASE_REPLY_GRACE_MS;
    }
    vmnet_broker_return_t ret = vb_session_call(s, &req, NULL, 0, VMNET_BROKER__V1__REPLY__RESULT_LEASE, &reply, NULL);
    s->timeout_ms = saved;
    pthread_mutex_unlock(&s->mu);
    if (ret == VMNET_BROKER_SUCCESS) {
        ret = fill_lease(reply->lease, out);
    }
    if (reply != NULL) {
        vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    }
    vb_set_status(status, ret);
    return ret == VMNET_BROKER_SUCCESS ? 0 : -1;
}

int vmnet_broker_session_subscribe(vmnet_broker_session_t *s, uint64_t *next_sequence, vmnet_broker_return_t *status) {
    vb_clear_error();
    if (s == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INVALID_REQUEST, "session is NULL"));
        return -1;
    }
    VmnetBroker__V1__SubscribeRequest subscribe = VMNET_BROKER__V1__SUBSCRIBE_REQUEST__INIT;
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_SUBSCRIBE;
    req.subscribe = &subscribe;
    VmnetBroker__V1__Reply *reply = NULL;
    pthread_mutex_lock(&s->mu);
    vmnet_broker_return_t ret =
        vb_session_call(s, &req, NULL, 0, VMNET_BROKER__V1__REPLY__RESULT_SUBSCRIPTION, &reply, NULL);
    if (ret == VMNET_BROKER_SUCCESS) {
        s->subscribe_id = req.id;
        if (next_sequence != NULL) {
            *next_sequence = reply->subscription->next_sequence;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (reply != NULL) {
        vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    }
    vb_set_status(status, ret);
    return ret == VMNET_BROKER_SUCCESS ? 0 : -1;
}

int vmnet_broker_session_fd(vmnet_broker_session_t *s) {
    if (s == NULL) {
        return -1;
    }
    pthread_mutex_lock(&s->mu);
    int fd = s->fd;
    pthread_mutex_unlock(&s->mu);
    return fd;
}

static vmnet_broker_return_t fill_event(const VmnetBroker__V1__Event *e, vmnet_broker_event_t *out) {
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
        return fill_lease(e->lease, &out->lease);
    }
    return VMNET_BROKER_SUCCESS;
}

int vmnet_broker_session_read_event(vmnet_broker_session_t *s, unsigned timeout_ms, vmnet_broker_event_t *out,
                                    vmnet_broker_return_t *status) {
    vb_clear_error();
    if (s == NULL || out == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INVALID_REQUEST, "read_event: NULL argument"));
        return -1;
    }
    pthread_mutex_lock(&s->mu);
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    bool ready = false;
    vb_frame_t frame;
    if (s->subscribe_id == 0) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "read_event: the session has not subscribed");
    } else if (s->fd < 0) {
        ret = vb_fail(VMNET_BROKER_XPC_FAILURE, "the connection to the broker is closed");
    } else {
        ret = vb_wire_poll_frame(s->fd, &s->reader, timeout_ms, &frame, &ready);
    }
    VmnetBroker__V1__Reply *reply = NULL;
    if (ret == VMNET_BROKER_SUCCESS && ready) {
        ret = frame.nfds > 0 ? vb_fail(VMNET_BROKER_INVALID_REPLY, "an event carries descriptors")
                             : vb_reply_check(frame.payload, frame.len, s->subscribe_id,
                                              VMNET_BROKER__V1__REPLY__RESULT_EVENT, &reply);
        vb_frame_release(&frame);
    }
    if (ret == VMNET_BROKER_SUCCESS && reply != NULL) {
        ret = fill_event(reply->event, out);
    }
    if (ret != VMNET_BROKER_SUCCESS) {
        // A stream that failed once cannot be trusted to be in step.
        vb_session_break(s);
    }
    pthread_mutex_unlock(&s->mu);
    if (reply != NULL) {
        vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    }
    vb_set_status(status, ret);
    if (ret != VMNET_BROKER_SUCCESS) {
        return -1;
    }
    return ready ? 1 : 0;
}
