// SPDX-License-Identifier: Apache-2.0
#include "leases.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output.h"

static vmnet_broker_session_t *events;

static void fail_last(vmnet_broker_return_t code) {
    const char *msg = vmnet_broker_last_error();
    print_failure(code, msg[0] ? msg : vmnet_broker_strerror(code));
}

static unsigned wait_ms_of(const json_value_t *cmd, double fallback) {
    double ms = json_get_number(cmd, "wait_ms", fallback);
    return ms < 0 ? 0 : (unsigned)ms;
}

static void print_lease(const vmnet_broker_lease_t *lease, bool with_network) {
    printf("{\"ip\": ");
    json_write_string(stdout, lease->ip);
    printf(", \"mac\": ");
    json_write_string(stdout, lease->mac);
    if (with_network) {
        printf(", \"network\": ");
        json_write_string(stdout, lease->network);
    }
    printf("}");
}

void op_wait_lease(vmnet_broker_session_t *session, const json_value_t *cmd) {
    vmnet_broker_lease_t lease;
    vmnet_broker_return_t st;
    if (vmnet_broker_session_wait_for_lease(session, json_get_string(cmd, "network", ""),
                                            json_get_string(cmd, "mac", ""), wait_ms_of(cmd, 0), &lease, &st) != 0) {
        fail_last(st);
        return;
    }
    print_ok_begin();
    print_key("lease");
    print_lease(&lease, true);
    print_end();
}

void op_subscribe(void) {
    close_events();
    vmnet_broker_return_t st;
    events = vmnet_broker_connect(NULL, &st);
    uint64_t next = 0;
    if (events == NULL || vmnet_broker_session_subscribe(events, &next, &st) != 0) {
        fail_last(st);
        close_events();
        return;
    }
    print_ok_begin();
    print_field_uint("next_sequence", next);
    print_end();
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

// The next event of "type" (others skipped) within wait_ms, else NOT_FOUND.
void op_next_event(const json_value_t *cmd) {
    if (events == NULL) {
        print_failure(VMNET_BROKER_INVALID_REQUEST, "next_event before subscribe");
        return;
    }
    const char *type = json_get_string(cmd, "type", "");
    long deadline = now_ms() + (long)wait_ms_of(cmd, 10000);
    for (;;) {
        long left = deadline - now_ms();
        vmnet_broker_event_t ev;
        vmnet_broker_return_t st;
        int got = vmnet_broker_session_read_event(events, left > 0 ? (unsigned)left : 0, &ev, &st);
        if (got < 0) {
            fail_last(st);
            return;
        }
        if (got == 0) {
            print_failure(VMNET_BROKER_NOT_FOUND, "no such event within the wait");
            return;
        }
        const char *name = vmnet_broker_event_type_name(ev.type);
        if (type[0] != '\0' && strcmp(type, name) != 0) {
            continue;
        }
        print_ok_begin();
        print_field_string("type", name);
        print_field_string("network", ev.network);
        print_field_uint("sequence", ev.sequence);
        if (ev.has_lease) {
            print_key("lease");
            print_lease(&ev.lease, false);
        }
        print_end();
        return;
    }
}

void close_events(void) {
    vmnet_broker_session_close(events);
    events = NULL;
}
