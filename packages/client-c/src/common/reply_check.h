// SPDX-License-Identifier: Apache-2.0
// Decodes a reply payload and checks it answers the request that was sent:
// the id matches and the result is the one the command expects, or an error.
// Pure: no I/O, so it can be fuzzed.
#ifndef VB_REPLY_CHECK_H
#define VB_REPLY_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "vmnet-broker.h"
#include "vmnet_broker/v1/broker.pb-c.h"

// Returns SUCCESS with *out set (free with vmnet_broker__v1__reply__free_unpacked),
// or the failure: INVALID_REPLY when the payload does not decode, the id does
// not match, or the result is not the expected one; the broker's code when the
// reply is an error (then *out is NULL). A reply with id 0 carrying an error is
// accepted: the broker could not read the request's id.
vmnet_broker_return_t vb_reply_check(const uint8_t *payload, size_t len, uint32_t expected_id,
                                     VmnetBroker__V1__Reply__ResultCase expected, VmnetBroker__V1__Reply **out);

#endif
