// SPDX-License-Identifier: Apache-2.0
// Reads a whole file for tests.
#ifndef VB_TEST_FILES_H
#define VB_TEST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// Returns a malloc'd buffer (NUL terminated, not counted in *len), or NULL.
static inline uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            uint8_t *bigger = realloc(buf, cap + 1);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

#endif
