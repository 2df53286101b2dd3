// SPDX-License-Identifier: Apache-2.0
/*
 * The few protocol messages the benchmarks send, encoded and decoded with
 * protobuf-c over the client-c package's generated code.
 */
#ifndef BENCH_MESSAGES_H
#define BENCH_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

/* Largest request this program ever encodes. */
#define REQUEST_MAX 512

/* Encodes Request{id, acquire{network_name}}; returns its length. */
size_t encode_acquire(uint32_t id, const char *network, uint8_t *out);

/* Encodes Request{id, open_interface{network_name, veth{ifname}}}. */
size_t encode_open_veth(uint32_t id, const char *network, const char *ifname, uint8_t *out);

/*
 * Decodes a Reply and checks it answers request `id` with the result `want`
 * (a VmnetBroker__V1__Reply__ResultCase). Returns 0, or -1 after writing a
 * description of what was wrong into why.
 */
int check_reply(const uint8_t *payload, size_t len, uint32_t id, int want, char *why, size_t why_len);

/* Connects a SOCK_STREAM socket to the Unix socket at path; -1 with errno. */
int connect_unix(const char *path);

#endif
