// SPDX-License-Identifier: Apache-2.0
// The C client's conformance program (protocol/conformance/README.md): one
// JSON command per stdin line, exactly one JSON result per stdout line.
// Diagnostics go to stderr. Exits 0 when stdin closes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arp_probe.h"
#include "json.h"
#include "leases.h"
#include "output.h"
#include "session.h"
#include "vmnet-broker.h"

#define MAX_NETWORKS 32
#define MAX_TAP_FDS 256

static vmnet_broker_session_t *session;
static vmnet_broker_network_t *networks[MAX_NETWORKS]; // acquired, newest last
static size_t network_count;
static int tap_fds[MAX_TAP_FDS]; // every TAP fd kept open
static size_t tap_fd_count;
static int last_tap_fd = -1;
static const vmnet_broker_network_t *last_tap_network;

static void fail_last(vmnet_broker_return_t code) {
    const char *msg = vmnet_broker_last_error();
    print_failure(code, msg[0] ? msg : vmnet_broker_strerror(code));
}

static bool ensure_session(void) {
    if (session != NULL) {
        return true;
    }
    vmnet_broker_return_t st;
    session = vmnet_broker_connect(NULL, &st);
    if (session == NULL) {
        fail_last(st);
        return false;
    }
    return true;
}

static const char *mode_name(vmnet_broker_mode_t mode) {
    switch (mode) {
    case VMNET_BROKER_MODE_SHARED:
        return "shared";
    case VMNET_BROKER_MODE_HOST:
        return "host";
    default:
        return "unspecified";
    }
}

// The newest acquired network by that name, or a description holding only
// the name (the broker then decides, e.g. NOT_ALLOWED for one not acquired).
static const vmnet_broker_network_t *network_for(const char *name) {
    for (size_t i = network_count; i > 0; i--) {
        if (strcmp(vmnet_broker_network_name(networks[i - 1]), name) == 0) {
            return networks[i - 1];
        }
    }
    static vmnet_broker_network_t by_name;
    static VmnetBroker__V1__Network net;
    vmnet_broker__v1__network__init(&net);
    net.name = (char *)name;
    by_name.net = &net;
    by_name.reply = NULL;
    return &by_name;
}

static void op_acquire(const json_value_t *cmd) {
    const char *name = json_get_string(cmd, "network", "");
    vmnet_broker_return_t st;
    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(session, name, &st);
    if (n == NULL) {
        fail_last(st);
        return;
    }
    if (network_count == MAX_NETWORKS) {
        vmnet_broker_network_free(networks[0]);
        memmove(networks, networks + 1, (MAX_NETWORKS - 1) * sizeof(networks[0]));
        network_count--;
    }
    networks[network_count++] = n;
    print_ok_begin();
    print_key("network");
    printf("{\"name\": ");
    json_write_string(stdout, vmnet_broker_network_name(n));
    printf(", \"mode\": \"%s\"", mode_name(vmnet_broker_network_mode(n)));
    printf(", \"subnet\": ");
    json_write_string(stdout, vmnet_broker_network_subnet(n));
    printf(", \"mask\": ");
    json_write_string(stdout, vmnet_broker_network_mask(n));
    printf(", \"gateway\": ");
    json_write_string(stdout, vmnet_broker_network_gateway(n));
    printf(", \"mtu\": %u, \"bridge\": ", vmnet_broker_network_mtu(n));
    json_write_string(stdout, vmnet_broker_network_bridge(n));
    printf("}");
    print_end();
}

static void op_hello(void) {
    vmnet_broker_hello_t hello;
    vmnet_broker_return_t st;
    if (vmnet_broker_session_hello(session, &hello, &st) != 0) {
        fail_last(st);
        return;
    }
    print_ok_begin();
    print_field_uint("protocol_version", hello.protocol_version);
    print_field_string("broker_version", hello.broker_version);
    print_field_string("platform", hello.platform);
    print_end();
}

