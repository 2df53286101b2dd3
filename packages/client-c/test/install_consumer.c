// SPDX-License-Identifier: Apache-2.0
// Built against an installed copy through pkg-config (make install-check):
// proves the header, libraries and vmnet-broker.pc work for a consumer.
#include <stdio.h>
#include <string.h>

#include <vmnet-broker.h>

int main(void) {
    vmnet_broker_return_t st = VMNET_BROKER_SUCCESS;
    // Nobody listens there: the call must fail cleanly with code 1.
    vmnet_broker_session_t *s = vmnet_broker_connect("/nonexistent/vmnet-broker.sock", &st);
    if (s != NULL || st != VMNET_BROKER_XPC_FAILURE) {
        fprintf(stderr, "expected a transport failure\n");
        return 1;
    }
    if (strcmp(vmnet_broker_strerror(VMNET_BROKER_NOT_FOUND), "Network name not found") != 0) {
        return 1;
    }
    // make install-check compares this with the .pc's version.
    printf("install consumer: header %s\n", VMNET_BROKER_VERSION_STRING);
    return 0;
}
