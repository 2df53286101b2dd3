// SPDX-License-Identifier: Apache-2.0
// The client's wire handling against a scripted peer on a real Unix socket:
// the misbehaviours a correct broker never shows (wrong ids, descriptor count
// mismatches, oversized or cut frames, silence) must give clean errors, no
// leaked descriptors and no hang. Behaviour against the real broker is in
// test/live/.
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "linux/frame_reader.h"
#include "linux/session.h"
#include "vmnet-broker.h"
#include "vmnet_broker/v1/broker.pb-c.h"

typedef enum {
    SCRIPT_NORMAL,        // answer every request correctly (tap: real pipe fds)
    SCRIPT_WRONG_ID,      // answer with id + 1
    SCRIPT_FD_MISMATCH,   // interface reply declaring 2 fds, carrying 1
    SCRIPT_OVERSIZED,     // a header above the reply limit
    SCRIPT_CUT_MID_FRAME, // half a frame, then close
    SCRIPT_SILENT,        // read the request, never answer
    SCRIPT_BYTE_BY_BYTE,  // correct replies, one byte per write
    SCRIPT_OLD_BROKER,    // like NORMAL, but ignores the holder (answers none)
} script_t;

typedef struct {
    int listen_fd;
    script_t script;
    int tap_peer_fd;      // read end of the pipe whose write end went out as a "TAP"
    size_t veth_fds_seen; // descriptors that came with the veth request
    _Atomic int requests; // read by the test while the peer runs
    int hellos;
    char first_command[16];                   // the first request's command: "hello" from every session
    char client_name[64];                     // from the last hello
    VmnetBroker__V1__LeaseHolder holder_seen; // of the last open_interface
    uint32_t lease_wait_ms;                   // of the last lease request
} peer_t;

static char socket_path[108];

static int open_fd_count(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL);
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

// Reads one request frame (with any fds) from the connection.
static VmnetBroker__V1__Request *read_request(int fd, vb_frame_reader_t *r, size_t *nfds) {
    for (;;) {
        vb_frame_t f;
        vb_frame_status_t st = vb_frame_reader_next(r, &f);
        if (st == VB_FRAME_READY) {
            *nfds = f.nfds;
            VmnetBroker__V1__Request *req = vmnet_broker__v1__request__unpack(NULL, f.len, f.payload);
            vb_frame_release(&f);
            return req;
        }
        CHECK(st == VB_FRAME_NEED_MORE);
        uint8_t buf[4096];
        union {
            char b[CMSG_SPACE(sizeof(int) * 4)];
            struct cmsghdr align;
        } control;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof(control.b)};
        ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0) {
            return NULL;
        }
        int fds[4];
        size_t count = 0;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (cm != NULL && cm->cmsg_type == SCM_RIGHTS) {
            count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(cm), count * sizeof(int));
        }
        CHECK(vb_frame_reader_feed(r, buf, (size_t)n, fds, count) == 0);
    }
}

static void send_reply(peer_t *p, int fd, const VmnetBroker__V1__Reply *reply, const int *fds, size_t nfds) {
    size_t len = vmnet_broker__v1__reply__get_packed_size(reply);
    uint8_t *frame = malloc(len + 4);
    vb_frame_put_header(frame, (uint32_t)len);
    vmnet_broker__v1__reply__pack(reply, frame + 4);
    size_t step = p->script == SCRIPT_BYTE_BY_BYTE ? 1 : len + 4;
    for (size_t off = 0; off < len + 4; off += step) {
        size_t n = off + step > len + 4 ? len + 4 - off : step;
        struct iovec iov = {.iov_base = frame + off, .iov_len = n};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        union {
            char b[CMSG_SPACE(sizeof(int) * 4)];
            struct cmsghdr align;
        } control;
        if (off == 0 && nfds > 0) {
            memset(&control, 0, sizeof(control));
            msg.msg_control = control.b;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
            struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
            memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
        }
        CHECK(sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)n);
    }
    free(frame);
}

