// SPDX-License-Identifier: Apache-2.0
// Builds packages/client-c/src/common/last_error.c inside this SwiftPM target, on its platform only
// (SwiftPM cannot select sources per platform). The list is checked by
// tools/swift/check-c-shims.sh.
#ifdef __linux__
#include "../client-c/src/common/last_error.c"
#endif
