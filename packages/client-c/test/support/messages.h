// SPDX-License-Identifier: Apache-2.0
// Every message descriptor of broker.proto, looked up by full name
// ("vmnet_broker.v1.Reply"), for the vector and garbage tests.
#ifndef VB_TEST_MESSAGES_H
#define VB_TEST_MESSAGES_H

#include <string.h>

#include "vmnet_broker/v1/broker.pb-c.h"

static const ProtobufCMessageDescriptor *const all_messages[] = {
    &vmnet_broker__v1__request__descriptor,
    &vmnet_broker__v1__reply__descriptor,
    &vmnet_broker__v1__error__descriptor,
    &vmnet_broker__v1__hello_request__descriptor,
    &vmnet_broker__v1__hello_reply__descriptor,
    &vmnet_broker__v1__acquire_request__descriptor,
    &vmnet_broker__v1__network__descriptor,
    &vmnet_broker__v1__port_forward__descriptor,
    &vmnet_broker__v1__status_request__descriptor,
    &vmnet_broker__v1__status__descriptor,
    &vmnet_broker__v1__network_status__descriptor,
    &vmnet_broker__v1__overlay__descriptor,
    &vmnet_broker__v1__peer_status__descriptor,
    &vmnet_broker__v1__lease__descriptor,
    &vmnet_broker__v1__interface_status__descriptor,
    &vmnet_broker__v1__counters__descriptor,
    &vmnet_broker__v1__open_interface_request__descriptor,
    &vmnet_broker__v1__tap_options__descriptor,
    &vmnet_broker__v1__veth_options__descriptor,
    &vmnet_broker__v1__interface__descriptor,
    &vmnet_broker__v1__lease_request__descriptor,
    &vmnet_broker__v1__subscribe_request__descriptor,
    &vmnet_broker__v1__subscription__descriptor,
    &vmnet_broker__v1__event__descriptor,
};
#define ALL_MESSAGES_COUNT (sizeof(all_messages) / sizeof(all_messages[0]))

static inline const ProtobufCMessageDescriptor *message_by_name(const char *full_name) {
    for (size_t i = 0; i < ALL_MESSAGES_COUNT; i++) {
        if (strcmp(all_messages[i]->name, full_name) == 0) {
            return all_messages[i];
        }
    }
    return NULL;
}

#endif