// A subscription's stream: a network created, then a lease on it.
static void send_events(peer_t *p, int fd, uint32_t id) {
    VmnetBroker__V1__Lease lease = VMNET_BROKER__V1__LEASE__INIT;
    lease.mac = (char *)"52:54:00:aa:bb:cc";
    lease.ip = (char *)"192.168.105.7";
    lease.network_name = (char *)"shared";
    VmnetBroker__V1__Event created = VMNET_BROKER__V1__EVENT__INIT;
    created.sequence = 5;
    created.time_unix_ms = 1700000000000;
    created.type = VMNET_BROKER__V1__EVENT_TYPE__EVENT_TYPE_NETWORK_CREATED;
    created.network_name = (char *)"shared";
    VmnetBroker__V1__Event added = created;
    added.sequence = 6;
    added.type = VMNET_BROKER__V1__EVENT_TYPE__EVENT_TYPE_LEASE_ADDED;
    added.lease = &lease;
    VmnetBroker__V1__Event *events[] = {&created, &added};
    for (size_t i = 0; i < 2; i++) {
        VmnetBroker__V1__Reply reply = VMNET_BROKER__V1__REPLY__INIT;
        reply.id = id;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_EVENT;
        reply.event = events[i];
        send_reply(p, fd, &reply, NULL, 0);
    }
}

