// SPDX-License-Identifier: Apache-2.0
// Loads protocol/vectors/manifest.json and its files.
#ifndef VB_TEST_VECTORS_H
#define VB_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char name[128];
    char type[128];
    uint8_t *bytes;
    size_t len;
} vector_t;

// The vectors directory: $VECTORS_DIR, else ../../protocol/vectors (relative
// to packages/client-c, where make runs).
const char *vectors_dir(void);

// Loads every vector; returns the count, or -1 (with a message on stderr)
// when the manifest or a file cannot be read.
int load_vectors(vector_t **out);
void free_vectors(vector_t *v, int count);

#endif
