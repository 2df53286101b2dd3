// SPDX-License-Identifier: Apache-2.0
// Writes one result line of the conformance protocol: {"ok": ...} on stdout.
#ifndef VB_CONFORMANCE_OUTPUT_H
#define VB_CONFORMANCE_OUTPUT_H

#include "vmnet-broker.h"

// {"ok": false, "code": code, "message": message}
void print_failure(vmnet_broker_return_t code, const char *message);

// Starts {"ok": true; fields follow with print_field_* and print_end().
void print_ok_begin(void);
void print_field_string(const char *key, const char *value);
void print_field_uint(const char *key, unsigned long long value);
// Writes `"key": ` for a nested value the caller prints itself.
void print_key(const char *key);
void print_end(void);

#endif
