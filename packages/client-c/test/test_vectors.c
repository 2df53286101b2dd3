// SPDX-License-Identifier: Apache-2.0
// Golden vectors: every protocol/vectors entry decodes with protobuf-c and
// re-encodes byte for byte; the listed known failures fail as declared.
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "files.h"
#include "messages.h"
#include "vectors.h"

static bool known_failing(const char *name) {
    size_t len = 0;
    char *list = (char *)read_file("test/known-failing-vectors.txt", &len);
    CHECK(list != NULL);
    bool found = false;
    for (char *line = strtok(list, "\n"); line != NULL && !found; line = strtok(NULL, "\n")) {
        found = line[0] != '#' && strcmp(line, name) == 0;
    }
    free(list);
    return found;
}

// Returns true when v decodes and re-encodes to the same bytes.
static bool round_trips(const vector_t *v, const char **why) {
    const ProtobufCMessageDescriptor *d = message_by_name(v->type);
    if (d == NULL) {
        *why = "unknown message type";
        return false;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, v->len, v->bytes);
    if (m == NULL) {
        *why = "protobuf_c_message_unpack failed";
        return false;
    }
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *out = malloc(n ? n : 1);
    CHECK(protobuf_c_message_pack(m, out) == n);
    bool same = n == v->len && memcmp(out, v->bytes, n) == 0;
    *why = same ? "" : "re-encoded bytes differ";
    free(out);
    protobuf_c_message_free_unpacked(m, NULL);
    return same;
}

int main(void) {
    vector_t *vectors = NULL;
    int count = load_vectors(&vectors);
    CHECK(count > 0);
    int passed = 0, xfailed = 0, failed = 0;
    bool type_seen[ALL_MESSAGES_COUNT] = {false};
    for (int i = 0; i < count; i++) {
        const char *why = "";
        bool ok = round_trips(&vectors[i], &why);
        bool xfail = known_failing(vectors[i].name);
        for (size_t t = 0; t < ALL_MESSAGES_COUNT; t++) {
            type_seen[t] |= strcmp(all_messages[t]->name, vectors[i].type) == 0;
        }
        if (ok && !xfail) {
            passed++;
        } else if (!ok && xfail) {
            xfailed++;
            printf("xfail %s: %s\n", vectors[i].name, why);
        } else if (ok && xfail) {
            failed++;
            printf("FAIL %s: passes but is listed in test/known-failing-vectors.txt\n", vectors[i].name);
        } else {
            failed++;
            printf("FAIL %s (%s): %s\n", vectors[i].name, vectors[i].type, why);
        }
    }
    for (size_t t = 0; t < ALL_MESSAGES_COUNT; t++) {
        if (!type_seen[t]) {
            printf("FAIL: no vector for %s\n", all_messages[t]->name);
            failed++;
        }
    }
    free_vectors(vectors, count);
    printf("test_vectors: %d passed, %d xfail, %d failed (of %d)\n", passed, xfailed, failed, count);
    return failed == 0 ? 0 : 1;
}
