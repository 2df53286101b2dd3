// SPDX-License-Identifier: Apache-2.0
// The session: one connection (the lease) and the request/reply exchange on it.
#ifndef VB_SESSION_H
#define VB_SESSION_H

#include <pthread.h>
#include <stdbool.h>

#include "frame_reader.h"
#include "vmnet-broker.h"
#include "vmnet_broker/v1/broker.pb-c.h"

struct vmnet_broker_session {
    pthread_mutex_t mu;    // serializes calls: one request in flight
    pthread_mutex_t fd_mu; // held to close fd, so a shutdown from another thread never hits a reused number
    int fd;                // -1 once broken
    uint32_t next_id;
    unsigned timeout_ms;
    vb_frame_reader_t reader;
    bool greeted;            // the hello went out (with the first request)
    char client_name[64];    // sent in the hello
    char client_version[32]; // sent in the hello
    uint32_t subscribe_id;   // nonzero once the session is an event stream (its events carry this id)
};

struct vmnet_broker_network {
    VmnetBroker__V1__Reply *reply; // owns the decoded Network
    const VmnetBroker__V1__Network *net;
};

struct vmnet_broker_status {
    VmnetBroker__V1__Reply *reply; // owns the decoded Status
    const VmnetBroker__V1__Status *st;
};

// Sends `req` (its id is assigned here; a hello gets the session's client
// name; the session's own hello goes first if none went yet) with optional fds and returns the
// checked reply in *out, plus the fds that came with it (caller releases).
// Caller holds s->mu.
vmnet_broker_return_t vb_session_call(vmnet_broker_session_t *s, VmnetBroker__V1__Request *req, const int *fds,
                                      size_t nfds, VmnetBroker__V1__Reply__ResultCase expected,
                                      VmnetBroker__V1__Reply **out, vb_frame_t *frame_fds);

// Sends `count` acquire requests for `name` before reading any reply, then
// checks each reply's id and result. For the conformance program.
vmnet_broker_return_t vb_session_pipeline_acquire(vmnet_broker_session_t *s, const char *name, unsigned count);

// Closes the connection (under fd_mu, so a shutdown never hits a reused fd).
void vb_session_break(vmnet_broker_session_t *s);

// True when the session's connection broke.
bool vb_session_broken(vmnet_broker_session_t *s);

#endif
