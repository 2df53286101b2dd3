// SPDX-License-Identifier: Apache-2.0
// Connect, close, and the one-request-one-reply exchange with id checking.
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "last_error.h"
#include "reply_check.h"
#include "wire.h"

const char *vmnet_broker_socket_path(void) {
    const char *env = getenv(VMNET_BROKER_SOCKET_ENV);
    return (env != NULL && env[0] != '\0') ? env : VMNET_BROKER_DEFAULT_SOCKET;
}

vmnet_broker_session_t *vmnet_broker_connect(const char *socket_path, vmnet_broker_return_t *status) {
    vb_clear_error();
    const char *path = socket_path != NULL ? socket_path : vmnet_broker_socket_path();
    vmnet_broker_return_t code = VMNET_BROKER_SUCCESS;
    vmnet_broker_session_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INTERNAL_ERROR, "calloc(session) failed"));
        return NULL;
    }
    s->fd = vb_wire_connect(path, &code);
    if (s->fd < 0) {
        free(s);
        vb_set_status(status, code);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->fd_mu, NULL);
    s->next_id = 1;
    snprintf(s->client_name, sizeof(s->client_name), "%s", "client-c");
    snprintf(s->client_version, sizeof(s->client_version), "%s", VB_CLIENT_VERSION);
    vb_frame_reader_init(&s->reader, VB_MAX_REPLY_PAYLOAD);
    vb_set_status(status, VMNET_BROKER_SUCCESS);
    return s;
}

void vb_session_break(vmnet_broker_session_t *s) {
    pthread_mutex_lock(&s->fd_mu);
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    pthread_mutex_unlock(&s->fd_mu);
}

// Not under s->mu, which a waiting call holds: shutdown() wakes that call with
// EOF, and it then breaks the session itself.
void vmnet_broker_session_shutdown(vmnet_broker_session_t *s) {
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->fd_mu);
    if (s->fd >= 0) {
        shutdown(s->fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&s->fd_mu);
}

