// SPDX-License-Identifier: Apache-2.0
// The session calls: each builds one Request, exchanges it, and turns the
// checked Reply into the public types.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "last_error.h"
#include "session.h"

static void copy_str(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

// One exchange under the session's mutex; a NULL session is a caller error.
static vmnet_broker_return_t locked_call(vmnet_broker_session_t *s, VmnetBroker__V1__Request *req, const int *fds,
                                         size_t nfds, VmnetBroker__V1__Reply__ResultCase expected,
                                         VmnetBroker__V1__Reply **out, vb_frame_t *frame_fds) {
    *out = NULL;
    if (frame_fds != NULL) {
        memset(frame_fds, 0, sizeof(*frame_fds));
    }
    if (s == NULL) {
        return vb_fail(VMNET_BROKER_INVALID_REQUEST, "session is NULL");
    }
    pthread_mutex_lock(&s->mu);
    vmnet_broker_return_t ret = vb_session_call(s, req, fds, nfds, expected, out, frame_fds);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

static unsigned feature_bits(const VmnetBroker__V1__HelloReply *h) {
    unsigned bits = 0;
    for (size_t i = 0; i < h->n_features; i++) {
        const char *f = h->features[i];
        if (strcmp(f, "status") == 0) {
            bits |= VMNET_BROKER_FEATURE_STATUS;
        } else if (strcmp(f, "tap") == 0) {
            bits |= VMNET_BROKER_FEATURE_TAP;
        } else if (strcmp(f, "veth") == 0) {
            bits |= VMNET_BROKER_FEATURE_VETH;
        }
    }
    return bits;
}

int vmnet_broker_session_hello(vmnet_broker_session_t *s, vmnet_broker_hello_t *out, vmnet_broker_return_t *status) {
    vb_clear_error();
    VmnetBroker__V1__HelloRequest hello = VMNET_BROKER__V1__HELLO_REQUEST__INIT;
    // The session fills in the version and client name.
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_HELLO;
    req.hello = &hello;
    VmnetBroker__V1__Reply *reply = NULL;
    vmnet_broker_return_t ret = locked_call(s, &req, NULL, 0, VMNET_BROKER__V1__REPLY__RESULT_HELLO, &reply, NULL);
    vb_set_status(status, ret);
    if (ret != VMNET_BROKER_SUCCESS) {
        return -1;
    }
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
        out->protocol_version = reply->hello->protocol_version;
        copy_str(out->broker_version, sizeof(out->broker_version), reply->hello->broker_version);
        copy_str(out->platform, sizeof(out->platform), reply->hello->platform);
        out->features = feature_bits(reply->hello);
    }
    vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    return 0;
}

vmnet_broker_network_t *vmnet_broker_session_acquire_network(vmnet_broker_session_t *s, const char *network_name,
                                                             vmnet_broker_return_t *status) {
    vb_clear_error();
    if (network_name == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INVALID_REQUEST, "acquire: network_name is NULL"));
        return NULL;
    }
    vmnet_broker_network_t *network = calloc(1, sizeof(*network));
    if (network == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INTERNAL_ERROR, "calloc(network) failed"));
        return NULL;
    }
    VmnetBroker__V1__AcquireRequest acquire = VMNET_BROKER__V1__ACQUIRE_REQUEST__INIT;
    acquire.network_name = (char *)network_name;
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_ACQUIRE;
    req.acquire = &acquire;
    vmnet_broker_return_t ret =
        locked_call(s, &req, NULL, 0, VMNET_BROKER__V1__REPLY__RESULT_NETWORK, &network->reply, NULL);
    vb_set_status(status, ret);
    if (ret != VMNET_BROKER_SUCCESS) {
        free(network);
        return NULL;
    }
    network->net = network->reply->network;
    return network;
}

