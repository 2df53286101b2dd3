// SPDX-License-Identifier: Apache-2.0
// Leases and events from their decoded protobuf form into the public structs.
// Pure: no I/O; shared by the Linux and macOS sessions.
#ifndef VB_LEASE_EVENT_H
#define VB_LEASE_EVENT_H

#include "vmnet-broker.h"
#include "vmnet_broker/v1/broker.pb-c.h"

// Fills *out from a decoded Lease; INVALID_REPLY (with the last error set) when
// a field does not fit its fixed-size field.
vmnet_broker_return_t vb_fill_lease(const VmnetBroker__V1__Lease *lease, vmnet_broker_lease_t *out);

// Fills *out from a decoded Event (and its lease, if any); INVALID_REPLY when a
// field does not fit.
vmnet_broker_return_t vb_fill_event(const VmnetBroker__V1__Event *event, vmnet_broker_event_t *out);

#endif
