// SPDX-License-Identifier: Apache-2.0
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "json.h"

const char *vectors_dir(void) {
    const char *env = getenv("VECTORS_DIR");
    return env != NULL && env[0] != '\0' ? env : "../../protocol/vectors";
}

int load_vectors(vector_t **out) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/manifest.json", vectors_dir());
    size_t len = 0;
    uint8_t *text = read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    json_value_t *manifest = json_parse((const char *)text, len);
    free(text);
    if (manifest == NULL || manifest->type != JSON_ARRAY) {
        fprintf(stderr, "%s: not a JSON array\n", path);
        json_free(manifest);
        return -1;
    }
    vector_t *v = calloc(manifest->count ? manifest->count : 1, sizeof(*v));
    int count = 0;
    for (size_t i = 0; i < manifest->count; i++) {
        const json_value_t *e = manifest->items[i];
        const char *name = json_get_string(e, "name", NULL);
        const char *type = json_get_string(e, "type", NULL);
        const char *file = json_get_string(e, "file", NULL);
        if (name == NULL || type == NULL || file == NULL) {
            fprintf(stderr, "%s: entry %zu lacks name, type or file\n", path, i);
            free_vectors(v, count);
            json_free(manifest);
            return -1;
        }
        snprintf(v[count].name, sizeof(v[count].name), "%s", name);
        snprintf(v[count].type, sizeof(v[count].type), "%s", type);
        snprintf(path, sizeof(path), "%s/%s", vectors_dir(), file);
        v[count].bytes = read_file(path, &v[count].len);
        if (v[count].bytes == NULL) {
            fprintf(stderr, "cannot read %s\n", path);
            free_vectors(v, count);
            json_free(manifest);
            return -1;
        }
        count++;
    }
    json_free(manifest);
    *out = v;
    return count;
}

void free_vectors(vector_t *v, int count) {
    for (int i = 0; i < count; i++) {
        free(v[i].bytes);
    }
    free(v);
}