// Copies a reply's Interface into info, checking the strings fit.
static vmnet_broker_return_t fill_interface(const VmnetBroker__V1__Interface *itf, unsigned fd_count,
                                            vmnet_broker_interface_info_t *info) {
    if (strlen(itf->name) >= VMNET_BROKER_IFNAME_SIZE || strlen(itf->peer_ifname) >= VMNET_BROKER_IFNAME_SIZE ||
        strlen(itf->mac) >= sizeof(info->mac) || strlen(itf->guest_mac) >= sizeof(info->guest_mac)) {
        return vb_fail(VMNET_BROKER_INVALID_REPLY, "interface reply: name \"%s\" or a mac too long", itf->name);
    }
    memset(info, 0, sizeof(*info));
    copy_str(info->name, sizeof(info->name), itf->name);
    copy_str(info->peer_ifname, sizeof(info->peer_ifname), itf->peer_ifname);
    copy_str(info->mac, sizeof(info->mac), itf->mac);
    copy_str(info->guest_mac, sizeof(info->guest_mac), itf->guest_mac);
    info->fd_count = fd_count;
    // Unset means the connection (a broker older than the holder option).
    info->holder = itf->holder == VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_INTERFACE
                       ? VMNET_BROKER_HOLDER_INTERFACE
                       : VMNET_BROKER_HOLDER_CONNECTION;
    return VMNET_BROKER_SUCCESS;
}

// The older description, for the calls that predate the holder.
static void to_interface(const vmnet_broker_interface_info_t *from, vmnet_broker_interface_t *to) {
    if (to == NULL) {
        return;
    }
    memset(to, 0, sizeof(*to));
    memcpy(to->name, from->name, sizeof(to->name));
    memcpy(to->peer_ifname, from->peer_ifname, sizeof(to->peer_ifname));
    memcpy(to->mac, from->mac, sizeof(to->mac));
    to->fd_count = from->fd_count;
}

static const char *holder_name(vmnet_broker_holder_t holder) {
    return holder == VMNET_BROKER_HOLDER_INTERFACE ? "interface" : "connection";
}

static VmnetBroker__V1__LeaseHolder wire_holder(vmnet_broker_holder_t holder) {
    return holder == VMNET_BROKER_HOLDER_INTERFACE ? VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_INTERFACE
                                                   : VMNET_BROKER__V1__LEASE_HOLDER__LEASE_HOLDER_CONNECTION;
}

static bool valid_holder(vmnet_broker_holder_t holder) {
    return holder == VMNET_BROKER_HOLDER_CONNECTION || holder == VMNET_BROKER_HOLDER_INTERFACE;
}

