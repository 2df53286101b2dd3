// SPDX-License-Identifier: Apache-2.0
// Builds packages/client-c/src/common/last_error.c inside this SwiftPM target, on both platforms
// (SwiftPM cannot select sources per platform). The list is checked by
// tools/swift/check-c-shims.sh.
#if defined(__linux__) || defined(__APPLE__)
#include "../client-c/src/common/last_error.c"
#endif
