// SPDX-License-Identifier: Apache-2.0
// macOS sessions: an XPC connection of their own to the broker's Mach service,
// the protocol's requests over it, and the events its handler queues.
#ifndef VB_DARWIN_SESSION_H
#define VB_DARWIN_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmnet-broker.h"
#include "vmnet_broker/v1/broker.pb-c.h"

// The broker refuses request data above this size (docs/macos.md).
#define VB_XPC_MAX_REQUEST_DATA 65536u

// XPC keys of the protocol's request command (protocol/README.md).
#define VB_XPC_COMMAND_REQUEST "request"
#define VB_XPC_KEY_REQUEST "request"
#define VB_XPC_KEY_REPLY "reply"

typedef struct vb_event_entry {
    struct vb_event_entry *next;
    VmnetBroker__V1__Reply *reply; // a checked Reply with an Event
    size_t bytes;                  // its encoded size, counted against the bound
} vb_event_entry_t;

// What the connection's event handler shares with the session. Owned by the
// connection (its context): freed by the connection's finalizer, which runs
// after the handler's last call, so a session may close at any time.
typedef struct {
    pthread_mutex_t mu;
    uint32_t stream_id; // nonzero: pushed replies with this id are events to queue
    vb_event_entry_t *head, *tail;
    size_t unread_bytes;
    bool ended; // no more events: end_code and end_message say why
    vmnet_broker_return_t end_code;
    char end_message[256];
    int pipe_r, pipe_w; // readable while an event or the end waits
} vb_event_queue_t;

struct vmnet_broker_session {
    pthread_mutex_t mu; // serializes calls: one request in flight
    xpc_connection_t connection;
    vb_event_queue_t *events;
    uint32_t next_id;
    uint32_t subscribe_id; // nonzero once the session is an event stream
};

// Sends req (its id is assigned here) as {command: "request", request: <data>}
// and returns the checked reply in *out. Caller holds s->mu.
vmnet_broker_return_t vb_xpc_call(vmnet_broker_session_t *s, VmnetBroker__V1__Request *req,
                                  VmnetBroker__V1__Reply__ResultCase expected, VmnetBroker__V1__Reply **out);

// Pushed replies with id stream_id become events from now on (0: none do).
void vb_events_expect(vb_event_queue_t *q, uint32_t stream_id);

// Takes the next queued event (1, *reply set), the stream's end (-1, the last
// error set), or nothing (0). Does not wait.
int vb_events_take(vb_event_queue_t *q, VmnetBroker__V1__Reply **reply, vmnet_broker_return_t *code);

// Ends the stream with code and the calling thread's last error, and cancels
// the connection (the broker then releases what it held), as on Linux.
void vb_events_fail(vb_event_queue_t *q, xpc_connection_t connection, vmnet_broker_return_t code);

// The stream's end as the code a call on the session should fail with, or
// VMNET_BROKER_SUCCESS while the connection lives.
vmnet_broker_return_t vb_events_ended(vb_event_queue_t *q);

#endif
