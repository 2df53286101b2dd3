// SPDX-License-Identifier: Apache-2.0
// Reply decoding and checking: ids, expected results, broker error codes.
#include <string.h>

#include "check.h"
#include "common/reply_check.h"

typedef struct {
    uint8_t buf[512];
    size_t len;
} packed_t;

static packed_t pack(const VmnetBroker__V1__Reply *r) {
    packed_t p;
    p.len = vmnet_broker__v1__reply__get_packed_size(r);
    CHECK(p.len <= sizeof(p.buf));
    vmnet_broker__v1__reply__pack(r, p.buf);
    return p;
}

static packed_t network_reply(uint32_t id) {
    VmnetBroker__V1__Network net = VMNET_BROKER__V1__NETWORK__INIT;
    net.name = (char *)"shared";
    net.gateway = (char *)"192.168.105.1";
    net.mtu = 1500;
    VmnetBroker__V1__Reply r = VMNET_BROKER__V1__REPLY__INIT;
    r.id = id;
    r.result_case = VMNET_BROKER__V1__REPLY__RESULT_NETWORK;
    r.network = &net;
    return pack(&r);
}

static packed_t error_reply(uint32_t id, int code, const char *message) {
    VmnetBroker__V1__Error e = VMNET_BROKER__V1__ERROR__INIT;
    e.code = (VmnetBroker__V1__ErrorCode)code;
    e.message = (char *)message;
    VmnetBroker__V1__Reply r = VMNET_BROKER__V1__REPLY__INIT;
    r.id = id;
    r.result_case = VMNET_BROKER__V1__REPLY__RESULT_ERROR;
    r.error = &e;
    return pack(&r);
}

static vmnet_broker_return_t check(packed_t p, uint32_t id, VmnetBroker__V1__Reply__ResultCase want) {
    VmnetBroker__V1__Reply *out = NULL;
    vmnet_broker_return_t ret = vb_reply_check(p.buf, p.len, id, want, &out);
    CHECK((ret == VMNET_BROKER_SUCCESS) == (out != NULL));
    if (out != NULL) {
        vmnet_broker__v1__reply__free_unpacked(out, NULL);
    }
    return ret;
}

int main(void) {
    const VmnetBroker__V1__Reply__ResultCase NET = VMNET_BROKER__V1__REPLY__RESULT_NETWORK;

    VmnetBroker__V1__Reply *out = NULL;
    packed_t ok = network_reply(7);
    CHECK_EQ_INT(vb_reply_check(ok.buf, ok.len, 7, NET, &out), VMNET_BROKER_SUCCESS);
    CHECK_EQ_STR(out->network->name, "shared");
    CHECK_EQ_INT(out->network->mtu, 1500);
    vmnet_broker__v1__reply__free_unpacked(out, NULL);

    CHECK_EQ_INT(check(ok, 8, NET), VMNET_BROKER_INVALID_REPLY);                                   // wrong id
    CHECK_EQ_INT(check(ok, 7, VMNET_BROKER__V1__REPLY__RESULT_HELLO), VMNET_BROKER_INVALID_REPLY); // wrong result

    CHECK_EQ_INT(check(error_reply(7, 5, "no network \"x\""), 7, NET), VMNET_BROKER_NOT_FOUND);
    CHECK(strstr(vmnet_broker_last_error(), "no network") != NULL);
    CHECK_EQ_INT(check(error_reply(0, 4, "bad frame"), 7, NET), VMNET_BROKER_INVALID_REQUEST); // id 0: undecodable
    CHECK_EQ_INT(check(error_reply(6, 5, ""), 7, NET), VMNET_BROKER_INVALID_REPLY);            // error for another id
    CHECK_EQ_INT(check(error_reply(7, 0, ""), 7, NET), VMNET_BROKER_INVALID_REPLY);            // "error" SUCCESS
    CHECK_EQ_INT(check(error_reply(7, 42, ""), 7, NET), VMNET_BROKER_INTERNAL_ERROR);          // unknown code
    CHECK_EQ_INT(check(error_reply(7, 9, ""), 7, NET), VMNET_BROKER_UNSUPPORTED);

    // Empty reply (no result) and undecodable bytes.
    packed_t empty = {.len = 0};
    CHECK_EQ_INT(check(empty, 0, NET), VMNET_BROKER_INVALID_REPLY);
    packed_t junk = {.buf = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}, .len = 6};
    CHECK_EQ_INT(check(junk, 0, NET), VMNET_BROKER_INVALID_REPLY);

    CHECK_EQ_STR(vmnet_broker_strerror(VMNET_BROKER_SUCCESS), "Broker session started");
    CHECK_EQ_STR(vmnet_broker_strerror(VMNET_BROKER_XPC_FAILURE), "Failed to reach the broker");
    CHECK_EQ_STR(vmnet_broker_strerror(VMNET_BROKER_NOT_FOUND), "Network name not found");
    CHECK_EQ_STR(vmnet_broker_strerror((vmnet_broker_return_t)10), "(unknown status)");
    printf("test_reply_check: ok\n");
    return 0;
}
