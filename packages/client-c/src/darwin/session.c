// SPDX-License-Identifier: Apache-2.0
// macOS sessions: connect, close, one request and its reply over XPC, and the
// connection's event handler, which queues the events the broker pushes.
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "last_error.h"
#include "reply_check.h"

// ---- the event queue (shared with the connection's handler) ----

// The pipe holds one byte while an event or the end waits, none otherwise.
static void queue_signal(vb_event_queue_t *q) {
    const char byte = 1;
    ssize_t n;
    do {
        n = write(q->pipe_w, &byte, 1);
    } while (n < 0 && errno == EINTR);
}

static void queue_unsignal(vb_event_queue_t *q) {
    char byte;
    ssize_t n;
    do {
        n = read(q->pipe_r, &byte, 1);
    } while (n < 0 && errno == EINTR);
}

// Caller holds q->mu. The first end is the one reported.
static void queue_end(vb_event_queue_t *q, vmnet_broker_return_t code, const char *message) {
    if (q->ended) {
        return;
    }
    q->ended = true;
    q->end_code = code;
    snprintf(q->end_message, sizeof(q->end_message), "%s", message);
    if (q->head == NULL) {
        queue_signal(q);
    }
}

static void queue_free(void *context) {
    vb_event_queue_t *q = context;
    for (vb_event_entry_t *e = q->head; e != NULL;) {
        vb_event_entry_t *next = e->next;
        vmnet_broker__v1__reply__free_unpacked(e->reply, NULL);
        free(e);
        e = next;
    }
    close(q->pipe_r);
    close(q->pipe_w);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

void vb_events_expect(vb_event_queue_t *q, uint32_t stream_id) {
    pthread_mutex_lock(&q->mu);
    q->stream_id = stream_id;
    pthread_mutex_unlock(&q->mu);
}

int vb_events_take(vb_event_queue_t *q, VmnetBroker__V1__Reply **reply, vmnet_broker_return_t *code) {
    int result = 0;
    pthread_mutex_lock(&q->mu);
    if (q->head != NULL) {
        vb_event_entry_t *e = q->head;
        q->head = e->next;
        if (q->head == NULL) {
            q->tail = NULL;
            if (!q->ended) {
                queue_unsignal(q);
            }
        }
        q->unread_bytes -= e->bytes;
        *reply = e->reply;
        free(e);
        result = 1;
    } else if (q->ended) {
        *code = vb_fail(q->end_code, "%s", q->end_message);
        result = -1;
    }
    pthread_mutex_unlock(&q->mu);
    return result;
}

void vb_events_fail(vb_event_queue_t *q, xpc_connection_t connection, vmnet_broker_return_t code) {
    pthread_mutex_lock(&q->mu);
    queue_end(q, code, vmnet_broker_last_error());
    pthread_mutex_unlock(&q->mu);
    xpc_connection_cancel(connection);
}

vmnet_broker_return_t vb_events_ended(vb_event_queue_t *q) {
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    pthread_mutex_lock(&q->mu);
    if (q->ended) {
        // A call on a session whose connection ended fails as a broken one.
        ret = vb_fail(VMNET_BROKER_XPC_FAILURE, "%s", q->end_message);
    }
    pthread_mutex_unlock(&q->mu);
    return ret;
}

// A pushed {reply: <data: Reply>} with the subscription's id and an Event.
static vmnet_broker_return_t decode_pushed(xpc_object_t message, uint32_t stream_id, VmnetBroker__V1__Reply **out,
                                           size_t *len) {
    static const uint8_t empty[1];
    if (xpc_get_type(message) != XPC_TYPE_DICTIONARY) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "event: the broker pushed a message that is not a dictionary");
    }
    xpc_object_t data = xpc_dictionary_get_value(message, VB_XPC_KEY_REPLY);
    if (data == NULL || xpc_get_type(data) != XPC_TYPE_DATA) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "event: the broker pushed a message without reply data");
    }
    *len = xpc_data_get_length(data);
    const uint8_t *bytes = xpc_data_get_bytes_ptr(data);
    // An error reply with the subscription's id ends the stream with its code.
    return vb_reply_check(bytes != NULL ? bytes : empty, *len, stream_id, VMNET_BROKER__V1__REPLY__RESULT_EVENT, out);
}

