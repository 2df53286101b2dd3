// SPDX-License-Identifier: Apache-2.0
/*
 * The floor for the broker's warm acquire: the least a server must do for the
 * same framed exchange. One thread and one epoll loop (like the broker's Node
 * event loop); for every request frame it decodes the Request, then encodes the
 * Reply that the broker sent for the same acquire (read once from --reply, as
 * captured by `acquire-load --save-reply`) with the request's id. Same request
 * and reply sizes as the broker, no registry, no peers, no logging.
 *
 *   echo-floor --socket P --reply FILE
 *
 * Prints "ready" on stdout once listening; runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fail.h"
#include "frame.h"
#include "vmnet_broker/v1/broker.pb-c.h"

#define REQUEST_FRAME_MAX (65536u + 4u)

static volatile sig_atomic_t stopping;
static void on_stop(int sig) {
  (void)sig;
  stopping = 1;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) die("fopen %s failed: %s", path, strerror(errno));
  static uint8_t data[65536];
  *len = fread(data, 1, sizeof data, f);
  if (ferror(f)) die("reading %s failed", path);
  if (*len == sizeof data) die("%s: a captured reply must be under %zu bytes", path, sizeof data);
  fclose(f);
  return data;
}

static int listen_unix(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) die("socket path too long: %s", path);
  strcpy(addr.sun_path, path);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) die_errno("socket(AF_UNIX)");
  unlink(path);
  if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind %s failed: %s", path, strerror(errno));
  if (listen(sock, 4096) < 0) die_errno("listen");
  return sock;
}

/* Answers every whole request in the reader's buffer; -1 means drop the peer. */
static int answer(struct frame_reader *r, VmnetBroker__V1__Reply *canned, uint8_t *out) {
  const uint8_t *payload;
  uint32_t len;
  int got;
  while ((got = frame_take_buffered(r, &payload, &len)) == 1) {
    VmnetBroker__V1__Request *request = vmnet_broker__v1__request__unpack(NULL, len, payload);
    canned->id = request != NULL ? request->id : 0;
    if (request != NULL) vmnet_broker__v1__request__free_unpacked(request, NULL);
    size_t n = vmnet_broker__v1__reply__pack(canned, out);
    if (frame_send(r->sock, out, (uint32_t)n, -1) < 0) return -1;
  }
  return got < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  const char *socket_path = NULL, *reply_path = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--socket") == 0)
      socket_path = argv[i + 1];
    else if (strcmp(argv[i], "--reply") == 0)
      reply_path = argv[i + 1];
    else
      die("unknown flag %s", argv[i]);
  }
  if (socket_path == NULL || reply_path == NULL) die("usage: echo-floor --socket P --reply FILE");

  size_t reply_len;
  uint8_t *reply_bytes = read_file(reply_path, &reply_len);
  VmnetBroker__V1__Reply *canned = vmnet_broker__v1__reply__unpack(NULL, reply_len, reply_bytes);
  if (canned == NULL) die("%s does not decode as vmnet_broker.v1.Reply", reply_path);
  uint8_t *out = malloc(reply_len + 16);
  if (out == NULL) die("malloc failed");

  struct sigaction sa = {.sa_handler = on_stop};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int listener = listen_unix(socket_path);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die_errno("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) die_errno("epoll_ctl(listener)");
  printf("ready\n");
  fflush(stdout);

  struct epoll_event events[256];
  while (!stopping) {
    int n = epoll_wait(ep, events, 256, 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      struct frame_reader *r = events[i].data.ptr;
      if (r == NULL) {
        int peer = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (peer < 0) continue;
        r = malloc(sizeof *r);
        if (r == NULL || frame_reader_init(r, peer, REQUEST_FRAME_MAX) < 0) die("malloc failed");
        struct epoll_event pev = {.events = EPOLLIN, .data.ptr = r};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, peer, &pev) < 0) die_errno("epoll_ctl(peer)");
        continue;
      }
      /* One recv per readiness; level-triggered epoll brings us back for more. */
      long got = frame_fill(r);
      if (got <= 0 || answer(r, canned, out) < 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, r->sock, NULL);
        close(r->sock);
        frame_reader_free(r);
        free(r);
      }
    }
  }
  unlink(socket_path);
  return 0;
}
