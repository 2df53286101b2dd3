// SPDX-License-Identifier: Apache-2.0
#include "messages.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmnet_broker/v1/broker.pb-c.h"

size_t encode_acquire(uint32_t id, const char *network, uint8_t *out) {
  VmnetBroker__V1__AcquireRequest acquire = VMNET_BROKER__V1__ACQUIRE_REQUEST__INIT;
  acquire.network_name = (char *)network;
  VmnetBroker__V1__Request request = VMNET_BROKER__V1__REQUEST__INIT;
  request.id = id;
  request.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_ACQUIRE;
  request.acquire = &acquire;
  return vmnet_broker__v1__request__pack(&request, out);
}

size_t encode_open_veth(uint32_t id, const char *network, const char *ifname, uint8_t *out) {
  VmnetBroker__V1__VethOptions veth = VMNET_BROKER__V1__VETH_OPTIONS__INIT;
  veth.ifname = (char *)ifname;
  VmnetBroker__V1__OpenInterfaceRequest open = VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__INIT;
  open.network_name = (char *)network;
  open.kind_case = VMNET_BROKER__V1__OPEN_INTERFACE_REQUEST__KIND_VETH;
  open.veth = &veth;
  VmnetBroker__V1__Request request = VMNET_BROKER__V1__REQUEST__INIT;
  request.id = id;
  request.command_case = VMNET_BROKER__V1__REQUEST__COMMAND_OPEN_INTERFACE;
  request.open_interface = &open;
  return vmnet_broker__v1__request__pack(&request, out);
}

int check_reply(const uint8_t *payload, size_t len, uint32_t id, int want, char *why, size_t why_len) {
  VmnetBroker__V1__Reply *reply = vmnet_broker__v1__reply__unpack(NULL, len, payload);
  if (reply == NULL) {
    snprintf(why, why_len, "reply of %zu bytes does not decode as vmnet_broker.v1.Reply", len);
    return -1;
  }
  int rc = 0;
  if (reply->id != id) {
    snprintf(why, why_len, "reply id %u, expected %u", reply->id, id);
    rc = -1;
  } else if (reply->result_case == VMNET_BROKER__V1__REPLY__RESULT_ERROR) {
    snprintf(why, why_len, "broker error %d: %s", (int)reply->error->code,
             reply->error->message ? reply->error->message : "");
    rc = -1;
  } else if ((int)reply->result_case != want) {
    snprintf(why, why_len, "reply result case %d, expected %d", (int)reply->result_case, want);
    rc = -1;
  }
  vmnet_broker__v1__reply__free_unpacked(reply, NULL);
  return rc;
}

int connect_unix(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int saved = errno;
    close(sock);
    errno = saved;
    return -1;
  }
  return sock;
}
