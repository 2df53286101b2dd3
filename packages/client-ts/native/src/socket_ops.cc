// SPDX-License-Identifier: Apache-2.0
#include "socket_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "errors.h"

namespace vmnet_broker {
namespace {

constexpr const char* kListenUsage = "listen(path: string, mode: number, gid: number)";
constexpr const char* kAdoptUsage = "adoptListener(fd: number)";
constexpr const char* kConnectUsage = "connect(path: string)";
constexpr const char* kCredsUsage = "peerCredentials(fd: number)";
constexpr const char* kCloseUsage = "closeFd(fd: number)";
constexpr int kBacklog = 128;

// Fills addr from path; throws a TypeError when it does not fit in sun_path.
socklen_t UnixAddress(Napi::Env env, const char* usage, const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (path.empty()) {
    throw UsageError(env, usage, "path must not be empty");
  }
  if (path.find('\0') != std::string::npos) {
    throw UsageError(env, usage, "path must not contain NUL");
  }
  if (path.size() >= sizeof(addr->sun_path)) {
    throw UsageError(env, usage,
                     ("path is " + std::to_string(path.size()) + " bytes; a Unix socket path holds at most " +
                      std::to_string(sizeof(addr->sun_path) - 1))
                         .c_str());
  }
  std::memcpy(addr->sun_path, path.data(), path.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

int NewStreamSocket(bool nonBlocking, int* out) {
#if defined(__linux__)
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return errno;
#else
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return errno;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (nonBlocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
  *out = fd;
  return 0;
}

void CloseQuietly(int fd) {
  int saved = errno;
  close(fd);  // never retried on EINTR: Linux has released the fd already
  errno = saved;
}

// Waits for a connect interrupted by a signal to finish; returns 0 or an errno.
int FinishInterruptedConnect(int fd) {
  pollfd pfd{fd, POLLOUT, 0};
  while (poll(&pfd, 1, -1) < 0) {
    if (errno != EINTR) return errno;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
  return err;
}

// Removes a socket file at path only if nothing answers on it (a stale file
// left by a broker that died). Throws if something listens or the file is not a socket.
void RemoveStaleSocket(Napi::Env env, const std::string& path, const sockaddr_un& addr, socklen_t len) {
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return;
    throw SyscallError(env, "lstat", errno, path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw SyscallError(env, "listen", EEXIST, path + " exists and is not a socket");
  }
  int probe = -1;
  int err = NewStreamSocket(true, &probe);
  if (err != 0) throw SyscallError(env, "socket", err);
  int rc = connect(probe, reinterpret_cast<const sockaddr*>(&addr), len);
  err = rc < 0 ? errno : 0;
  CloseQuietly(probe);
  if (err == ECONNREFUSED) {
    if (unlink(path.c_str()) < 0 && errno != ENOENT) throw SyscallError(env, "unlink", errno, path);
    return;
  }
  if (err == 0 || err == EAGAIN || err == EINPROGRESS) {
    throw SyscallError(env, "listen", EADDRINUSE, "something already listens at " + path);
  }
  throw SyscallError(env, "connect", err, "probing " + path + " for a stale socket");
}

}  // namespace

int MakeNonBlockingCloexec(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  int fdFlags = fcntl(fd, F_GETFD);
  if (fdFlags < 0 || fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) < 0) return errno;
  return 0;
}

int ReadPeerCredentials(int fd, Credentials* out) {
#if defined(__linux__)
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return errno;
  out->uid = cred.uid;
  out->gid = cred.gid;
  out->pid = cred.pid;
  return 0;
#else
  uid_t uid;
  gid_t gid;
  if (getpeereid(fd, &uid, &gid) < 0) return errno;
  out->uid = uid;
  out->gid = gid;
  out->pid = -1;
#if defined(LOCAL_PEERPID)
  pid_t pid;
  socklen_t len = sizeof(pid);
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) == 0) out->pid = pid;
#endif
  return 0;
#endif
}

Napi::Object CredentialsToObject(Napi::Env env, const Credentials& creds) {
  Napi::Object obj = Napi::Object::New(env);
  obj.Set("uid", Napi::Number::New(env, static_cast<double>(creds.uid)));
  obj.Set("gid", Napi::Number::New(env, static_cast<double>(creds.gid)));
  obj.Set("pid", Napi::Number::New(env, static_cast<double>(creds.pid)));
  return obj;
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, kListenUsage);
  auto mode = static_cast<mode_t>(ArgInteger(info, 1, kListenUsage, 0, 07777));
  int64_t gid = ArgInteger(info, 2, kListenUsage, -1, UINT32_MAX - 1);
  sockaddr_un addr;
  socklen_t len = UnixAddress(env, kListenUsage, path, &addr);