static void answer(peer_t *p, int fd, const VmnetBroker__V1__Request *req, size_t nfds) {
    VmnetBroker__V1__Reply reply = VMNET_BROKER__V1__REPLY__INIT;
    reply.id = p->script == SCRIPT_WRONG_ID ? req->id + 1 : req->id;
    VmnetBroker__V1__Network net = VMNET_BROKER__V1__NETWORK__INIT;
    VmnetBroker__V1__Interface itf = VMNET_BROKER__V1__INTERFACE__INIT;
    VmnetBroker__V1__HelloReply hello = VMNET_BROKER__V1__HELLO_REPLY__INIT;
    VmnetBroker__V1__Error err = VMNET_BROKER__V1__ERROR__INIT;
    char *features[] = {(char *)"tap", (char *)"status"};
    VmnetBroker__V1__Status status = VMNET_BROKER__V1__STATUS__INIT;
    VmnetBroker__V1__NetworkStatus net_status = VMNET_BROKER__V1__NETWORK_STATUS__INIT;
    VmnetBroker__V1__InterfaceStatus held_itf = VMNET_BROKER__V1__INTERFACE_STATUS__INIT;
    VmnetBroker__V1__NetworkStatus *nets[] = {&net_status};
    VmnetBroker__V1__InterfaceStatus *itfs[] = {&held_itf};
    VmnetBroker__V1__Lease lease = VMNET_BROKER__V1__LEASE__INIT;
    VmnetBroker__V1__Subscription subscription = VMNET_BROKER__V1__SUBSCRIPTION__INIT;
    int out_fds[2] = {-1, -1};
    size_t out_n = 0;
    switch (req->command_case) {
    case VMNET_BROKER__V1__REQUEST__COMMAND_LEASE:
        p->lease_wait_ms = req->lease->wait_ms;
        if (strcmp(req->lease->mac, "52:54:00:aa:bb:cc") != 0) {
            err.code = VMNET_BROKER__V1__ERROR_CODE__ERROR_CODE_NOT_FOUND;
            err.message = (char *)"no lease";
            reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_ERROR;
            reply.error = &err;
            break;
        }
        lease.mac = req->lease->mac;
        lease.ip = (char *)"192.168.105.7";
        lease.network_name = req->lease->network_name;
        lease.expires_unix = 1700000000;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_LEASE;
        reply.lease = &lease;
        break;
    case VMNET_BROKER__V1__REQUEST__COMMAND_SUBSCRIBE:
        subscription.next_sequence = 5;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_SUBSCRIPTION;
        reply.subscription = &subscription;
        send_reply(p, fd, &reply, NULL, 0);
        send_events(p, fd, req->id);
        return;
    case VMNET_BROKER__V1__REQUEST__COMMAND_HELLO:
        p->hellos++;
        snprintf(p->client_name, sizeof(p->client_name), "%s", req->hello->client_name);
        hello.protocol_version = 1;
        hello.broker_version = (char *)"scripted";
        hello.platform = (char *)"linux";
        hello.n_features = 2;
        hello.features = features;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_HELLO;
        reply.hello = &hello;
        break;
    case VMNET_BROKER__V1__REQUEST__COMMAND_ACQUIRE:
        if (strcmp(req->acquire->network_name, "shared") != 0) {
            err.code = VMNET_BROKER__V1__ERROR_CODE__ERROR_CODE_NOT_FOUND;
            err.message = (char *)"no such network";
            reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_ERROR;
            reply.error = &err;
            break;
        }
        net.name = (char *)"shared";
        net.mode = VMNET_BROKER__V1__NETWORK_MODE__NETWORK_MODE_SHARED;
        net.subnet = (char *)"192.168.105.0";
        net.mask = (char *)"255.255.255.0";
        net.gateway = (char *)"192.168.105.1";
        net.mtu = 1500;
        net.bridge = (char *)"vmbr0";
        net.dhcp = 1;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_NETWORK;
        reply.network = &net;
        break;
    case VMNET_BROKER__V1__REQUEST__COMMAND_OPEN_INTERFACE:
        itf.network_name = req->open_interface->network_name;
        itf.name = (char *)"vmtap0";
        p->holder_seen = req->open_interface->kind_case == VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__KIND_TAP
                             ? req->open_interface->tap->holder
                             : req->open_interface->veth->holder;
        if (p->script != SCRIPT_OLD_BROKER) {
            itf.holder = p->holder_seen;
        }
        if (req->open_interface->kind_case == VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__KIND_VETH) {
            p->veth_fds_seen = nfds;
            itf.kind = VMNET_BROKER__V1__INTERFACE_KIND__INTERFACE_KIND_VETH;
            itf.peer_ifname = req->open_interface->veth->ifname;
        } else {
            int pipefd[2];
            CHECK(pipe(pipefd) == 0);
            if (p->tap_peer_fd >= 0) {
                close(p->tap_peer_fd); // only the last TAP's is read
            }
            p->tap_peer_fd = pipefd[0];
            out_fds[0] = pipefd[1];
            out_n = 1;
            itf.kind = VMNET_BROKER__V1__INTERFACE_KIND__INTERFACE_KIND_TAP;
            itf.fd_count = p->script == SCRIPT_FD_MISMATCH ? 2 : 1;
            itf.guest_mac = (char *)"52:54:00:ab:cd:ef";
        }
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_INTERFACE;
        reply.interface = &itf;
        break;
    case VMNET_BROKER__V1__REQUEST__COMMAND_STATUS:
        net.name = (char *)"shared";
        held_itf.name = (char *)"vmtap0";
        held_itf.holder = VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_INTERFACE;
        held_itf.owner_uid = 1000;
        net_status.network = &net;
        net_status.interface_references = 1;
        net_status.adopted = 1;
        net_status.live = 1;
        net_status.n_interfaces = 1;
        net_status.interfaces = itfs;
        status.view_filtered = 1;
        status.n_networks = 1;
        status.networks = nets;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_STATUS;
        reply.status = &status;
        break;
    default:
        err.code = VMNET_BROKER__V1__ERROR_CODE__ERROR_CODE_INVALID_REQUEST;
        reply.result_case = VMNET_BROKER__V1__REPLY__RESULT_ERROR;
        reply.error = &err;
    }
    send_reply(p, fd, &reply, out_fds, out_n);
    if (out_fds[0] >= 0) {
        close(out_fds[0]);
    }
}

