// SPDX-License-Identifier: Apache-2.0
// The conformance ops for lease look-ups and events: wait_lease, subscribe,
// next_event. Events come on a session of their own.
#ifndef VB_CONFORMANCE_LEASES_H
#define VB_CONFORMANCE_LEASES_H

#include "json.h"
#include "vmnet-broker.h"

void op_wait_lease(vmnet_broker_session_t *session, const json_value_t *cmd);
void op_subscribe(void);
void op_next_event(const json_value_t *cmd);
// Closes the event session, ending the subscription.
void close_events(void);

#endif
