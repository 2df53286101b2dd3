// SPDX-License-Identifier: Apache-2.0
// Against a live broker (test/run-live.sh starts one in its own sandbox):
// hello, acquire shared, unknown network, status, a TAP that answers ARP for
// the gateway, multi-queue vnet TAP, a TAP by name, vhost-net fds (or their
// refusal where the host has no /dev/vhost-net), a veth moved into a namespace
// this test creates, the global API, and, when BROKER_PID is given, the broker dying
// under an open session: a transport failure, not a hang. No fd may leak.
#include <dirent.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arp_probe.h"
#include "check.h"
#include "vmnet-broker.h"

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

static uint32_t references(vmnet_broker_session_t *s, const char *name) {
    vmnet_broker_return_t st;
    vmnet_broker_status_t *status = vmnet_broker_session_get_status(s, &st);
    CHECK(status != NULL);
    uint32_t refs = 0;
    for (size_t i = 0; i < vmnet_broker_status_network_count(status); i++) {
        if (strcmp(vmnet_broker_status_network_name(status, i), name) == 0) {
            refs = vmnet_broker_status_network_references(status, i);
        }
    }
    vmnet_broker_status_free(status);
    return refs;
}

static void test_tap_answers_arp(vmnet_broker_session_t *s, const vmnet_broker_network_t *n) {
    vmnet_broker_return_t st;
    int fd = -1;
    vmnet_broker_interface_t info;
    if (vmnet_broker_session_open_tap(s, n, 0, 1, &fd, &info, &st) != 0) {
        fprintf(stderr, "open_tap: %s (%s)\n", vmnet_broker_strerror(st), vmnet_broker_last_error());
        CHECK(0);
    }
    CHECK(info.name[0] != '\0');
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    const char *why = "";
    int rc = arp_probe(fd, vmnet_broker_network_subnet(n), vmnet_broker_network_mask(n),
                       vmnet_broker_network_gateway(n), 5000, &why);
    if (rc != 0) {
        fprintf(stderr, "arp probe of %s via %s: %s\n", vmnet_broker_network_gateway(n), info.name, why);
    }
    CHECK(rc == 0);
    close(fd);

    int fds[2] = {-1, -1};
    CHECK_EQ_INT(vmnet_broker_session_open_tap(s, n, VMNET_BROKER_TAP_VNET_HDR, 2, fds, &info, &st), 0);
    CHECK_EQ_INT(info.fd_count, 2);
    CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
    close(fds[0]);
    close(fds[1]);
}

static bool status_lists_interface(vmnet_broker_session_t *s, const char *network, const char *ifname) {
    vmnet_broker_return_t st;
    vmnet_broker_status_t *status = vmnet_broker_session_get_status(s, &st);
    CHECK(status != NULL);
    bool found = false;
    for (size_t i = 0; i < vmnet_broker_status_network_count(status); i++) {
        if (strcmp(vmnet_broker_status_network_name(status, i), network) != 0) {
            continue;
        }
        for (size_t j = 0; j < vmnet_broker_status_interface_count(status, i); j++) {
            found = found || strcmp(vmnet_broker_status_interface_name(status, i, j), ifname) == 0;
        }
    }
    vmnet_broker_status_free(status);
    return found;
}

// A TAP by name comes back without an fd, listed as this session's; the
// interface cannot hold it.
static void test_named_tap(vmnet_broker_session_t *s, const vmnet_broker_network_t *n) {
    vmnet_broker_return_t st;
    vmnet_broker_interface_info_t info;
    if (vmnet_broker_session_open_tap_held_by(s, n, VMNET_BROKER_TAP_NAMED | VMNET_BROKER_TAP_VNET_HDR, 2,
                                              VMNET_BROKER_HOLDER_CONNECTION, NULL, &info, &st) != 0) {
        fprintf(stderr, "open named tap: %s (%s)\n", vmnet_broker_strerror(st), vmnet_broker_last_error());
        CHECK(0);
    }
    CHECK_EQ_INT(info.fd_count, 0);
    CHECK(strncmp(info.name, "vmtap-", 6) == 0);
    CHECK(status_lists_interface(s, "shared", info.name));
    int fd = -1;
    CHECK_EQ_INT(vmnet_broker_session_open_tap_held_by(s, n, VMNET_BROKER_TAP_NAMED, 1, VMNET_BROKER_HOLDER_INTERFACE,
                                                       &fd, &info, &st),
                 -1);
    CHECK_EQ_INT(st, VMNET_BROKER_INVALID_REQUEST);
    CHECK_EQ_INT(fd, -1);
}