static void *peer_main(void *arg) {
    peer_t *p = arg;
    int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    CHECK(fd >= 0);
    vb_frame_reader_t r;
    vb_frame_reader_init(&r, VB_MAX_REQUEST_PAYLOAD);
    for (;;) {
        size_t nfds = 0;
        VmnetBroker__V1__Request *req = read_request(fd, &r, &nfds);
        if (req == NULL) {
            break;
        }
        if (p->requests++ == 0) {
            snprintf(p->first_command, sizeof(p->first_command), "%s",
                     req->command_case == VMNET_BROKER__V1__REQUEST__COMMAND_HELLO ? "hello" : "other");
        }
        if (p->script == SCRIPT_OVERSIZED) {
            // One oversized header, then silence until the client hangs up: the
            // client drops the session, and the peer reads on rather than closing
            // with the hello's companion request unread (a reset could swallow the
            // header).
            if (p->requests == 1) {
                uint8_t hdr[4];
                vb_frame_put_header(hdr, VB_MAX_REPLY_PAYLOAD + 1);
                CHECK(send(fd, hdr, 4, MSG_NOSIGNAL) == 4);
            }
        } else if (p->script == SCRIPT_CUT_MID_FRAME) {
            uint8_t half[6] = {0};
            vb_frame_put_header(half, 10);
            CHECK(send(fd, half, sizeof(half), MSG_NOSIGNAL) == (ssize_t)sizeof(half));
            vmnet_broker__v1__request__free_unpacked(req, NULL);
            break;
        } else if (p->script != SCRIPT_SILENT) {
            answer(p, fd, req, nfds);
        }
        vmnet_broker__v1__request__free_unpacked(req, NULL);
    }
    vb_frame_reader_destroy(&r);
    close(fd);
    return NULL;
}

static pthread_t start_peer(peer_t *p, script_t script) {
    memset(p, 0, sizeof(*p));
    p->script = script;
    p->tap_peer_fd = -1;
    unlink(socket_path);
    p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, socket_path);
    CHECK(bind(p->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    CHECK(listen(p->listen_fd, 4) == 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, peer_main, p) == 0);
    return t;
}

static void stop_peer(peer_t *p, pthread_t t) {
    CHECK(pthread_join(t, NULL) == 0);
    close(p->listen_fd);
    if (p->tap_peer_fd >= 0) {
        close(p->tap_peer_fd);
    }
}