// The connection's event handler, on libxpc's queue: queues each event the
// broker pushes, or the end of the stream (the connection's end, a message
// that is not an event, or a reader that left too much unread).
static void handle_incoming(vb_event_queue_t *q, xpc_connection_t connection, xpc_object_t message) {
    vb_clear_error();
    pthread_mutex_lock(&q->mu);
    if (xpc_get_type(message) == XPC_TYPE_ERROR) {
        queue_end(q, VMNET_BROKER_XPC_FAILURE,
                  message == XPC_ERROR_CONNECTION_INTERRUPTED
                      ? "the broker went away (XPC connection interrupted)"
                      : "the connection to the broker is closed (XPC connection invalid)");
        pthread_mutex_unlock(&q->mu);
        return;
    }
    if (q->ended || q->stream_id == 0) {
        pthread_mutex_unlock(&q->mu); // nothing was asked that pushes messages
        return;
    }
    VmnetBroker__V1__Reply *reply = NULL;
    size_t len = 0;
    vmnet_broker_return_t ret = decode_pushed(message, q->stream_id, &reply, &len);
    if (ret == VMNET_BROKER_SUCCESS && q->unread_bytes + len > VMNET_BROKER_MAX_UNREAD_EVENT_BYTES) {
        ret = vb_fail(VMNET_BROKER_XPC_FAILURE,
                      "events: more than %u bytes of events unread; the stream was closed (a reader too slow)",
                      VMNET_BROKER_MAX_UNREAD_EVENT_BYTES);
    }
    vb_event_entry_t *entry = NULL;
    if (ret == VMNET_BROKER_SUCCESS) {
        entry = calloc(1, sizeof(*entry));
        if (entry == NULL) {
            ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "events: calloc failed");
        }
    }
    if (ret != VMNET_BROKER_SUCCESS) {
        if (reply != NULL) {
            vmnet_broker__v1__reply__free_unpacked(reply, NULL);
        }
        pthread_mutex_unlock(&q->mu);
        // A stream that failed once cannot be trusted: end it, as on Linux.
        vb_events_fail(q, connection, ret);
        return;
    }
    entry->reply = reply;
    entry->bytes = len;
    if (q->tail != NULL) {
        q->tail->next = entry;
    } else {
        q->head = entry;
        queue_signal(q);
    }
    q->tail = entry;
    q->unread_bytes += len;
    pthread_mutex_unlock(&q->mu);
}

// ---- sessions ----

static bool set_fd_flags(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

vmnet_broker_session_t *vmnet_broker_connect(const char *service_name, vmnet_broker_return_t *status) {
    vb_clear_error();
    const char *name = service_name != NULL ? service_name : MACH_SERVICE_NAME;
    vmnet_broker_session_t *s = calloc(1, sizeof(*s));
    vb_event_queue_t *q = calloc(1, sizeof(*q));
    int fds[2] = {-1, -1};
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    if (s == NULL || q == NULL) {
        ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "calloc(session) failed");
    } else if (pipe(fds) != 0) {
        ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "pipe failed: %s", strerror(errno));
    } else if (!set_fd_flags(fds[0]) || !set_fd_flags(fds[1])) {
        ret = vb_fail(VMNET_BROKER_INTERNAL_ERROR, "fcntl(pipe) failed: %s", strerror(errno));
    }
    if (ret != VMNET_BROKER_SUCCESS) {
        if (fds[0] >= 0) {
            close(fds[0]);
            close(fds[1]);
        }
        free(q);
        free(s);
        vb_set_status(status, ret);
        return NULL;
    }
    pthread_mutex_init(&q->mu, NULL);
    q->pipe_r = fds[0];
    q->pipe_w = fds[1];
    pthread_mutex_init(&s->mu, NULL);
    s->next_id = 1;
    s->events = q;
    xpc_connection_t connection = xpc_connection_create_mach_service(name, NULL, 0);
    s->connection = connection;
    // The queue lives as long as the connection: the finalizer runs after the
    // handler's last call, whenever the session closes.
    xpc_connection_set_context(connection, q);
    xpc_connection_set_finalizer_f(connection, queue_free);
    xpc_connection_set_event_handler(connection, ^(xpc_object_t message) {
      handle_incoming(q, connection, message);
    });
    xpc_connection_resume(connection);
    vb_set_status(status, VMNET_BROKER_SUCCESS);
    return s;
}

void vmnet_broker_session_close(vmnet_broker_session_t *s) {
    if (s == NULL) {
        return;
    }
    xpc_connection_cancel(s->connection);
    xpc_release(s->connection); // the finalizer frees the event queue
    pthread_mutex_destroy(&s->mu);
    free(s);
}