// want_fds TAP fds, then want_vhost /dev/vhost-net fds, land in fds.
static vmnet_broker_return_t open_interface(vmnet_broker_session_t *s, VmnetBroker__V1__OpenInterfaceRequest *open,
                                            const int *send_fds, size_t send_nfds, VmnetBroker__V1__InterfaceKind kind,
                                            vmnet_broker_holder_t holder, unsigned want_fds, unsigned want_vhost,
                                            int *fds, vmnet_broker_interface_info_t *info) {
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_OPEN_INTERFACE;
    req.open_interface = open;
    VmnetBroker__V1__Reply *reply = NULL;
    vb_frame_t frame;
    vmnet_broker_return_t ret =
        locked_call(s, &req, send_fds, send_nfds, VMNET_BROKER__V1__REPLY__RESULT_INTERFACE, &reply, &frame);
    if (ret != VMNET_BROKER_SUCCESS) {
        return ret;
    }
    const VmnetBroker__V1__Interface *itf = reply->interface;
    if (itf->kind != kind) {
        ret = vb_fail(VMNET_BROKER_INVALID_REPLY, "interface reply: kind %d, expected %d", (int)itf->kind, (int)kind);
    } else if ((want_fds == 0 && itf->fd_count != 0 && kind == VMNET_BROKER__V1__INTERFACE_KIND__INTERFACE_KIND_TAP) ||
               (want_vhost != 0 && itf->vhost_fd_count == 0)) {
        // A broker older than TapOptions.named / vhost_net ignores them.
        ret =
            vb_fail(VMNET_BROKER_UNSUPPORTED, "the broker ignored the named or vhost_net TAP option (it predates it)");
    } else if (itf->fd_count != want_fds || itf->vhost_fd_count != want_vhost || frame.nfds != want_fds + want_vhost) {
        ret = vb_fail(VMNET_BROKER_INVALID_REPLY,
                      "interface reply: fd_count %u, vhost_fd_count %u and %zu received descriptors, expected %u + %u",
                      itf->fd_count, itf->vhost_fd_count, frame.nfds, want_fds, want_vhost);
    } else {
        ret = fill_interface(itf, want_fds, info);
    }
    if (ret == VMNET_BROKER_SUCCESS && info->holder != holder) {
        // A broker older than the option makes every interface connection-held,
        // which a caller asking for the interface as holder cannot use.
        ret = vb_fail(VMNET_BROKER_UNSUPPORTED, "asked for holder=%s, but the broker answered holder=%s",
                      holder_name(holder), holder_name(info->holder));
    }
    if (ret == VMNET_BROKER_SUCCESS) {
        for (unsigned i = 0; i < want_fds + want_vhost; i++) {
            fds[i] = frame.fds[i];
            frame.fds[i] = -1; // taken by the caller
        }
    }
    vb_frame_release(&frame);
    vmnet_broker__v1__reply__free_unpacked(reply, NULL);
    return ret;
}

int vmnet_broker_session_open_tap_held_by(vmnet_broker_session_t *s, const vmnet_broker_network_t *network,
                                          unsigned flags, unsigned queues, vmnet_broker_holder_t holder, int *fds,
                                          vmnet_broker_interface_info_t *info, vmnet_broker_return_t *status) {
    vb_clear_error();
    unsigned n = queues == 0 ? 1 : queues;
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    vmnet_broker_interface_info_t local;
    const unsigned known = VMNET_BROKER_TAP_VNET_HDR | VMNET_BROKER_TAP_NAMED | VMNET_BROKER_TAP_VHOST_NET;
    const bool named = (flags & VMNET_BROKER_TAP_NAMED) != 0;
    const unsigned want_fds = named ? 0 : n;
    const unsigned want_vhost = (flags & VMNET_BROKER_TAP_VHOST_NET) != 0 ? n : 0;
    if (network == NULL || (fds == NULL && want_fds + want_vhost > 0)) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_tap: network and fds must not be NULL");
    } else if (n > VMNET_BROKER_MAX_QUEUES) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_tap: %u queues, at most %u", n, VMNET_BROKER_MAX_QUEUES);
    } else if (flags & ~known) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_tap: unknown flags 0x%x", flags & ~known);
    } else if (!valid_holder(holder)) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_tap: unknown holder %d", (int)holder);
    } else {
        VmnetBroker__V1__TapOptions tap = VMNET_BROKER__V1__TAP_OPTIONS__INIT;
        tap.vnet_header = (flags & VMNET_BROKER_TAP_VNET_HDR) != 0;
        tap.queues = n;
        tap.holder = wire_holder(holder);
        tap.named = named;
        tap.vhost_net = want_vhost > 0;
        VmnetBroker__V1__OpenInterfaceRequest open = VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__INIT;
        open.network_name = network->net->name;
        open.kind_case = VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__KIND_TAP;
        open.tap = &tap;
        ret = open_interface(s, &open, NULL, 0, VMNET_BROKER__V1__INTERFACE_KIND__INTERFACE_KIND_TAP, holder, want_fds,
                             want_vhost, fds, info != NULL ? info : &local);
    }
    vb_set_status(status, ret);
    return ret == VMNET_BROKER_SUCCESS ? 0 : -1;
}