static void test_normal_calls(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_NORMAL);
    vmnet_broker_return_t st = VMNET_BROKER_INTERNAL_ERROR;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    CHECK(s != NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_SUCCESS);

    vmnet_broker_hello_t hello;
    CHECK_EQ_INT(vmnet_broker_session_hello(s, &hello, &st), 0);
    CHECK_EQ_STR(hello.platform, "linux");
    CHECK_EQ_INT(hello.features, VMNET_BROKER_FEATURE_TAP | VMNET_BROKER_FEATURE_STATUS);

    CHECK(vmnet_broker_session_acquire_network(s, "nope", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_NOT_FOUND);
    CHECK(strstr(vmnet_broker_last_error(), "no such network") != NULL);

    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
    CHECK(n != NULL);
    CHECK_EQ_STR(vmnet_broker_network_name(n), "shared");
    CHECK_EQ_INT(vmnet_broker_network_mode(n), VMNET_BROKER_MODE_SHARED);
    CHECK_EQ_STR(vmnet_broker_network_gateway(n), "192.168.105.1");
    CHECK_EQ_STR(vmnet_broker_network_ipv6_prefix(n), "");
    CHECK_EQ_INT(vmnet_broker_network_mtu(n), 1500);
    CHECK(vmnet_broker_network_dhcp(n));
    CHECK(!vmnet_broker_network_dns(n));

    int fd = -1;
    vmnet_broker_interface_t info;
    CHECK_EQ_INT(vmnet_broker_session_open_tap(s, n, 0, 1, &fd, &info, &st), 0);
    CHECK_EQ_STR(info.name, "vmtap0");
    CHECK_EQ_INT(info.fd_count, 1);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0); // MSG_CMSG_CLOEXEC
    CHECK(write(fd, "x", 1) == 1);                 // the fd really is the peer's pipe
    char c = 0;
    CHECK(read(p.tap_peer_fd, &c, 1) == 1 && c == 'x');
    close(fd);

    int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    CHECK(netns >= 0);
    CHECK_EQ_INT(vmnet_broker_session_open_veth(s, n, netns, "eth1", &info, &st), 0);
    CHECK_EQ_STR(info.peer_ifname, "eth1");
    close(netns);

    // Client-side validation never reaches the peer.
    CHECK_EQ_INT(vmnet_broker_session_open_tap(s, n, 0x80, 1, &fd, NULL, &st), -1);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REQUEST);
    char big[70000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK(vmnet_broker_session_acquire_network(s, big, &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REQUEST);

    vmnet_broker_network_free(n);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
    CHECK_EQ_INT(p.veth_fds_seen, 1);
    CHECK_EQ_INT(p.requests, 5);
    CHECK_EQ_INT(p.hellos, 1); // the explicit hello was the greeting; no second one
}

// The hello names the client (set_client for libraries built on this one), is
// sent once, and a broker that refuses it costs the session nothing.
static void test_greeting(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_NORMAL);
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    CHECK(s != NULL);
    vmnet_broker_session_set_client(s, "client-swift", "1.2.3");
    vmnet_broker_status_t *snap = vmnet_broker_session_get_status(s, &st);
    CHECK(snap != NULL);
    vmnet_broker_status_free(snap);
    CHECK_EQ_INT(vb_session_pipeline_acquire(s, "shared", 3), VMNET_BROKER_SUCCESS);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
    CHECK_EQ_STR(p.first_command, "hello");
    CHECK_EQ_STR(p.client_name, "client-swift");
    CHECK_EQ_INT(p.hellos, 1);
}

static void test_holder(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_NORMAL);
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
    CHECK(n != NULL);
    int fd = -1;
    vmnet_broker_interface_info_t info;
    CHECK_EQ_INT(vmnet_broker_session_open_tap_held_by(s, n, 0, 1, VMNET_BROKER_HOLDER_INTERFACE, &fd, &info, &st), 0);
    CHECK_EQ_INT(p.holder_seen, VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_INTERFACE);
    CHECK_EQ_INT(info.holder, VMNET_BROKER_HOLDER_INTERFACE);
    CHECK_EQ_STR(info.guest_mac, "52:54:00:ab:cd:ef");
    CHECK_EQ_STR(info.name, "vmtap0");
    close(fd);
    // The calls that predate the option ask for the connection.
    vmnet_broker_interface_t old;
    CHECK_EQ_INT(vmnet_broker_session_open_tap(s, n, 0, 1, &fd, &old, &st), 0);
    CHECK_EQ_INT(p.holder_seen, VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_CONNECTION);
    close(fd);
    int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    CHECK_EQ_INT(vmnet_broker_session_open_veth_held_by(s, n, netns, "eth1", VMNET_BROKER_HOLDER_INTERFACE, &info, &st),
                 0);
    CHECK_EQ_INT(info.holder, VMNET_BROKER_HOLDER_INTERFACE);
    close(netns);
    CHECK_EQ_INT(vmnet_broker_session_open_tap_held_by(s, n, 0, 1, (vmnet_broker_holder_t)7, &fd, NULL, &st), -1);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REQUEST);

    vmnet_broker_status_t *status = vmnet_broker_session_get_status(s, &st);
    CHECK(status != NULL);
    CHECK(vmnet_broker_status_view_filtered(status));
    CHECK_EQ_INT(vmnet_broker_status_network_interface_references(status, 0), 1);
    CHECK(vmnet_broker_status_network_adopted(status, 0));
    CHECK(vmnet_broker_status_network_live(status, 0));
    CHECK(!vmnet_broker_status_network_live(status, 1));
    CHECK_EQ_INT(vmnet_broker_status_interface_count(status, 0), 1);
    CHECK_EQ_STR(vmnet_broker_status_interface_name(status, 0, 0), "vmtap0");
    CHECK(vmnet_broker_status_interface_name(status, 0, 1) == NULL);
    CHECK_EQ_INT(vmnet_broker_status_interface_holder(status, 0, 0), VMNET_BROKER_HOLDER_INTERFACE);
    CHECK_EQ_INT(vmnet_broker_status_interface_owner_uid(status, 0, 0), 1000);
    vmnet_broker_status_free(status);
    vmnet_broker_network_free(n);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
}

