// SPDX-License-Identifier: Apache-2.0
#include "args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_fd(const char *text, int *out) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value > INT_MAX) {
        return -1;
    }
    *out = (int)value;
    return 0;
}

int helper_parse_args(int argc, char **argv, helper_args_t *out, char *error, size_t size) {
    *out = (helper_args_t){.use_vnet = false, .bridge = NULL, .fd = -1, .help = false};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--use-vnet") == 0) {
            out->use_vnet = true;
        } else if (strncmp(arg, "--br=", 5) == 0) {
            out->bridge = arg + 5;
        } else if (strncmp(arg, "--fd=", 5) == 0) {
            if (parse_fd(arg + 5, &out->fd) != 0) {
                snprintf(error, size, "--fd needs a file descriptor number, not '%s'", arg + 5);
                return -1;
            }
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            out->help = true;
            return 0;
        } else {
            snprintf(error, size, "unknown argument '%s'", arg);
            return -1;
        }
    }
    if (out->bridge == NULL || out->bridge[0] == '\0') {
        snprintf(error, size, "--br=NETWORK is required");
        return -1;
    }
    if (out->fd < 0) {
        snprintf(error, size, "--fd=FD is required");
        return -1;
    }
    return 0;
}
