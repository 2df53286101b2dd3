// SPDX-License-Identifier: Apache-2.0
// Acquire the "shared" network, open a TAP on it, print the fd and the
// network; with --exec, run QEMU on that TAP:
//
//   tap-qemu                      # print, then hold the lease until Enter
//   tap-qemu --exec disk.qcow2    # run qemu-system-x86_64 with -netdev tap,fd=N
//
// The lease is this process's connection to the broker, which the library
// opens close-on-exec. So QEMU runs as a child that inherits only the TAP fd,
// and this process holds the lease until QEMU exits.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmnet-broker.h"

int main(int argc, char **argv) {
    vmnet_broker_return_t status;
    vmnet_broker_network_t *net = vmnet_broker_acquire_network("shared", &status);
    if (net == NULL) {
        fprintf(stderr, "acquire shared: %s (%s)\n", vmnet_broker_strerror(status), vmnet_broker_last_error());
        return 1;
    }
    int fd;
    if (vmnet_broker_open_tap(net, 0, 1, &fd, &status) != 0) {
        fprintf(stderr, "open tap: %s (%s)\n", vmnet_broker_strerror(status), vmnet_broker_last_error());
        return 1;
    }
    printf("network %s: subnet %s/%s gateway %s bridge %s mtu %u\n", vmnet_broker_network_name(net),
           vmnet_broker_network_subnet(net), vmnet_broker_network_mask(net), vmnet_broker_network_gateway(net),
           vmnet_broker_network_bridge(net), vmnet_broker_network_mtu(net));
    printf("tap fd %d\n", fd);
    fflush(stdout);

    if (argc >= 3 && strcmp(argv[1], "--exec") == 0) {
        pid_t qemu = fork();
        if (qemu == 0) {
            // QEMU must inherit the TAP fd: the library opens it close-on-exec.
            fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) & ~FD_CLOEXEC);
            char netdev[64], drive[4096];
            snprintf(netdev, sizeof(netdev), "tap,id=n0,fd=%d", fd);
            snprintf(drive, sizeof(drive), "file=%s,if=virtio", argv[2]);
            execlp("qemu-system-x86_64", "qemu-system-x86_64", "-m", "1024", "-nographic", "-drive", drive, "-netdev",
                   netdev, "-device", "virtio-net-pci,netdev=n0", (char *)NULL);
            perror("exec qemu-system-x86_64");
            _exit(127);
        }
        int wstatus = 0;
        if (qemu < 0 || waitpid(qemu, &wstatus, 0) < 0) {
            perror("fork/waitpid");
            return 1;
        }
        return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1; // exiting releases the network
    }
    printf("holding the network; press Enter to release it\n");
    getchar();
    close(fd);
    vmnet_broker_network_free(net);
    vmnet_broker_close(); // releases the network (so would exiting)
    return 0;
}
