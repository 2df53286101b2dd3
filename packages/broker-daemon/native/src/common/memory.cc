// SPDX-License-Identifier: Apache-2.0
// releaseFreedMemory: gives back the high-water memory a burst of peers left.
#include <cstdlib>  // defines __GLIBC__ on glibc, for the test below
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// The one use of V8 itself rather than Node-API, which has no memory-reducing
// GC. It lives in the daemon's addon, never in the client's (which Electron
// apps load: their V8 is not Node's). Isolate::LowMemoryNotification has kept
// its signature for years.
#include <v8.h>

#include "common/common.h"

namespace vmnet_broker {

// After a burst of busy connections has gone, nothing the daemon holds is
// live, but the process keeps its high-water mark: V8 grows its young
// generation to the largest semi-spaces (about 32 MB) under a flood of small
// requests and shrinks it only in a memory-reducing GC, which an idle daemon
// never runs; glibc keeps freed chunks in its arenas. The caller decides when
// (rarely, off the hot path).
Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return info.Env().Undefined();
}

}  // namespace vmnet_broker