// A broker that ignores the holder would tie the TAP to the connection: the
// call fails with UNSUPPORTED and hands out no fd.
static void test_holder_ignored(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_OLD_BROKER);
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
    int fd = -1;
    CHECK_EQ_INT(vmnet_broker_session_open_tap_held_by(s, n, 0, 1, VMNET_BROKER_HOLDER_INTERFACE, &fd, NULL, &st), -1);
    CHECK_EQ_INT(st, VMNET_BROKER_UNSUPPORTED);
    CHECK_EQ_INT(fd, -1);
    CHECK(strstr(vmnet_broker_last_error(), "holder=interface") != NULL);
    CHECK_EQ_INT(vmnet_broker_session_open_tap(s, n, 0, 1, &fd, NULL, &st), 0);
    close(fd);
    vmnet_broker_network_free(n);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
}

static vmnet_broker_return_t one_acquire(script_t script, bool *broken_after) {
    peer_t p;
    pthread_t t = start_peer(&p, script);
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    CHECK(s != NULL);
    vmnet_broker_session_set_timeout_ms(s, 300); // a safety limit for SCRIPT_SILENT, not a measurement
    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
    CHECK(n == NULL || st == VMNET_BROKER_SUCCESS);
    vmnet_broker_return_t second;
    vmnet_broker_network_free(vmnet_broker_session_acquire_network(s, "shared", &second));
    *broken_after = second == VMNET_BROKER_XPC_FAILURE;
    vmnet_broker_network_free(n);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
    return st;
}

static void test_misbehaving_peers(void) {
    bool broken;
    CHECK_EQ_INT(one_acquire(SCRIPT_BYTE_BY_BYTE, &broken), VMNET_BROKER_SUCCESS);
    CHECK(!broken);
    CHECK_EQ_INT(one_acquire(SCRIPT_WRONG_ID, &broken), VMNET_BROKER_INVALID_REPLY);
    CHECK(!broken); // the framing is intact
    CHECK_EQ_INT(one_acquire(SCRIPT_OVERSIZED, &broken), VMNET_BROKER_INVALID_REPLY);
    CHECK(broken); // no resync after an oversized header
    CHECK_EQ_INT(one_acquire(SCRIPT_CUT_MID_FRAME, &broken), VMNET_BROKER_XPC_FAILURE);
    CHECK(broken);
    CHECK_EQ_INT(one_acquire(SCRIPT_SILENT, &broken), VMNET_BROKER_XPC_FAILURE);
    CHECK(broken);
}

static void test_fd_count_mismatch(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_FD_MISMATCH);
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
    CHECK(n != NULL);
    int fds[2] = {-1, -1};
    CHECK_EQ_INT(vmnet_broker_session_open_tap(s, n, 0, 2, fds, NULL, &st), -1);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REPLY);
    CHECK(fds[0] == -1 && fds[1] == -1);
    vmnet_broker_network_free(n);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
}

typedef struct {
    vmnet_broker_session_t *session;
    vmnet_broker_return_t status;
} waiting_call_t;

static void *acquire_waiting(void *arg) {
    waiting_call_t *call = arg;
    vmnet_broker_network_free(vmnet_broker_session_acquire_network(call->session, "shared", &call->status));
    return NULL;
}

