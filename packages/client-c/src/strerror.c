// SPDX-License-Identifier: Apache-2.0
// Status texts. 0-7 are the existing vmnet-broker's texts; on Linux code 1 says
// what actually failed (the Unix socket), since there is no XPC there.
#include "vmnet-broker.h"

const char *vmnet_broker_strerror(vmnet_broker_return_t status) {
    switch (status) {
    case VMNET_BROKER_SUCCESS:
        return "Broker session started";
    case VMNET_BROKER_XPC_FAILURE:
#ifdef __APPLE__
        return "Failed to send XPC message to broker";
#else
        return "Failed to reach the broker";
#endif
    case VMNET_BROKER_INVALID_REPLY:
        return "Broker returned invalid reply";
    case VMNET_BROKER_NOT_ALLOWED:
        return "You are not allowed to create a network";
    case VMNET_BROKER_INVALID_REQUEST:
        return "Invalid broker request";
    case VMNET_BROKER_NOT_FOUND:
        return "Network name not found";
    case VMNET_BROKER_CREATE_FAILURE:
        return "Failed to create network";
    case VMNET_BROKER_INTERNAL_ERROR:
        return "Internal or unknown error";
    case VMNET_BROKER_LIMIT_EXCEEDED:
        return "Too many networks acquired by this process";
    case VMNET_BROKER_UNSUPPORTED:
        return "Not supported by this broker or platform";
    default:
        return "(unknown status)";
    }
}