// Ids start at 1 and skip 0, which the broker uses for undecodable requests.
static uint32_t take_id(vmnet_broker_session_t *s) {
    uint32_t id = s->next_id++;
    if (s->next_id == 0) {
        s->next_id = 1;
    }
    return id;
}

static vmnet_broker_return_t parse_reply(xpc_object_t reply, uint32_t id, VmnetBroker__V1__Reply__ResultCase expected,
                                         VmnetBroker__V1__Reply **out) {
    static const uint8_t empty[1];
    if (xpc_get_type(reply) == XPC_TYPE_ERROR) {
        return vb_fail(VMNET_BROKER_XPC_FAILURE,
                       reply == XPC_ERROR_CONNECTION_INTERRUPTED
                           ? "the broker went away (XPC connection interrupted)"
                           : "no connection to the broker (XPC connection invalid: is it installed and running?)");
    }
    if (xpc_get_type(reply) != XPC_TYPE_DICTIONARY) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "reply %u: not an XPC dictionary", id);
    }
    xpc_object_t data = xpc_dictionary_get_value(reply, VB_XPC_KEY_REPLY);
    if (data != NULL && xpc_get_type(data) == XPC_TYPE_DATA) {
        const uint8_t *bytes = xpc_data_get_bytes_ptr(data);
        return vb_reply_check(bytes != NULL ? bytes : empty, xpc_data_get_length(data), id, expected, out);
    }
    xpc_object_t err = xpc_dictionary_get_value(reply, REPLY_ERROR);
    if (data == NULL && err != NULL && xpc_get_type(err) == XPC_TYPE_INT64) {
        int64_t code = xpc_int64_get_value(err);
        if (code <= VMNET_BROKER_SUCCESS) {
            return vb_fail(VMNET_BROKER_INVALID_REPLY, "reply %u: error with code %lld", id, (long long)code);
        }
        vmnet_broker_return_t ret =
            code > VMNET_BROKER_UNSUPPORTED ? VMNET_BROKER_INTERNAL_ERROR : (vmnet_broker_return_t)code;
        return vb_fail(ret, "broker: %s (error %lld)", vmnet_broker_strerror(ret), (long long)code);
    }
    return vb_fail(VMNET_BROKER_INVALID_REPLY, "reply %u: neither reply data nor an error code", id);
}

vmnet_broker_return_t vb_xpc_call(vmnet_broker_session_t *s, VmnetBroker__V1__Request *req,
                                  VmnetBroker__V1__Reply__ResultCase expected, VmnetBroker__V1__Reply **out) {
    *out = NULL;
    if (s->subscribe_id != 0) {
        return vb_fail(VMNET_BROKER_INVALID_REQUEST, "the session is an event stream since it subscribed");
    }
    vmnet_broker_return_t ret = vb_events_ended(s->events);
    if (ret != VMNET_BROKER_SUCCESS) {
        return ret;
    }
    req->id = take_id(s);
    size_t len = vmnet_broker__v1__request__get_packed_size(req);
    if (len > VB_XPC_MAX_REQUEST_DATA) {
        return vb_fail(VMNET_BROKER_INVALID_REQUEST, "request: %zu bytes, more than the %u-byte limit", len,
                       VB_XPC_MAX_REQUEST_DATA);
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        return vb_fail(VMNET_BROKER_INTERNAL_ERROR, "malloc(%zu) failed", len);
    }
    vmnet_broker__v1__request__pack(req, buf);
    xpc_object_t data = xpc_data_create(buf, len);
    free(buf);
    xpc_object_t message = xpc_dictionary_create(NULL, NULL, 0);
    xpc_dictionary_set_string(message, REQUEST_COMMAND, VB_XPC_COMMAND_REQUEST);
    xpc_dictionary_set_value(message, VB_XPC_KEY_REQUEST, data);
    xpc_release(data);
    if (req->command_case == VMNET_BROKER__V1__REQUEST__COMMAND_SUBSCRIBE) {
        // Events may reach the handler before this thread sees the reply.
        vb_events_expect(s->events, req->id);
    }
    xpc_object_t reply = xpc_connection_send_message_with_reply_sync(s->connection, message);
    xpc_release(message);
    ret = parse_reply(reply, req->id, expected, out);
    xpc_release(reply);
    if (ret != VMNET_BROKER_SUCCESS && req->command_case == VMNET_BROKER__V1__REQUEST__COMMAND_SUBSCRIBE) {
        vb_events_expect(s->events, 0);
    }
    return ret;
}