int vmnet_broker_session_open_tap(vmnet_broker_session_t *s, const vmnet_broker_network_t *network, unsigned flags,
                                  unsigned queues, int *fds, vmnet_broker_interface_t *info,
                                  vmnet_broker_return_t *status) {
    vmnet_broker_interface_info_t full;
    int rc = vmnet_broker_session_open_tap_held_by(s, network, flags, queues, VMNET_BROKER_HOLDER_CONNECTION, fds,
                                                   &full, status);
    if (rc == 0) {
        to_interface(&full, info);
    }
    return rc;
}

int vmnet_broker_session_open_veth_held_by(vmnet_broker_session_t *s, const vmnet_broker_network_t *network,
                                           int netns_fd, const char *ifname, vmnet_broker_holder_t holder,
                                           vmnet_broker_interface_info_t *info, vmnet_broker_return_t *status) {
    vb_clear_error();
    vmnet_broker_return_t ret = VMNET_BROKER_SUCCESS;
    vmnet_broker_interface_info_t local;
    if (network == NULL || netns_fd < 0) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_veth: network must not be NULL and netns_fd must be open");
    } else if (ifname != NULL && strlen(ifname) >= VMNET_BROKER_IFNAME_SIZE) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_veth: ifname \"%s\" longer than %d bytes", ifname,
                      VMNET_BROKER_IFNAME_SIZE - 1);
    } else if (!valid_holder(holder)) {
        ret = vb_fail(VMNET_BROKER_INVALID_REQUEST, "open_veth: unknown holder %d", (int)holder);
    } else {
        VmnetBroker__V1__VethOptions veth = VMNET_BROKER__V1__VETH_OPTIONS__INIT;
        veth.ifname = (char *)(ifname != NULL ? ifname : "");
        veth.holder = wire_holder(holder);
        VmnetBroker__V1__OpenInterfaceRequest open = VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__INIT;
        open.network_name = network->net->name;
        open.kind_case = VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__KIND_VETH;
        open.veth = &veth;
        ret = open_interface(s, &open, &netns_fd, 1, VMNET_BROKER__V1__INTERFACE_KIND__INTERFACE_KIND_VETH, holder, 0,
                             0, NULL, info != NULL ? info : &local);
    }
    vb_set_status(status, ret);
    return ret == VMNET_BROKER_SUCCESS ? 0 : -1;
}

int vmnet_broker_session_open_veth(vmnet_broker_session_t *s, const vmnet_broker_network_t *network, int netns_fd,
                                   const char *ifname, vmnet_broker_interface_t *info, vmnet_broker_return_t *status) {
    vmnet_broker_interface_info_t full;
    int rc = vmnet_broker_session_open_veth_held_by(s, network, netns_fd, ifname, VMNET_BROKER_HOLDER_CONNECTION, &full,
                                                    status);
    if (rc == 0) {
        to_interface(&full, info);
    }
    return rc;
}

vmnet_broker_status_t *vmnet_broker_session_get_status(vmnet_broker_session_t *s, vmnet_broker_return_t *status) {
    vb_clear_error();
    vmnet_broker_status_t *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        vb_set_status(status, vb_fail(VMNET_BROKER_INTERNAL_ERROR, "calloc(status) failed"));
        return NULL;
    }
    VmnetBroker__V1__StatusRequest body = VMNET_BROKER__V1__STATUS_REQUEST__INIT;
    VmnetBroker__V1__Request req = VMNET_BROKER__V1__REQUEST__INIT;
    req.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_STATUS;
    req.status = &body;
    vmnet_broker_return_t ret = locked_call(s, &req, NULL, 0, VMNET_BROKER__V1__REPLY__RESULT_STATUS, &st->reply, NULL);
    vb_set_status(status, ret);
    if (ret != VMNET_BROKER_SUCCESS) {
        free(st);
        return NULL;
    }
    st->st = st->reply->status;
    return st;
}
