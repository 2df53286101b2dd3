// SPDX-License-Identifier: Apache-2.0
// One-shot socket operations: create a listening socket, adopt an inherited one,
// connect, read peer credentials, close a descriptor.
#pragma once

#include <napi.h>

namespace vmnet_broker {

// listen(path, mode, gid) -> fd
Napi::Value Listen(const Napi::CallbackInfo& info);
// adoptListener(fd) -> fd (checked to be a listening Unix stream socket, made non-blocking)
Napi::Value AdoptListener(const Napi::CallbackInfo& info);
// connect(path) -> fd (non-blocking after the connect)
Napi::Value Connect(const Napi::CallbackInfo& info);
// peerCredentials(fd) -> {uid, gid, pid}
Napi::Value PeerCredentials(const Napi::CallbackInfo& info);
// closeFd(fd)
Napi::Value CloseFd(const Napi::CallbackInfo& info);

struct Credentials {
  int64_t uid = -1;
  int64_t gid = -1;
  int64_t pid = -1;
};

// Reads the peer's credentials of a connected Unix socket; returns 0 or an errno.
int ReadPeerCredentials(int fd, Credentials* out);
Napi::Object CredentialsToObject(Napi::Env env, const Credentials& creds);

// Sets O_NONBLOCK and FD_CLOEXEC; returns 0 or an errno.
int MakeNonBlockingCloexec(int fd);

}  // namespace vmnet_broker
