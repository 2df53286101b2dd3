// SPDX-License-Identifier: Apache-2.0
#include "last_error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[512];

void vb_clear_error(void) {
    last_error[0] = '\0';
}

vmnet_broker_return_t vb_fail(vmnet_broker_return_t code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    return code;
}

void vb_set_status(vmnet_broker_return_t *status, vmnet_broker_return_t code) {
    if (status != NULL) {
        *status = code;
    }
}

const char *vmnet_broker_last_error(void) {
    return last_error;
}
