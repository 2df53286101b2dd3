// SPDX-License-Identifier: Apache-2.0
// exec: replaces the current process image (keeping its pid). The sandbox uses it
// to re-execute the broker under `unshare` so that the pid a supervisor knows is
// the sandbox itself; `run` uses it to become the VMM with the TAP fds at the
// numbers the VMM's command line names.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/common.h"
#include "common/fd_placement.h"
#include "errors.h"

namespace vmnet_broker {

static constexpr const char* kExecUsage =
    "exec(file: string, args: string[], env: Record<string, string>, "
    "fds?: Array<{from: number, to: number}>)";

// Node ignores SIGPIPE and may block signals; a new program must start with the
// defaults or it inherits them.
struct SavedSignals {
  void (*sigpipe)(int);
  sigset_t mask;
};

static SavedSignals ResetSignals() {
  SavedSignals saved{};
  saved.sigpipe = signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, &saved.mask);
  return saved;
}

// Node starts with uv_disable_stdio_inheritance(), which marks fds 0-2 close-on-exec;
// the new program must keep its stdin, stdout and stderr.
struct SavedStdio {
  int flags[3];
};

static SavedStdio InheritStdio() {
  SavedStdio saved{};
  for (int fd = 0; fd < 3; fd++) {
    saved.flags[fd] = fcntl(fd, F_GETFD);
    if (saved.flags[fd] >= 0) fcntl(fd, F_SETFD, saved.flags[fd] & ~FD_CLOEXEC);
  }
  return saved;
}

static void RestoreStdio(const SavedStdio& saved) {
  for (int fd = 0; fd < 3; fd++) {
    if (saved.flags[fd] >= 0) fcntl(fd, F_SETFD, saved.flags[fd]);
  }
}

// Only reached when exec failed: Node must get its own settings back.
static void RestoreSignals(const SavedSignals& saved) {
  signal(SIGPIPE, saved.sigpipe);
  sigprocmask(SIG_SETMASK, &saved.mask, nullptr);
}

static void ExecWithEnvironment(const char* file, char* const argv[],
                                char* const envp[]) {
#if defined(__GLIBC__)
  execvpe(file, argv, envp);
#else
  // No execvpe outside glibc: replace environ, which is only kept on failure.
  extern char** environ;
  char** previous = environ;
  environ = const_cast<char**>(envp);
  execvp(file, argv);
  const int err = errno;
  environ = previous;
  errno = err;
#endif
}

// The optional fourth argument: distinct target numbers, 3 and above (stdio
// stays as it is).
static bool ReadPlacements(const Napi::CallbackInfo& info,
                           std::vector<FdPlacement>* placements) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || info[3].IsUndefined()) return true;
  if (!info[3].IsArray()) {
    ThrowUsage(env, kExecUsage, "fds must be an array");
    return false;
  }
  Napi::Array list = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    const std::string where = "fds[" + std::to_string(i) + "]";
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) {
      ThrowUsage(env, kExecUsage, where + " must be {from, to}");
      return false;
    }
    Napi::Object object = item.As<Napi::Object>();
    FdPlacement p{};
    int* fields[] = {&p.from, &p.to};
    const char* names[] = {"from", "to"};
    for (int f = 0; f < 2; f++) {
      Napi::Value v = object.Get(names[f]);
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (d < 0 || d > 65535 || d != static_cast<int>(d)) {
        ThrowUsage(env, kExecUsage,
                   where + "." + names[f] + " must be a file descriptor number");
        return false;
      }
      *fields[f] = static_cast<int>(d);
    }
    if (p.to < 3) {
      ThrowUsage(env, kExecUsage, where + ".to must be 3 or above (stdio is kept)");
      return false;
    }
    for (const FdPlacement& other : *placements) {
      if (other.to == p.to) {
        ThrowUsage(env, kExecUsage, where + ".to repeats " + std::to_string(p.to));
        return false;
      }
    }
    placements->push_back(p);
  }
  return true;
}

Napi::Value Exec(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray() ||
      !info[2].IsObject()) {
    ThrowUsage(env, kExecUsage, "wrong argument types");
    return env.Undefined();
  }
  const std::string file = info[0].As<Napi::String>().Utf8Value();
  Napi::Array args_js = info[1].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < args_js.Length(); i++) {
    Napi::Value arg = args_js.Get(i);
    if (!arg.IsString()) {
      ThrowUsage(env, kExecUsage, "args[" + std::to_string(i) + "] is not a string");
      return env.Undefined();
    }
    args.push_back(arg.As<Napi::String>().Utf8Value());
  }
  Napi::Object env_js = info[2].As<Napi::Object>();
  Napi::Array keys = env_js.GetPropertyNames();
  std::vector<std::string> environment;
  for (uint32_t i = 0; i < keys.Length(); i++) {
    const std::string key = keys.Get(i).ToString().Utf8Value();
    Napi::Value value = env_js.Get(key);
    if (!value.IsString()) continue;  // process.env may hold undefined entries
    environment.push_back(key + "=" + value.As<Napi::String>().Utf8Value());
  }

  std::vector<FdPlacement> placements;
  if (!ReadPlacements(info, &placements)) return env.Undefined();

  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  PlacedFds placed;
  if (const int err = placed.Place(placements); err != 0) {
    ThrowSyscall(env, "placing fds for exec", err);
    return env.Undefined();
  }
  const SavedStdio stdio = InheritStdio();
  const SavedSignals saved = ResetSignals();
  ExecWithEnvironment(file.c_str(), argv.data(), envp.data());
  const int err = errno;
  RestoreSignals(saved);
  RestoreStdio(stdio);
  placed.Restore();
  ThrowSyscall(env, "execvp " + file, err);
  return env.Undefined();
}

}  // namespace vmnet_broker
