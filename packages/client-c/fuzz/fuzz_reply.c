// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the reply decoder and the framing reader.
// Input: byte 0 picks the expected result and id, byte 1 the piece size for
// feeding the framing reader; the rest is both one raw reply payload and a
// stream of frames.
#include <stddef.h>
#include <stdint.h>

#include "frame_reader.h"
#include "reply_check.h"

static void check_reply(const uint8_t *data, size_t len, uint8_t selector) {
    static const VmnetBroker__V1__Reply__ResultCase cases[] = {
        VMNET_BROKER__V1__REPLY__RESULT_HELLO, VMNET_BROKER__V1__REPLY__RESULT_NETWORK,
        VMNET_BROKER__V1__REPLY__RESULT_STATUS, VMNET_BROKER__V1__REPLY__RESULT_INTERFACE};
    VmnetBroker__V1__Reply *reply = NULL;
    vmnet_broker_return_t ret = vb_reply_check(data, len, selector >> 2, cases[selector & 3], &reply);
    if ((ret == VMNET_BROKER_SUCCESS) != (reply != NULL)) {
        __builtin_trap();
    }
    if (reply != NULL) {
        vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) {
        return 0;
    }
    uint8_t selector = data[0];
    size_t piece = (size_t)data[1] + 1;
    data += 2;
    size -= 2;
    check_reply(data, size, selector);

    vb_frame_reader_t r;
    vb_frame_reader_init(&r, 1024);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        if (vb_frame_reader_feed(&r, data + off, n, NULL, 0) != 0) {
            break;
        }
        vb_frame_t f;
        vb_frame_status_t st;
        while ((st = vb_frame_reader_next(&r, &f)) == VB_FRAME_READY) {
            if (f.len > 1024) {
                __builtin_trap();
            }
            check_reply(f.payload, f.len, selector);
            vb_frame_release(&f);
        }
        if (st == VB_FRAME_TOO_BIG) {
            break;
        }
    }
    vb_frame_reader_destroy(&r);
    return 0;
}
