// SPDX-License-Identifier: Apache-2.0
#include "reply_check.h"

#include "last_error.h"

static const char *result_name(VmnetBroker__V1__Reply__ResultCase c) {
    switch (c) {
    case VMNET_BROKER__V1__REPLY__RESULT_ERROR:
        return "error";
    case VMNET_BROKER__V1__REPLY__RESULT_HELLO:
        return "hello";
    case VMNET_BROKER__V1__REPLY__RESULT_NETWORK:
        return "network";
    case VMNET_BROKER__V1__REPLY__RESULT_STATUS:
        return "status";
    case VMNET_BROKER__V1__REPLY__RESULT_INTERFACE:
        return "interface";
    default:
        return "none";
    }
}

// Maps the broker's code to ours; codes this client does not know become
// INTERNAL_ERROR ("Internal or unknown error").
static vmnet_broker_return_t broker_code(const VmnetBroker__V1__Error *e) {
    int code = (int)e->code;
    if (code <= VMNET_BROKER_SUCCESS) {
        return VMNET_BROKER_INVALID_REPLY;
    }
    if (code > VMNET_BROKER_UNSUPPORTED) {
        return VMNET_BROKER_INTERNAL_ERROR;
    }
    return (vmnet_broker_return_t)code;
}

vmnet_broker_return_t vb_reply_check(const uint8_t *payload, size_t len, uint32_t expected_id,
                                     VmnetBroker__V1__Reply__ResultCase expected, VmnetBroker__V1__Reply **out) {
    *out = NULL;
    VmnetBroker__V1__Reply *reply = vmnet_broker__v1__reply__unpack(NULL, len, payload);
    if (reply == NULL) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "reply: %zu-byte payload does not decode as vmnet_broker.v1.Reply",
                       len);
    }
    vmnet_broker_return_t ret;
    if (reply->result_case == VMNET_BROKER__V1__REPLY__RESULT_ERROR && (reply->id == expected_id || reply->id == 0)) {
        const VmnetBroker__V1__Error *e = reply->error;
        ret = broker_code(e);
        if (ret == VMNET_BROKER_INVALID_REPLY) {
            vb_fail(ret, "reply %u: error with code %d", reply->id, (int)e->code);
        } else {
            vb_fail(ret, "broker: %s", e->message[0] ? e->message : vmnet_broker_strerror(ret));
        }
    } else if (reply->id != expected_id) {
        ret = vb_fail(VMNET_BROKER_INVALID_REPLY, "reply: id %u does not match request id %u", reply->id, expected_id);
    } else if (reply->result_case != expected) {
        ret = vb_fail(VMNET_BROKER_INVALID_REPLY, "reply %u: result is %s, expected %s", reply->id,
                      result_name(reply->result_case), result_name(expected));
    } else {
        *out = reply;
        return VMNET_BROKER_SUCCESS;
    }
    vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    return ret;
}