static void op_status(void) {
    vmnet_broker_return_t st;
    vmnet_broker_status_t *status = vmnet_broker_session_get_status(session, &st);
    if (status == NULL) {
        fail_last(st);
        return;
    }
    print_ok_begin();
    print_key("networks");
    printf("[");
    for (size_t i = 0; i < vmnet_broker_status_network_count(status); i++) {
        printf("%s{\"name\": ", i ? ", " : "");
        json_write_string(stdout, vmnet_broker_status_network_name(status, i));
        printf(", \"references\": %u}", vmnet_broker_status_network_references(status, i));
    }
    printf("]");
    print_field_uint("peers", vmnet_broker_status_peer_count(status));
    print_end();
    vmnet_broker_status_free(status);
}

// "holder": "connection" (the default) or "interface"; false for anything else.
static bool holder_of(const json_value_t *cmd, vmnet_broker_holder_t *holder) {
    const char *name = json_get_string(cmd, "holder", "connection");
    *holder = strcmp(name, "interface") == 0 ? VMNET_BROKER_HOLDER_INTERFACE : VMNET_BROKER_HOLDER_CONNECTION;
    return strcmp(name, "interface") == 0 || strcmp(name, "connection") == 0;
}

static void op_open_tap(const json_value_t *cmd) {
    const vmnet_broker_network_t *n = network_for(json_get_string(cmd, "network", ""));
    unsigned flags = json_get_bool(cmd, "vnet_header", false) ? VMNET_BROKER_TAP_VNET_HDR : 0;
    flags |= json_get_bool(cmd, "named", false) ? VMNET_BROKER_TAP_NAMED : 0;
    flags |= json_get_bool(cmd, "vhost_net", false) ? VMNET_BROKER_TAP_VHOST_NET : 0;
    double q = json_get_number(cmd, "queues", 1);
    unsigned queues = q < 0 ? 0 : (unsigned)q;
    // TAP fds, then as many vhost-net fds.
    int fds[2 * VMNET_BROKER_MAX_QUEUES];
    vmnet_broker_interface_info_t info;
    vmnet_broker_return_t st;
    vmnet_broker_holder_t holder;
    if (!holder_of(cmd, &holder)) {
        print_failure(VMNET_BROKER_INVALID_REQUEST, "holder must be \"connection\" or \"interface\"");
        return;
    }
    if (queues > VMNET_BROKER_MAX_QUEUES || tap_fd_count + 2 * (queues ? queues : 1) > MAX_TAP_FDS) {
        print_failure(VMNET_BROKER_INVALID_REQUEST, "too many queues for this program");
        return;
    }
    if (vmnet_broker_session_open_tap_held_by(session, n, flags, queues, holder, fds, &info, &st) != 0) {
        fail_last(st);
        return;
    }
    unsigned vhost_fds = (flags & VMNET_BROKER_TAP_VHOST_NET) ? (queues ? queues : 1) : 0;
    for (unsigned i = 0; i < info.fd_count + vhost_fds; i++) {
        tap_fds[tap_fd_count++] = fds[i];
    }
    last_tap_fd = info.fd_count > 0 ? fds[0] : -1;
    last_tap_network = n->reply != NULL ? n : NULL;
    print_ok_begin();
    print_field_string("name", info.name);
    print_field_uint("fds", info.fd_count);
    print_field_uint("vhost_fds", vhost_fds);
    print_field_string("holder", info.holder == VMNET_BROKER_HOLDER_INTERFACE ? "interface" : "connection");
    print_field_string("guest_mac", info.guest_mac);
    print_end();
}

// Closes every TAP fd this program holds: an interface-held TAP goes with them.
static void op_close_taps(void) {
    size_t closed = tap_fd_count;
    for (size_t i = 0; i < tap_fd_count; i++) {
        close(tap_fds[i]);
    }
    tap_fd_count = 0;
    last_tap_fd = -1;
    print_ok_begin();
    print_field_uint("closed", closed);
    print_end();
}

