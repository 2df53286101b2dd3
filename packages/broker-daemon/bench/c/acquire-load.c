// SPDX-License-Identifier: Apache-2.0
/*
 * The load client for both sides of each ratio: the broker and the echo floor.
 * Each client thread owns one connection and sends acquire requests one at a
 * time (send, wait for the reply, check it), recording every round trip.
 *
 *   acquire-load --socket P [--network shared] [--clients 1] [--requests 20000]
 *                [--warmup 500] [--save-reply FILE] [--label NAME]
 *
 * --requests is per client. Prints one JSON object: totals, acquires per second
 * over the measured phase, and round-trip percentiles over all clients.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fail.h"
#include "frame.h"
#include "messages.h"
#include "stats.h"
#include "vmnet_broker/v1/broker.pb-c.h"

struct options {
  const char *socket;
  const char *network;
  const char *save_reply;
  const char *label;
  long clients;
  long requests;
  long warmup;
};

struct client {
  const struct options *opt;
  int index;
  int sock;
  uint64_t *samples; /* one round trip per measured request */
  size_t request_bytes;
  size_t reply_bytes;
  pthread_barrier_t *start;
};

static long parse_count(const char *flag, const char *value, long min, long max) {
  char *end;
  long n = strtol(value, &end, 10);
  if (*end != '\0' || n < min || n > max) die("%s: expected an integer in [%ld, %ld], got '%s'", flag, min, max, value);
  return n;
}

static void parse_args(int argc, char **argv, struct options *opt) {
  *opt = (struct options){.network = "shared", .label = "", .clients = 1, .requests = 20000, .warmup = 500};
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (i + 1 >= argc) die("%s needs a value", flag);
    const char *value = argv[++i];
    if (strcmp(flag, "--socket") == 0)
      opt->socket = value;
    else if (strcmp(flag, "--network") == 0)
      opt->network = value;
    else if (strcmp(flag, "--save-reply") == 0)
      opt->save_reply = value;
    else if (strcmp(flag, "--label") == 0)
      opt->label = value;
    else if (strcmp(flag, "--clients") == 0)
      opt->clients = parse_count(flag, value, 1, 10000);
    else if (strcmp(flag, "--requests") == 0)
      opt->requests = parse_count(flag, value, 1, 100000000);
    else if (strcmp(flag, "--warmup") == 0)
      opt->warmup = parse_count(flag, value, 0, 100000000);
    else
      die("unknown flag %s", flag);
  }
  if (opt->socket == NULL) die("--socket is required");
}

static void save_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) die("fopen %s failed: %s", path, strerror(errno));
  if (fwrite(data, 1, len, f) != len || fclose(f) != 0) die("writing %s failed: %s", path, strerror(errno));
}

/* One acquire round trip; returns the reply's payload length. */
static size_t round_trip(struct client *c, struct frame_reader *reader, uint32_t id, int save) {
  uint8_t request[REQUEST_MAX];
  size_t len = encode_acquire(id, c->opt->network, request);
  c->request_bytes = len;
  if (frame_send(c->sock, request, (uint32_t)len, -1) < 0)
    die("client %d: sendmsg failed: %s", c->index, strerror(errno));
  const uint8_t *payload;
  uint32_t got;
  int rc = frame_next(reader, &payload, &got);
  if (rc <= 0)
    die("client %d: reading reply %u failed: %s", c->index, id, rc == 0 ? "connection closed" : strerror(errno));
  char why[256];
  if (check_reply(payload, got, id, VMNET_BROKER__V1__REPLY__RESULT_NETWORK, why, sizeof why) < 0)
    die("client %d: %s", c->index, why);
  if (save) save_file(c->opt->save_reply, payload, got);
  return got;
}

static void *run_client(void *arg) {
  struct client *c = arg;
  struct frame_reader reader;
  if (frame_reader_init(&reader, c->sock, FRAME_MAX_REPLY + 4) < 0) die("malloc failed");
  uint32_t id = 1;
  int save = c->index == 0 && c->opt->save_reply != NULL;
  for (long i = 0; i < c->opt->warmup; i++, id++) c->reply_bytes = round_trip(c, &reader, id, save && i == 0);
  pthread_barrier_wait(c->start);
  for (long i = 0; i < c->opt->requests; i++, id++) {
    uint64_t t0 = now_ns();
    c->reply_bytes = round_trip(c, &reader, id, save && c->opt->warmup == 0 && i == 0);
    c->samples[i] = now_ns() - t0;
  }
  frame_reader_free(&reader);
  return NULL;
}

int main(int argc, char **argv) {
  struct options opt;
  parse_args(argc, argv, &opt);
  size_t n = (size_t)opt.clients;
  struct client *clients = calloc(n, sizeof *clients);
  pthread_t *threads = calloc(n, sizeof *threads);
  uint64_t *all = calloc(n * (size_t)opt.requests, sizeof *all);
  if (clients == NULL || threads == NULL || all == NULL) die("calloc failed");
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)n + 1);

  /* Connect everyone first so the measured phase has no connection setup. */
  for (size_t i = 0; i < n; i++) {
    int sock = connect_unix(opt.socket);
    if (sock < 0) die("connect %s failed: %s", opt.socket, strerror(errno));
    clients[i] = (struct client){
        .opt = &opt, .index = (int)i, .sock = sock, .samples = all + i * (size_t)opt.requests, .start = &start};
  }
  for (size_t i = 0; i < n; i++) {
    int err = pthread_create(&threads[i], NULL, run_client, &clients[i]);
    if (err != 0) die("pthread_create failed: %s", strerror(err));
  }
  pthread_barrier_wait(&start);
  uint64_t t0 = now_ns();
  for (size_t i = 0; i < n; i++) pthread_join(threads[i], NULL);
  uint64_t elapsed = now_ns() - t0;

  size_t total = n * (size_t)opt.requests;
  double seconds = (double)elapsed / 1e9;
  uint64_t p50 = percentile_ns(all, total, 50);
  uint64_t p99 = percentile_ns(all, total, 99);
  printf(
      "{\"label\":\"%s\",\"clients\":%ld,\"requests\":%zu,\"seconds\":%.6f,\"per_second\":%.1f,"
      "\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f,\"request_bytes\":%zu,\"reply_bytes\":%zu}\n",
      opt.label, opt.clients, total, seconds, (double)total / seconds, (double)p50 / 1e3, (double)p99 / 1e3,
      (double)all[total - 1] / 1e3, clients[0].request_bytes, clients[0].reply_bytes);
  for (size_t i = 0; i < n; i++) close(clients[i].sock);
  return 0;
}
