// SPDX-License-Identifier: Apache-2.0
// The bridge helper's command line, as QEMU and libvirt write it.
#include <string.h>

#include "args.h"
#include "check.h"

static int parse(helper_args_t *out, char *error, int argc, char **argv) {
    return helper_parse_args(argc, argv, out, error, 128);
}

int main(void) {
    helper_args_t a;
    char error[128];

    // QEMU: --use-vnet --fd=N --br=NAME.
    char *qemu[] = {"helper", "--use-vnet", "--fd=7", "--br=shared"};
    CHECK_EQ_INT(parse(&a, error, 4, qemu), 0);
    CHECK(a.use_vnet);
    CHECK_EQ_INT(a.fd, 7);
    CHECK_EQ_STR(a.bridge, "shared");
    CHECK(!a.help);

    // libvirt: --use-vnet --br=NAME --fd=N; without --use-vnet no vnet header.
    char *libvirt[] = {"helper", "--br=host", "--fd=23"};
    CHECK_EQ_INT(parse(&a, error, 3, libvirt), 0);
    CHECK(!a.use_vnet);
    CHECK_EQ_INT(a.fd, 23);
    CHECK_EQ_STR(a.bridge, "host");

    char *no_fd[] = {"helper", "--br=shared"};
    CHECK_EQ_INT(parse(&a, error, 2, no_fd), -1);
    CHECK(strstr(error, "--fd") != NULL);
    char *no_br[] = {"helper", "--fd=3", "--br="};
    CHECK_EQ_INT(parse(&a, error, 3, no_br), -1);
    CHECK(strstr(error, "--br") != NULL);
    char *bad_fd[] = {"helper", "--br=shared", "--fd=3x"};
    CHECK_EQ_INT(parse(&a, error, 3, bad_fd), -1);
    CHECK(strstr(error, "3x") != NULL);
    char *negative_fd[] = {"helper", "--br=shared", "--fd=-1"};
    CHECK_EQ_INT(parse(&a, error, 3, negative_fd), -1);
    char *unknown[] = {"helper", "--br=shared", "--fd=3", "--acl"};
    CHECK_EQ_INT(parse(&a, error, 4, unknown), -1);
    CHECK(strstr(error, "--acl") != NULL);

    char *help[] = {"helper", "--help"};
    CHECK_EQ_INT(parse(&a, error, 2, help), 0);
    CHECK(a.help);
    printf("test_helper_args: ok\n");
    return 0;
}
