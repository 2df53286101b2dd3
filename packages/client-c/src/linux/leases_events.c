// SPDX-License-Identifier: Apache-2.0
// Lease look-ups that wait, and event subscriptions read from the session's fd.
#include "last_error.h"
#include "lease_event.h"
#include "reply_check.h"
#include "session.h"
#include "wire.h"

// How long past the wait the broker's answer may take.
#define LEASE_REPLY_GRACE_MS 5000u

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
        ret = vb_fill_lease(reply->lease, out);
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
        ret = vb_fill_event(reply->event, out);
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
