// SPDX-License-Identifier: Apache-2.0
// macOS: lease look-ups that wait, and the event stream, over a session's XPC
// connection. Events arrive on the connection's handler (session.c), which
// queues them and makes the session's pipe readable; read_event pops them.
// clock_gettime() and poll() when this file is checked and tested on Linux
// (tools/darwin-stubs); macOS declares them either way.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "last_error.h"
#include "lease_event.h"
#include "session.h"

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
    vmnet_broker_return_t ret = vb_xpc_call(s, &req, VMNET_BROKER__V1__REPLY__RESULT_LEASE, &reply);
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
    vmnet_broker_return_t ret = vb_xpc_call(s, &req, VMNET_BROKER__V1__REPLY__RESULT_SUBSCRIPTION, &reply);
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
    return s != NULL ? s->events->pipe_r : -1;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    int result = 0;
    if (s->subscribe_id == 0) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "read_event: the session has not subscribed");
        result = -1;
    }
    const int64_t deadline = now_ms() + timeout_ms;
    while (result == 0) {
        VmnetBroker__V1__Reply *reply = NULL;
        result = vb_events_take(s->events, &reply, &ret);
        if (result == 1) {
            ret = vb_fill_event(reply->event, out);
            vmnet_broker__v1__reply__free_unpacked(reply, NULL);
            if (ret != VMNET_BROKER_SUCCESS) {
                // As for an event that does not decode: the stream ends here.
                vb_events_fail(s->events, s->connection, ret);
                result = -1;
            }
            break;
        }
        int64_t remaining = deadline - now_ms();
        if (result != 0 || remaining <= 0) {
            break;
        }
        struct pollfd pfd = {.fd = s->events->pipe_r, .events = POLLIN};
        if (poll(&pfd, 1, (int)remaining) < 0 && errno != EINTR) {
            ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "poll(events) failed: errno %d", errno);
            result = -1;
        }
    }
    pthread_mutex_unlock(&s->mu);
    vb_set_status(status, ret);
    return result;
}