// A call waiting on a silent broker (no timeout set) ends when another thread
// shuts the session down, and the session stays broken.
static void test_shutdown_interrupts_a_waiting_call(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_SILENT);
    waiting_call_t call = {.status = VMNET_BROKER_SUCCESS};
    call.session = vmnet_broker_connect(socket_path, &call.status);
    CHECK(call.session != NULL);
    pthread_t caller;
    CHECK(pthread_create(&caller, NULL, acquire_waiting, &call) == 0);
    while (p.requests == 0) { // the request has reached the peer: the call is waiting
        usleep(1000);
    }
    vmnet_broker_session_shutdown(call.session);
    CHECK(pthread_join(caller, NULL) == 0);
    CHECK_EQ_INT(call.status, VMNET_BROKER_XPC_FAILURE);
    vmnet_broker_return_t st;
    CHECK(vmnet_broker_session_acquire_network(call.session, "shared", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    vmnet_broker_session_shutdown(call.session); // again, on a broken session: nothing
    vmnet_broker_session_close(call.session);
    stop_peer(&p, t);
}

static void test_wait_for_lease(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_NORMAL);
    vmnet_broker_return_t st = VMNET_BROKER_INTERNAL_ERROR;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    CHECK(s != NULL);
    vmnet_broker_session_set_timeout_ms(s, 1000);
    vmnet_broker_lease_t lease;
    CHECK(vmnet_broker_session_wait_for_lease(s, "shared", "52:54:00:aa:bb:cc", 3600000, &lease, &st) == 0);
    CHECK(p.lease_wait_ms == VMNET_BROKER_MAX_LEASE_WAIT_MS); // capped
    CHECK(strcmp(lease.ip, "192.168.105.7") == 0 && strcmp(lease.network, "shared") == 0);
    CHECK(lease.expires_unix == 1700000000 && lease.ipv6_count == 0);
    CHECK(vmnet_broker_session_wait_for_lease(s, "shared", "52:54:00:00:00:01", 0, &lease, &st) == -1);
    CHECK(st == VMNET_BROKER_NOT_FOUND);
    // The session stays usable after NOT_FOUND.
    CHECK(vmnet_broker_session_hello(s, NULL, &st) == 0);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
}

static void test_events(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_NORMAL);
    vmnet_broker_return_t st = VMNET_BROKER_INTERNAL_ERROR;
    vmnet_broker_session_t *s = vmnet_broker_connect(socket_path, &st);
    CHECK(s != NULL);
    uint64_t next = 0;
    CHECK(vmnet_broker_session_subscribe(s, &next, &st) == 0 && next == 5);
    CHECK(vmnet_broker_session_fd(s) >= 0);
    vmnet_broker_event_t ev;
    CHECK(vmnet_broker_session_read_event(s, 5000, &ev, &st) == 1);
    CHECK(ev.sequence == 5 && ev.type == VMNET_BROKER_EVENT_NETWORK_CREATED && !ev.has_lease);
    CHECK(strcmp(vmnet_broker_event_type_name(ev.type), "network-created") == 0);
    CHECK(vmnet_broker_session_read_event(s, 5000, &ev, &st) == 1);
    CHECK(ev.sequence == 6 && ev.has_lease && strcmp(ev.lease.ip, "192.168.105.7") == 0);
    // Nothing more: 0, and the stream stays usable.
    CHECK(vmnet_broker_session_read_event(s, 0, &ev, &st) == 0);
    CHECK(vmnet_broker_session_read_event(s, 50, &ev, &st) == 0);
    // Other calls on an event stream are refused without touching the wire.
    CHECK(vmnet_broker_session_hello(s, NULL, &st) == -1 && st == VMNET_BROKER_INVALID_REQUEST);
    CHECK(vmnet_broker_session_fd(s) >= 0);
    vmnet_broker_session_close(s);
    stop_peer(&p, t);
}