// Where /dev/vhost-net exists, its fds follow the TAP fds and answer
// VHOST_GET_FEATURES; elsewhere the broker refuses with UNSUPPORTED. Says
// which of the two ran.
static void test_vhost_net(vmnet_broker_session_t *s, const vmnet_broker_network_t *n) {
    vmnet_broker_return_t st;
    int fds[2] = {-1, -1};
    vmnet_broker_interface_info_t info;
    struct stat device;
    if (stat("/dev/vhost-net", &device) != 0) {
        CHECK_EQ_INT(vmnet_broker_session_open_tap_held_by(s, n, VMNET_BROKER_TAP_VHOST_NET, 1,
                                                           VMNET_BROKER_HOLDER_CONNECTION, fds, &info, &st),
                     -1);
        CHECK_EQ_INT(st, VMNET_BROKER_UNSUPPORTED);
        CHECK(strstr(vmnet_broker_last_error(), "/dev/vhost-net") != NULL);
        CHECK(fds[0] == -1 && fds[1] == -1);
        printf("test_live: vhost-net: this host has no /dev/vhost-net: checked UNSUPPORTED only; the "
               "VHOST_GET_FEATURES check runs where the device exists\n");
        return;
    }
    CHECK_EQ_INT(vmnet_broker_session_open_tap_held_by(s, n, VMNET_BROKER_TAP_VHOST_NET | VMNET_BROKER_TAP_VNET_HDR, 1,
                                                       VMNET_BROKER_HOLDER_CONNECTION, fds, &info, &st),
                 0);
    struct stat got;
    CHECK(fstat(fds[1], &got) == 0);
    CHECK(S_ISCHR(got.st_mode) && got.st_rdev == device.st_rdev);
    uint64_t features = 0;
    CHECK(ioctl(fds[1], VHOST_GET_FEATURES, &features) == 0);
    CHECK(features != 0);
    printf("test_live: vhost-net: fd is /dev/vhost-net, VHOST_GET_FEATURES 0x%llx\n", (unsigned long long)features);
    close(fds[0]);
    close(fds[1]);
}

// A child in a fresh network namespace (made and removed by this test) gets a
// veth end; it reports whether it sees the interface.
static void test_veth(vmnet_broker_session_t *s, const vmnet_broker_network_t *n) {
    int ready[2], go[2];
    CHECK(pipe2(ready, O_CLOEXEC) == 0 && pipe2(go, O_CLOEXEC) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        // In the new namespace, wait for "go", then let ip(8) look for the
        // interface (exec: valgrind follows only this process, not the check).
        char c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || dup2(go[0], 0) != 0) {
            _exit(3);
        }
        execlp("sh", "sh", "-c", "read _ && ip link show dev vbtest0 >/dev/null", (char *)NULL);
        _exit(4);
    }
    char c = 0;
    CHECK(read(ready[0], &c, 1) == 1);
    CHECK(c == 'y');
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
    int netns = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(netns >= 0);
    vmnet_broker_return_t st;
    vmnet_broker_interface_t info;
    int rc = vmnet_broker_session_open_veth(s, n, netns, "vbtest0", &info, &st);
    if (rc != 0) {
        fprintf(stderr, "open_veth: %s (%s)\n", vmnet_broker_strerror(st), vmnet_broker_last_error());
    }
    close(netns);
    CHECK(write(go[1], "g\n", 2) == 2);
    int wstatus = 0;
    CHECK(waitpid(child, &wstatus, 0) == child);
    close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(info.peer_ifname, "vbtest0");
    CHECK(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

static void test_global_api(void) {
    vmnet_broker_return_t st;
    vmnet_broker_hello_t hello;
    CHECK_EQ_INT(vmnet_broker_hello(&hello, &st), 0);
    vmnet_broker_network_t *n = vmnet_broker_acquire_network("shared", &st);
    CHECK(n != NULL);
    int fd = -1;
    CHECK_EQ_INT(vmnet_broker_open_tap(n, 0, 1, &fd, &st), 0);
    close(fd);
    vmnet_broker_interface_info_t info = {0};
    CHECK_EQ_INT(vmnet_broker_open_tap_held_by(n, 0, 1, VMNET_BROKER_HOLDER_CONNECTION, &fd, &info, &st), 0);
    CHECK(strncmp(info.name, "vmtap-", 6) == 0);
    CHECK_EQ_INT(info.holder, VMNET_BROKER_HOLDER_CONNECTION);
    CHECK_EQ_INT(strlen(info.guest_mac), 17);
    close(fd);
    vmnet_broker_network_free(n);
    vmnet_broker_close();
}

// Several threads share one session: the session mutex serializes them and
// every reply matches its request.
static void *acquire_many(void *arg) {
    vmnet_broker_session_t *s = arg;
    for (int i = 0; i < 25; i++) {
        vmnet_broker_return_t st;
        vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, i % 2 ? "shared" : "host", &st);
        if (n == NULL) {
            fprintf(stderr, "thread acquire: %s (%s)\n", vmnet_broker_strerror(st), vmnet_broker_last_error());
            return (void *)1;
        }
        vmnet_broker_network_free(n);
        vmnet_broker_status_free(vmnet_broker_session_get_status(s, &st));
        if (st != VMNET_BROKER_SUCCESS) {
            return (void *)1;
        }
    }
    return NULL;
}