static void op_tap_probe(void) {
    if (last_tap_fd < 0 || last_tap_network == NULL) {
        print_failure(VMNET_BROKER_INTERNAL_ERROR, "tap_probe: no TAP opened on an acquired network");
        return;
    }
    const vmnet_broker_network_t *n = last_tap_network;
    const char *why = "";
    if (arp_probe(last_tap_fd, vmnet_broker_network_subnet(n), vmnet_broker_network_mask(n),
                  vmnet_broker_network_gateway(n), 5000, &why) != 0) {
        print_failure(VMNET_BROKER_INTERNAL_ERROR, why);
        return;
    }
    print_ok_begin();
    print_field_string("reply_from", vmnet_broker_network_gateway(n));
    print_end();
}

static void op_pipeline(const json_value_t *cmd) {
    double c = json_get_number(cmd, "count", 1);
    unsigned count = c < 1 ? 1 : (unsigned)c;
    vmnet_broker_return_t st = vb_session_pipeline_acquire(session, json_get_string(cmd, "network", ""), count);
    if (st != VMNET_BROKER_SUCCESS) {
        fail_last(st);
        return;
    }
    print_ok_begin();
    print_field_uint("replies", count);
    print_end();
}

// Closing the connection releases everything it holds; the TAP fds are ours and
// stay open until close_taps or the program's exit, as the runner expects.
static void close_session(void) {
    for (size_t i = 0; i < network_count; i++) {
        vmnet_broker_network_free(networks[i]);
    }
    network_count = 0;
    last_tap_network = NULL;
    vmnet_broker_session_close(session);
    session = NULL;
    close_events();
}

static void run_command(const json_value_t *cmd) {
    const char *op = json_get_string(cmd, "op", "");
    if (strcmp(op, "exit") == 0) {
        fflush(stdout);
        _exit(0); // without closing: the kernel closes the socket
    }
    if (strcmp(op, "close") == 0) {
        close_session();
        print_ok_begin();
        print_end();
        return;
    }
    static const char *const known[] = {"connect",    "hello",    "acquire",    "status",    "open_tap",  "tap_probe",
                                        "close_taps", "pipeline", "wait_lease", "subscribe", "next_event"};
    bool is_known = false;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        is_known |= strcmp(op, known[i]) == 0;
    }
    if (!is_known) {
        print_failure(VMNET_BROKER_INVALID_REQUEST, "unknown op");
        return;
    }
    if (strcmp(op, "tap_probe") == 0) {
        op_tap_probe();
        return;
    }
    if (strcmp(op, "close_taps") == 0) {
        op_close_taps();
        return;
    }
    if (strcmp(op, "next_event") == 0) {
        op_next_event(cmd);
        return;
    }
    if (strcmp(op, "connect") == 0 && session != NULL && vb_session_broken(session)) {
        close_session(); // the old lease is gone: connect opens a new one
    }
    if (!ensure_session()) {
        return;
    }
    if (strcmp(op, "connect") == 0) {
        print_ok_begin();
        print_end();
    } else if (strcmp(op, "hello") == 0) {
        op_hello();
    } else if (strcmp(op, "acquire") == 0) {
        op_acquire(cmd);
    } else if (strcmp(op, "status") == 0) {
        op_status();
    } else if (strcmp(op, "open_tap") == 0) {
        op_open_tap(cmd);
    } else if (strcmp(op, "wait_lease") == 0) {
        op_wait_lease(session, cmd);
    } else if (strcmp(op, "subscribe") == 0) {
        op_subscribe();
    } else {
        op_pipeline(cmd);
    }
}

int main(void) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n == 0 || (n == 1 && line[0] == '\n')) {
            continue;
        }
        json_value_t *cmd = json_parse(line, (size_t)n);
        if (cmd == NULL || cmd->type != JSON_OBJECT) {
            fprintf(stderr, "conformance: not a JSON object: %s", line);
            print_failure(VMNET_BROKER_INVALID_REQUEST, "command is not a JSON object");
        } else {
            run_command(cmd);
        }
        json_free(cmd);
    }
    free(line);
    close_session();
    for (size_t i = 0; i < tap_fd_count; i++) {
        close(tap_fds[i]);
    }
    return 0;
}
