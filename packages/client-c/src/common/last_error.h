// SPDX-License-Identifier: Apache-2.0
// The calling thread's description of its last failure (vmnet_broker_last_error).
#ifndef VB_LAST_ERROR_H
#define VB_LAST_ERROR_H

#include "vmnet-broker.h"

// Clears the message; every public call starts with this.
void vb_clear_error(void);

// Records a printf-style message and returns `code`, for `return vb_fail(...)`.
vmnet_broker_return_t vb_fail(vmnet_broker_return_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Stores code in *status when status is not NULL.
void vb_set_status(vmnet_broker_return_t *status, vmnet_broker_return_t code);

#endif
