// SPDX-License-Identifier: Apache-2.0
// macOS: the existing vmnet-broker client over XPC. One connection to the Mach
// service for the life of the process: it is the lease, and the kernel drops
// it (releasing every network) when the process exits.
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vmnet-broker.h"

static xpc_connection_t connection;
static pthread_once_t connection_once = PTHREAD_ONCE_INIT;

static void connect_to_broker(void) {
    connection = xpc_connection_create_mach_service(MACH_SERVICE_NAME, NULL, 0);
    // An event handler is required before resume. Errors also arrive as the
    // reply of each synchronous send, which is where they are reported.
    xpc_connection_set_event_handler(connection, ^(xpc_object_t event) {
      (void)event;
    });
    xpc_connection_resume(connection);
}

// Turns a reply dictionary into a status and, on success, the serialization
// (not yet retained). A reply carries exactly one of `network` and `error`.
static vmnet_broker_return_t parse_reply(xpc_object_t reply, xpc_object_t *network) {
    *network = NULL;
    if (xpc_get_type(reply) == XPC_TYPE_ERROR) {
        return VMNET_BROKER_XPC_FAILURE;
    }
    if (xpc_get_type(reply) != XPC_TYPE_DICTIONARY) {
        return VMNET_BROKER_INVALID_REPLY;
    }
    xpc_object_t net = xpc_dictionary_get_value(reply, REPLY_NETWORK);
    xpc_object_t err = xpc_dictionary_get_value(reply, REPLY_ERROR);
    if (net != NULL && err == NULL) {
        // Apple documents the serialization only as an XPC object: pass through
        // whatever the broker sent, as the existing client does.
        if (xpc_get_type(net) == XPC_TYPE_ERROR) {
            return VMNET_BROKER_INVALID_REPLY;
        }
        *network = net;
        return VMNET_BROKER_SUCCESS;
    }
    if (err == NULL || net != NULL || xpc_get_type(err) != XPC_TYPE_INT64) {
        return VMNET_BROKER_INVALID_REPLY;
    }
    int64_t code = xpc_int64_get_value(err);
    if (code <= VMNET_BROKER_SUCCESS) {
        return VMNET_BROKER_INVALID_REPLY;
    }
    if (code > VMNET_BROKER_UNSUPPORTED) {
        return VMNET_BROKER_INTERNAL_ERROR; // a code this client does not know yet
    }
    return (vmnet_broker_return_t)code;
}

xpc_object_t _Nullable vmnet_broker_acquire_network(const char *_Nonnull network_name,
                                                    vmnet_broker_return_t *_Nullable status) {
    pthread_once(&connection_once, connect_to_broker);

    xpc_object_t message = xpc_dictionary_create(NULL, NULL, 0);
    xpc_dictionary_set_string(message, REQUEST_COMMAND, COMMAND_ACQUIRE);
    xpc_dictionary_set_string(message, REQUEST_NETWORK_NAME, network_name);
    xpc_object_t reply = xpc_connection_send_message_with_reply_sync(connection, message);
    xpc_release(message);

    xpc_object_t network = NULL;
    vmnet_broker_return_t ret = parse_reply(reply, &network);
    if (network != NULL) {
        xpc_retain(network); // outlives the reply; the caller releases it
    }
    xpc_release(reply);
    if (status != NULL) {
        *status = ret;
    }
    return network;
}
