// SPDX-License-Identifier: Apache-2.0
// Garbage in, error or valid message out, never a crash (run it under ASan):
// at least 10,000 generated inputs (truncated and mutated vectors, random
// bytes, wrong wire types, oversized lengths) go through the protobuf-c
// decoder of every message, the reply checker, and the framing reader with
// random splits and real descriptors attached; no descriptor may leak.
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "linux/frame_reader.h"
#include "common/reply_check.h"
#include "messages.h"
#include "vectors.h"

#define MIN_INPUTS 10000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull; // fixed seed: reproducible runs

static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t inputs, decoded_ok, frames_seen;

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

// A valid decode must re-encode and decode again.
static void decode_everything(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < ALL_MESSAGES_COUNT; i++) {
        ProtobufCMessage *m = protobuf_c_message_unpack(all_messages[i], NULL, len, data);
        if (m == NULL) {
            continue;
        }
        decoded_ok++;
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *out = malloc(n ? n : 1);
        CHECK(protobuf_c_message_pack(m, out) == n);
        ProtobufCMessage *again = protobuf_c_message_unpack(all_messages[i], NULL, n, out);
        CHECK(again != NULL);
        protobuf_c_message_free_unpacked(again, NULL);
        free(out);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    static const VmnetBroker__V1__Reply__ResultCase cases[] = {
        VMNET_BROKER__V1__REPLY__RESULT_HELLO, VMNET_BROKER__V1__REPLY__RESULT_NETWORK,
        VMNET_BROKER__V1__REPLY__RESULT_STATUS, VMNET_BROKER__V1__REPLY__RESULT_INTERFACE};
    VmnetBroker__V1__Reply *reply = NULL;
    vmnet_broker_return_t ret = vb_reply_check(data, len, (uint32_t)(rnd() % 3), cases[rnd() % 4], &reply);
    CHECK((ret == VMNET_BROKER_SUCCESS) == (reply != NULL));
    CHECK(ret <= VMNET_BROKER_UNSUPPORTED);
    if (reply != NULL) {
        vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    }
}

// Frames `data` (with a true or a random header), feeds it to a reader in
// random pieces, some with descriptors, and drains every frame.
static void through_framing(const uint8_t *data, size_t len) {
    size_t total = len + 4;
    uint8_t *stream = malloc(total * 2);
    uint32_t header = (rnd() % 8 == 0) ? (uint32_t)rnd() : (uint32_t)len;
    vb_frame_put_header(stream, header);
    memcpy(stream + 4, data, len);
    memcpy(stream + total, stream, total); // two frames back to back
    vb_frame_reader_t r;
    vb_frame_reader_init(&r, (rnd() % 2) ? VB_MAX_REPLY_PAYLOAD : 64);
    size_t off = 0;
    bool stop = false;
    while (off < total * 2 && !stop) {
        size_t piece = 1 + rnd() % (total * 2 - off);
        int fds[2] = {-1, -1};
        size_t nfds = rnd() % 4 == 0 ? 1 + rnd() % 2 : 0;
        for (size_t i = 0; i < nfds; i++) {
            fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
            CHECK(fds[i] >= 0);
        }
        CHECK(vb_frame_reader_feed(&r, stream + off, piece, fds, nfds) == 0);
        off += piece;
        vb_frame_t f;
        vb_frame_status_t st;
        while ((st = vb_frame_reader_next(&r, &f)) == VB_FRAME_READY) {
            frames_seen++;
            CHECK(f.len <= r.max_payload);
            VmnetBroker__V1__Reply *reply = vmnet_broker__v1__reply__unpack(NULL, f.len, f.payload);
            if (reply != NULL) {
                vmnet_broker__v1__reply__free_unpacked(reply, NULL);
            }
            vb_frame_release(&f);
        }
        stop = st == VB_FRAME_TOO_BIG;
    }
    vb_frame_reader_destroy(&r);
    free(stream);
}

static void one_input(const uint8_t *data, size_t len) {
    inputs++;
    decode_everything(data, len);
    through_framing(data, len);
}

static size_t put_varint(uint8_t *p, uint64_t v) {
    size_t n = 0;
    do {
        p[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) {
            p[n] |= 0x80;
        }
        n++;
    } while (v);
    return n;
}

int main(void) {
    int fds_before = open_fd_count();
    vector_t *vectors = NULL;
    int count = load_vectors(&vectors);
    CHECK(count > 0);
    uint8_t buf[1024];

    // Every truncation of every vector, and random mutations of each.
    for (int i = 0; i < count; i++) {
        const vector_t *v = &vectors[i];
        size_t step = v->len / 200 + 1; // large vectors: 200 evenly spaced cuts
        for (size_t cut = 0; cut < v->len; cut += step) {
            one_input(v->bytes, cut);
        }
        for (int m = 0; m < 50 && v->len > 0 && v->len < sizeof(buf) - 8; m++) {
            memcpy(buf, v->bytes, v->len);
            size_t len = v->len;
            for (int k = 0; k < 1 + (int)(rnd() % 3); k++) {
                switch (rnd() % 3) {
                case 0: // flip bits in one byte
                    buf[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
                    break;
                case 1: // overwrite with a varint continuation byte
                    buf[rnd() % len] = 0xff;
                    break;
                default: // append junk
                    buf[len++] = (uint8_t)rnd();
                }
            }
            one_input(buf, len);
        }
    }
    // Random bytes.
    for (int i = 0; i < 4000; i++) {
        size_t len = rnd() % 200;
        for (size_t k = 0; k < len; k++) {
            buf[k] = (uint8_t)rnd();
        }
        one_input(buf, len);
    }
    // Every field number with every wire type (0-7, 6 and 7 invalid), then bytes.
    for (uint32_t field = 1; field <= 16; field++) {
        for (uint32_t wt = 0; wt < 8; wt++) {
            for (int rep = 0; rep < 6; rep++) {
                size_t len = put_varint(buf, (uint64_t)field << 3 | wt);
                size_t tail = rnd() % 12;
                for (size_t k = 0; k < tail; k++) {
                    buf[len++] = (uint8_t)rnd();
                }
                one_input(buf, len);
            }
        }
    }
    // Length-delimited fields claiming far more bytes than there are.
    static const uint64_t lengths[] = {11, 127, 128, 65536, 0x7fffffffu, 0xffffffffu, 0xffffffffffffffffull};
    for (uint32_t field = 1; field <= 12; field++) {
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            size_t len = put_varint(buf, (uint64_t)field << 3 | 2);
            len += put_varint(buf + len, lengths[l]);
            memset(buf + len, 'x', 10);
            one_input(buf, len + 10);
            // The same inside a valid outer message (Reply.network).
            uint8_t outer[64];
            size_t o = put_varint(outer, 4 << 3 | 2);
            o += put_varint(outer + o, len + 10);
            memcpy(outer + o, buf, len + 10);
            one_input(outer, o + len + 10);
        }
    }
    free_vectors(vectors, count);
    printf("test_garbage: %zu inputs, %zu valid decodes, %zu frames, no crash\n", inputs, decoded_ok, frames_seen);
    CHECK(inputs >= MIN_INPUTS);
    CHECK_EQ_INT(open_fd_count(), fds_before);
    return 0;
}
