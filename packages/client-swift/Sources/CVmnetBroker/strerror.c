// SPDX-License-Identifier: Apache-2.0
// Builds packages/client-c/src/strerror.c inside this SwiftPM target (every
// platform). The shim list is checked by tools/swift/check-c-shims.sh.
#include "client-c/src/strerror.c"