void vmnet_broker_session_close(vmnet_broker_session_t *s) {
    if (s == NULL) {
        return;
    }
    vb_session_break(s);
    vb_frame_reader_destroy(&s->reader);
    pthread_mutex_destroy(&s->fd_mu);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void vmnet_broker_session_set_client(vmnet_broker_session_t *s, const char *name, const char *version) {
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    snprintf(s->client_name, sizeof(s->client_name), "%s", name != NULL ? name : "");
    snprintf(s->client_version, sizeof(s->client_version), "%s", version != NULL ? version : "");
    pthread_mutex_unlock(&s->mu);
}

void vmnet_broker_session_set_timeout_ms(vmnet_broker_session_t *s, unsigned timeout_ms) {
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->timeout_ms = timeout_ms;
    pthread_mutex_unlock(&s->mu);
}

bool vb_session_broken(vmnet_broker_session_t *s) {
    pthread_mutex_lock(&s->mu);
    bool broken = s->fd < 0;
    pthread_mutex_unlock(&s->mu);
    return broken;
}

// Ids start at 1 and skip 0, which the broker uses for undecodable requests.
static uint32_t take_id(vmnet_broker_session_t *s) {
    uint32_t id = s->next_id++;
    if (s->next_id == 0) {
        s->next_id = 1;
    }
    return id;
}

static vmnet_broker_return_t send_request(vmnet_broker_session_t *s, const VmnetBroker__V1__Request *req,
                                          const int *fds, size_t nfds) {
    size_t len = vmnet_broker__v1__request__get_packed_size(req);
    if (len > VB_MAX_REQUEST_PAYLOAD) {
        return vb_fail(VMNET_BROKER_INVALID_REQUEST, "request: %zu bytes, more than the %u-byte limit", len,
                       VB_MAX_REQUEST_PAYLOAD);
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        return vb_fail(VMNET_BROKER_INTERNAL_ERROR, "malloc(%zu) failed", len);
    }
    vmnet_broker__v1__request__pack(req, buf);
    vmnet_broker_return_t ret = vb_wire_send_frame(s->fd, buf, len, fds, nfds);
    free(buf);
    if (ret == VMNET_BROKER_XPC_FAILURE) {
        vb_session_break(s);
    }
    return ret;
}

static vmnet_broker_return_t recv_reply(vmnet_broker_session_t *s, uint32_t id,
                                        VmnetBroker__V1__Reply__ResultCase expected, VmnetBroker__V1__Reply **out,
                                        vb_frame_t *frame_fds) {
    vb_frame_t frame;
    vmnet_broker_return_t ret = vb_wire_recv_frame(s->fd, &s->reader, s->timeout_ms, &frame);
    if (ret != VMNET_BROKER_SUCCESS) {
        // A broken stream, an oversized frame or lost descriptors: no resync.
        vb_session_break(s);
        return ret;
    }
    ret = vb_reply_check(frame.payload, frame.len, id, expected, out);
    if (ret == VMNET_BROKER_SUCCESS && frame_fds != NULL) {
        *frame_fds = frame;
    } else {
        if (ret == VMNET_BROKER_SUCCESS && frame.nfds > 0) {
            vmnet_broker__v1__reply__free_unpacked(*out, NULL);
            *out = NULL;
            ret = vb_fail(VMNET_BROKER_INVALID_REPLY, "reply %u: carries %zu unexpected descriptors", id, frame.nfds);
        }
        vb_frame_release(&frame);
    }
    return ret;
}

static void fill_hello(vmnet_broker_session_t *s, VmnetBroker__V1__HelloRequest *hello) {
    hello->protocol_version = 1;
    hello->client_name = s->client_name;
    hello->client_version = s->client_version;
}

// The hello that names this client in the broker's status goes out with the
// session's first request, in the same burst, so it costs no round trip.
// Sets *id to the hello's id, or 0 when it went out before.
static vmnet_broker_return_t send_greeting(vmnet_broker_session_t *s, uint32_t *id) {
    *id = 0;
    if (s->greeted) {
        return VMNET_BROKER_SUCCESS;
    }
    s->greeted = true;
    VmnetBroker__V1__HelloRequest hello = VMNET_BROKER__V1__HELLO_REQUEST__INIT;
    fill_hello(s, &hello);
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_HELLO;
    req.hello = &hello;
    req.id = take_id(s);
    *id = req.id;
    return send_request(s, &req, NULL, 0);
}

// Reads the greeting's reply, which comes before the call's own. Only a broken
// stream fails the call: a refused hello or a wrong id leaves the stream in
// step, and the call's own reply says the rest.
static vmnet_broker_return_t recv_greeting(vmnet_broker_session_t *s, uint32_t id) {
    if (id == 0) {
        return VMNET_BROKER_SUCCESS;
    }
    VmnetBroker__V1__Reply *reply = NULL;
    vmnet_broker_return_t ret = recv_reply(s, id, VMNET_BROKER__V1__REPLY__RESULT_HELLO, &reply, NULL);
    if (reply != NULL) {
        vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    }
    if (s->fd >= 0) {
        vb_clear_error();
        return VMNET_BROKER_SUCCESS;
    }
    return ret;
}

vmnet_broker_return_t vb_session_call(vmnet_broker_session_t *s, VmnetBroker__V1__Request *req, const int *fds,
                                      size_t nfds, VmnetBroker__V1__Reply__ResultCase expected,
                                      VmnetBroker__V1__Reply **out, vb_frame_t *frame_fds) {
    *out = NULL;
    if (frame_fds != NULL) {
        memset(frame_fds, 0, sizeof(*frame_fds));
    }
    if (s->fd < 0) {
        return vb_fail(VMNET_BROKER_XPC_FAILURE, "the connection to the broker is closed");
    }
    if (s->subscribe_id != 0) {
        // The broker would answer INVALID_REQUEST among the events.
        return vb_fail(VMNET_BROKER_INVALID_REQUEST, "the session is an event stream since it subscribed");
    }
    uint32_t hello_id = 0;
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    if (req->command_case == VMNET_BROKER__V1__REQUEST__COMMAND_HELLO) {
        fill_hello(s, req->hello);
        s->greeted = true; // an explicit hello is the greeting
    } else {
        ret = send_greeting(s, &hello_id);
    }
    if (ret != VMNET_BROKER_SUCCESS) {
        return ret;
    }
    req->id = take_id(s);
    ret = send_request(s, req, fds, nfds);
    if (ret == VMNET_BROKER_SUCCESS) {
        ret = recv_greeting(s, hello_id);
    }
    if (ret != VMNET_BROKER_SUCCESS) {
        return ret;
    }
    return recv_reply(s, req->id, expected, out, frame_fds);
}

vmnet_broker_return_t vb_session_pipeline_acquire(vmnet_broker_session_t *s, const char *name, unsigned count) {
    vb_clear_error();
    VmnetBroker__V1__AcquireRequest acquire = VMNET_BROKER__V1__ACQUIRE_REQUEST__INIT;
    acquire.network_name = (char *)name;
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_ACQUIRE;
    req.acquire = &acquire;
    pthread_mutex_lock(&s->mu);
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    uint32_t hello_id = 0;
    if (s->fd < 0) {
        ret = vb_fail(VMNET_BROKER_XPC_FAILURE, "the connection to the broker is closed");
    } else {
        ret = send_greeting(s, &hello_id);
    }
    uint32_t first = s->next_id;
    unsigned sent = 0;
    while (ret == VMNET_BROKER_SUCCESS && sent < count) {
        req.id = take_id(s);
        ret = send_request(s, &req, NULL, 0);
        if (ret == VMNET_BROKER_SUCCESS) {
            sent++;
        }
    }
    // Read every reply that was asked for, even after a failure, so the
    // stream stays in step; report the first failure.
    vmnet_broker_return_t first_failure = ret;
    if (sent > 0) {
        first_failure = recv_greeting(s, hello_id);
    }
    uint32_t id = first;
    for (unsigned i = 0; i < sent && s->fd >= 0; i++) {
        if (id == 0) {
            id = 1;
        }
        VmnetBroker__V1__Reply *reply = NULL;
        vmnet_broker_return_t r = recv_reply(s, id++, VMNET_BROKER__V1__REPLY__RESULT_NETWORK, &reply, NULL);
        if (reply != NULL) {
            vmnet_broker__v1__reply__free_unpacked(reply, NULL);
        }
        if (first_failure == VMNET_BROKER_SUCCESS && r != VMNET_BROKER_SUCCESS) {
            first_failure = r;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return first_failure;
}