  RemoveStaleSocket(env, path, addr, len);
  int fd = -1;
  int err = NewStreamSocket(true, &fd);
  if (err != 0) throw SyscallError(env, "socket", err);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
    err = errno;
    CloseQuietly(fd);
    throw SyscallError(env, "bind", err, path);
  }
  // Permissions are set before listen(), so nobody can connect while they are wider.
  const char* failed = nullptr;
  if (chmod(path.c_str(), mode) < 0) {
    failed = "chmod";
  } else if (gid >= 0 && chown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(gid)) < 0) {
    failed = "chown";
  } else if (listen(fd, kBacklog) < 0) {
    failed = "listen";
  }
  if (failed != nullptr) {
    err = errno;
    CloseQuietly(fd);
    unlink(path.c_str());
    throw SyscallError(env, failed, err, path);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value AdoptListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, kAdoptUsage);
  int type = 0;
  socklen_t len = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
    throw SyscallError(env, "getsockopt", errno, "SO_TYPE of inherited fd " + std::to_string(fd));
  }
  sockaddr_storage addr;
  socklen_t addrLen = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addrLen) < 0) {
    throw SyscallError(env, "getsockname", errno, "inherited fd " + std::to_string(fd));
  }
  int accepting = 0;
  len = sizeof(accepting);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0) {
    throw SyscallError(env, "getsockopt", errno, "SO_ACCEPTCONN of inherited fd " + std::to_string(fd));
  }
  if (type != SOCK_STREAM || addr.ss_family != AF_UNIX || accepting == 0) {
    throw SyscallError(env, "adoptListener", ENOTSOCK,
                       "inherited fd " + std::to_string(fd) + " is not a listening Unix stream socket");
  }
  int err = MakeNonBlockingCloexec(fd);
  if (err != 0) throw SyscallError(env, "fcntl", err, "inherited fd " + std::to_string(fd));
  return Napi::Number::New(env, fd);
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, kConnectUsage);
  sockaddr_un addr;
  socklen_t len = UnixAddress(env, kConnectUsage, path, &addr);
  int fd = -1;
  int err = NewStreamSocket(false, &fd);
  if (err != 0) throw SyscallError(env, "socket", err);
  // A local connect completes at once unless the listen backlog is full; this
  // is the one blocking call the addon makes on the loop.
  err = connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) < 0 ? errno : 0;
  if (err == EINTR) err = FinishInterruptedConnect(fd);
  if (err == 0) err = MakeNonBlockingCloexec(fd);
  if (err != 0) {
    CloseQuietly(fd);
    std::string detail;
    switch (err) {
      case ENOENT:
        detail = "no socket at " + path;
        break;
      case ECONNREFUSED:
        detail = "nothing listens at " + path;
        break;
      case EACCES:
        detail = "permission denied on " + path;
        break;
      default:
        detail = path;
        break;
    }
    throw SyscallError(env, "connect", err, detail);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, kCredsUsage);
  Credentials creds;
  int err = ReadPeerCredentials(fd, &creds);
  if (err != 0) throw SyscallError(env, "getsockopt", err, "SO_PEERCRED of fd " + std::to_string(fd));
  return CredentialsToObject(env, creds);
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, kCloseUsage);
  if (close(fd) < 0 && errno != EINTR) {
    throw SyscallError(env, "close", errno, "fd " + std::to_string(fd));
  }
  return env.Undefined();
}

}  // namespace vmnet_broker