static void test_threads_share_session(void) {
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(NULL, &st);
    CHECK(s != NULL);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        CHECK(pthread_create(&t[i], NULL, acquire_many, s) == 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret = (void *)1;
        CHECK(pthread_join(t[i], &ret) == 0);
        CHECK(ret == NULL);
    }
    vmnet_broker_session_close(s);
}

static void test_broker_gone(pid_t broker) {
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(NULL, &st);
    CHECK(s != NULL);
    vmnet_broker_network_free(vmnet_broker_session_acquire_network(s, "shared", &st));
    CHECK_EQ_INT(st, VMNET_BROKER_SUCCESS);
    vmnet_broker_network_free(vmnet_broker_acquire_network("host", &st)); // the default session too
    CHECK_EQ_INT(st, VMNET_BROKER_SUCCESS);
    CHECK(kill(broker, SIGKILL) == 0);
    // SIGKILL is delivered asynchronously (and reaches the sandboxed daemon
    // through its parent's death), so a few calls may still succeed; every
    // call must either succeed or report a transport failure, and the
    // failure must come (bounded wait), then stay.
    vmnet_broker_session_set_timeout_ms(s, 20000); // safety limit, not a measurement
    for (int i = 0; i < 200; i++) {
        vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
        vmnet_broker_network_free(n);
        if (st != VMNET_BROKER_SUCCESS) {
            break;
        }
        usleep(50000);
    }
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    CHECK(vmnet_broker_session_acquire_network(s, "shared", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    vmnet_broker_session_close(s);

    // The default session reports the loss and stays broken until closed.
    CHECK(vmnet_broker_acquire_network("host", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    CHECK(vmnet_broker_acquire_network("host", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    vmnet_broker_close();
    // A new connection to a dead broker fails (refused, or closed while the
    // sandbox is still being torn down), not a hang.
    CHECK(vmnet_broker_acquire_network("host", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_XPC_FAILURE);
    vmnet_broker_close();
}

int main(void) {
    int fds_before = open_fd_count();
    vmnet_broker_return_t st;
    vmnet_broker_session_t *s = vmnet_broker_connect(NULL, &st);
    if (s == NULL) {
        fprintf(stderr, "connect %s: %s\n", vmnet_broker_socket_path(), vmnet_broker_last_error());
        return 1;
    }
    vmnet_broker_hello_t hello;
    CHECK_EQ_INT(vmnet_broker_session_hello(s, &hello, &st), 0);
    CHECK_EQ_INT(hello.protocol_version, 1);
    CHECK_EQ_STR(hello.platform, "linux");

    vmnet_broker_network_t *n = vmnet_broker_session_acquire_network(s, "shared", &st);
    if (n == NULL) {
        fprintf(stderr, "acquire shared: %s (%s)\n", vmnet_broker_strerror(st), vmnet_broker_last_error());
        return 1;
    }
    CHECK_EQ_STR(vmnet_broker_network_name(n), "shared");
    CHECK_EQ_INT(vmnet_broker_network_mode(n), VMNET_BROKER_MODE_SHARED);
    CHECK(vmnet_broker_network_gateway(n)[0] != '\0');
    CHECK(vmnet_broker_network_bridge(n)[0] != '\0');
    CHECK(vmnet_broker_network_mtu(n) >= 576);
    printf("shared: subnet %s mask %s gateway %s bridge %s mtu %u\n", vmnet_broker_network_subnet(n),
           vmnet_broker_network_mask(n), vmnet_broker_network_gateway(n), vmnet_broker_network_bridge(n),
           vmnet_broker_network_mtu(n));
    CHECK_EQ_INT(references(s, "shared"), 1);

    CHECK(vmnet_broker_session_acquire_network(s, "no-such-network", &st) == NULL);
    CHECK_EQ_INT(st, VMNET_BROKER_NOT_FOUND);

    test_tap_answers_arp(s, n);
    test_named_tap(s, n);
    test_vhost_net(s, n);
    test_veth(s, n);
    test_global_api();
    test_threads_share_session();
    // The global session's lease ends with vmnet_broker_close(); the broker
    // sees the disconnect asynchronously, so poll (bounded).
    uint32_t refs = 0;
    for (int i = 0; i < 100 && (refs = references(s, "shared")) != 1; i++) {
        usleep(50000);
    }
    CHECK_EQ_INT(refs, 1);

    vmnet_broker_network_free(n);
    vmnet_broker_session_close(s);

    const char *pid = getenv("BROKER_PID");
    if (pid != NULL && pid[0] != '\0') {
        test_broker_gone((pid_t)atoi(pid));
    }
    CHECK_EQ_INT(open_fd_count(), fds_before);
    printf("test_live: ok%s\n", pid != NULL && pid[0] ? " (including broker gone)" : "");
    return 0;
}
