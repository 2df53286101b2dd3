// SPDX-License-Identifier: Apache-2.0
#include "output.h"

#include <stdio.h>

#include "json.h"

void print_failure(vmnet_broker_return_t code, const char *message) {
    printf("{\"ok\": false, \"code\": %d, \"message\": ", (int)code);
    json_write_string(stdout, message);
    printf("}\n");
    fflush(stdout);
}

void print_ok_begin(void) {
    printf("{\"ok\": true");
}

void print_key(const char *key) {
    printf(", ");
    json_write_string(stdout, key);
    printf(": ");
}

void print_field_string(const char *key, const char *value) {
    print_key(key);
    json_write_string(stdout, value);
}

void print_field_uint(const char *key, unsigned long long value) {
    print_key(key);
    printf("%llu", value);
}

void print_end(void) {
    printf("}\n");
    fflush(stdout);
}