static void test_null_session(void) {
    vmnet_broker_return_t st = VMNET_BROKER_SUCCESS;
    CHECK(vmnet_broker_session_acquire_network(NULL, "shared", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REQUEST);
    CHECK(vmnet_broker_session_get_status(NULL, &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REQUEST);
    vmnet_broker_session_set_timeout_ms(NULL, 1);
    vmnet_broker_session_shutdown(NULL);
    vmnet_broker_session_close(NULL);
}

static void test_global_session(void) {
    peer_t p;
    pthread_t t = start_peer(&p, SCRIPT_NORMAL);
    setenv(VMNET_BROKER_SOCKET_ENV, socket_path, 1);
    CHECK_EQ_STR(vmnet_broker_socket_path(), socket_path);
    vmnet_broker_return_t st;
    vmnet_broker_network_t *n = vmnet_broker_acquire_network("shared", &st);
    CHECK(n != NULL);
    vmnet_broker_network_t *again = vmnet_broker_acquire_network("shared", &st);
    CHECK(again != NULL);
    vmnet_broker_network_free(again);
    int fd;
    CHECK_EQ_INT(vmnet_broker_open_tap(n, 0, 0, &fd, &st), 0);
    close(fd);
    // The _held_by variants also say which interface they opened.
    vmnet_broker_interface_info_t info = {0};
    CHECK_EQ_INT(vmnet_broker_open_tap_held_by(n, 0, 1, VMNET_BROKER_HOLDER_INTERFACE, &fd, &info, &st), 0);
    CHECK_EQ_INT(p.holder_seen, VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_INTERFACE);
    CHECK_EQ_STR(info.name, "vmtap0");
    CHECK_EQ_INT(info.fd_count, 1);
    CHECK_EQ_STR(info.guest_mac, "52:54:00:ab:cd:ef");
    CHECK_EQ_INT(info.holder, VMNET_BROKER_HOLDER_INTERFACE);
    close(fd);
    int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    CHECK(netns >= 0);
    CHECK_EQ_INT(vmnet_broker_open_veth_held_by(n, netns, "eth2", VMNET_BROKER_HOLDER_CONNECTION, &info, &st), 0);
    CHECK_EQ_STR(info.peer_ifname, "eth2");
    CHECK_EQ_INT(info.holder, VMNET_BROKER_HOLDER_CONNECTION);
    close(netns);
    vmnet_broker_network_free(n);
    vmnet_broker_close();
    stop_peer(&p, t);
    // The hello, both acquires and the three opens went over one connection.
    CHECK_EQ_INT(p.requests, 6);
    CHECK_EQ_STR(p.first_command, "hello");
    CHECK_EQ_STR(p.client_name, "client-c");

    // With nobody listening: a transport failure, not a hang.
    unlink(socket_path);
    CHECK(vmnet_broker_acquire_network("shared", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    CHECK(strstr(vmnet_broker_last_error(), "connect(") != NULL);
    // Empty means unset, as in every client.
    setenv(VMNET_BROKER_SOCKET_ENV, "", 1);
    CHECK_EQ_STR(vmnet_broker_socket_path(), VMNET_BROKER_DEFAULT_SOCKET);
    unsetenv(VMNET_BROKER_SOCKET_ENV);
}

int main(void) {
    char dir[] = "/tmp/vb-scripted-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(socket_path, sizeof(socket_path), "%s/broker.sock", dir);
    int fds_before = open_fd_count();
    test_normal_calls();
    test_greeting();
    test_misbehaving_peers();
    test_fd_count_mismatch();
    test_shutdown_interrupts_a_waiting_call();
    test_holder();
    test_holder_ignored();
    test_global_session();
    test_null_session();
    test_wait_for_lease();
    test_events();
    CHECK_EQ_INT(open_fd_count(), fds_before);
    unlink(socket_path);
    rmdir(dir);
    printf("test_scripted_peer: ok\n");
    return 0;
}
