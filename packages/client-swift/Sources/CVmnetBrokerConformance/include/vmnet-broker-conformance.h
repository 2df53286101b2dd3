// SPDX-License-Identifier: Apache-2.0
// For the conformance program only: two operations the public C API does not
// offer, built on packages/client-c's internals exactly as its own conformance
// program does. Linux only.
#ifndef VMNET_BROKER_CONFORMANCE_H
#define VMNET_BROKER_CONFORMANCE_H

#include "vmnet-broker.h"

#ifndef __APPLE__

// Sends `count` acquires of `name` on the session before reading any reply,
// then checks every reply's id (client-c's vb_session_pipeline_acquire).
vmnet_broker_return_t vbc_pipeline_acquire(vmnet_broker_session_t *session, const char *name, unsigned count);

// Asks for a TAP on the network called `name` whether or not this session
// acquired it, so the broker, not the client, decides (NOT_ALLOWED).
int vbc_open_tap_by_name(vmnet_broker_session_t *session, const char *name, unsigned flags, unsigned queues,
                         vmnet_broker_holder_t holder, int *fds, vmnet_broker_interface_info_t *info,
                         vmnet_broker_return_t *status);

#endif

#endif
