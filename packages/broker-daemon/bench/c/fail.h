// SPDX-License-Identifier: Apache-2.0
/* Fatal errors for the benchmark programs: name what failed, then exit 1. */
#ifndef BENCH_FAIL_H
#define BENCH_FAIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define die(...)                  \
  do {                            \
    fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr);          \
    exit(1);                      \
  } while (0)

/* For a failed syscall: "<what> failed: <strerror(errno)>". */
#define die_errno(what) die("%s failed: %s", (what), strerror(errno))

#endif
