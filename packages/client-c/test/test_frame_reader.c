// SPDX-License-Identifier: Apache-2.0
// The framing reader: frames split at every byte, zero-length frames, the
// oversize rule, and which frame received descriptors belong to.
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "linux/frame_reader.h"

static size_t put_frame(uint8_t *dst, const char *payload) {
    size_t n = strlen(payload);
    vb_frame_put_header(dst, (uint32_t)n);
    memcpy(dst + 4, payload, n);
    return 4 + n;
}

static bool fd_is_open(int fd) {
    return fcntl(fd, F_GETFD) >= 0;
}

static int open_null(void) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    return fd;
}

// Three frames (one empty) arrive split at every possible pair of points.
static void test_every_split(void) {
    uint8_t stream[64];
    size_t n = put_frame(stream, "hello");
    n += put_frame(stream + n, "");
    n += put_frame(stream + n, "world!");
    for (size_t a = 0; a <= n; a++) {
        for (size_t b = a; b <= n; b++) {
            vb_frame_reader_t r;
            vb_frame_reader_init(&r, 100);
            const char *want[] = {"hello", "", "world!"};
            size_t got = 0;
            size_t cuts[] = {0, a, b, n};
            for (int c = 0; c < 3; c++) {
                CHECK(vb_frame_reader_feed(&r, stream + cuts[c], cuts[c + 1] - cuts[c], NULL, 0) == 0);
                vb_frame_t f;
                while (vb_frame_reader_next(&r, &f) == VB_FRAME_READY) {
                    CHECK(got < 3);
                    CHECK_EQ_INT(f.len, strlen(want[got]));
                    CHECK(memcmp(f.payload, want[got], f.len) == 0);
                    CHECK_EQ_INT(f.nfds, 0);
                    got++;
                }
            }
            CHECK_EQ_INT(got, 3);
            vb_frame_reader_destroy(&r);
        }
    }
}

static void test_too_big(void) {
    vb_frame_reader_t r;
    vb_frame_reader_init(&r, 16);
    uint8_t hdr[4];
    vb_frame_put_header(hdr, 17);
    CHECK(vb_frame_reader_feed(&r, hdr, 4, NULL, 0) == 0);
    vb_frame_t f;
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_TOO_BIG);
    vb_frame_reader_destroy(&r);

    // Exactly the limit is fine.
    vb_frame_reader_init(&r, 16);
    uint8_t frame[20] = {0};
    vb_frame_put_header(frame, 16);
    CHECK(vb_frame_reader_feed(&r, frame, sizeof(frame), NULL, 0) == 0);
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_READY);
    CHECK_EQ_INT(f.len, 16);
    vb_frame_reader_destroy(&r);
}

// One recvmsg holding the end of frame A and all of frame B, with fds: they
// belong to B, the last frame that starts in those bytes.
static void test_fds_go_to_last_frame_started(void) {
    uint8_t stream[64];
    size_t a = put_frame(stream, "AAAA");
    size_t n = a + put_frame(stream + a, "BB");
    vb_frame_reader_t r;
    vb_frame_reader_init(&r, 100);
    int fd = open_null();
    CHECK(vb_frame_reader_feed(&r, stream, 3, NULL, 0) == 0);
    CHECK(vb_frame_reader_feed(&r, stream + 3, n - 3, &fd, 1) == 0);
    vb_frame_t f;
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_READY);
    CHECK_EQ_INT(f.nfds, 0);
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_READY);
    CHECK_EQ_INT(f.len, 2);
    CHECK_EQ_INT(f.nfds, 1);
    CHECK_EQ_INT(f.fds[0], fd);
    vb_frame_release(&f);
    CHECK(!fd_is_open(fd));
    vb_frame_reader_destroy(&r);
}

// Fds that arrive with a frame's first bytes stay with it while the rest of
// the frame comes in later reads.
static void test_fds_on_first_byte(void) {
    uint8_t stream[64];
    size_t n = put_frame(stream, "payload-bytes");
    vb_frame_reader_t r;
    vb_frame_reader_init(&r, 100);
    int fds[2] = {open_null(), open_null()};
    CHECK(vb_frame_reader_feed(&r, stream, 1, fds, 2) == 0);
    vb_frame_t f;
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_NEED_MORE);
    CHECK(vb_frame_reader_feed(&r, stream + 1, n - 1, NULL, 0) == 0);
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_READY);
    CHECK_EQ_INT(f.nfds, 2);
    int kept = f.fds[0];
    f.fds[0] = -1; // the caller takes the first
    vb_frame_release(&f);
    CHECK(fd_is_open(kept));
    CHECK(!fd_is_open(fds[1]));
    close(kept);
    vb_frame_reader_destroy(&r);
}

// Fds in the middle of a frame's body (no frame starts there) are closed, and
// pending fds are closed by destroy.
static void test_orphan_and_pending_fds_closed(void) {
    uint8_t stream[64];
    size_t n = put_frame(stream, "0123456789");
    vb_frame_reader_t r;
    vb_frame_reader_init(&r, 100);
    int orphan = open_null();
    CHECK(vb_frame_reader_feed(&r, stream, 6, NULL, 0) == 0);
    CHECK(vb_frame_reader_feed(&r, stream + 6, n - 6, &orphan, 1) == 0);
    vb_frame_t f;
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_READY);
    CHECK_EQ_INT(f.nfds, 0);
    CHECK(!fd_is_open(orphan));

    int pending = open_null();
    CHECK(vb_frame_reader_feed(&r, stream, 2, &pending, 1) == 0);
    CHECK_EQ_INT(vb_frame_reader_next(&r, &f), VB_FRAME_NEED_MORE);
    vb_frame_reader_destroy(&r);
    CHECK(!fd_is_open(pending));
}

int main(void) {
    test_every_split();
    test_too_big();
    test_fds_go_to_last_frame_started();
    test_fds_on_first_byte();
    test_orphan_and_pending_fds_closed();
    printf("test_frame_reader: ok\n");
    return 0;
}
