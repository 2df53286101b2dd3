// SPDX-License-Identifier: Apache-2.0
// Builds packages/client-c/src/darwin/session.c inside this SwiftPM target, on its platform only
// (SwiftPM cannot select sources per platform). The list is checked by
// tools/swift/check-c-shims.sh.
#ifdef __APPLE__
#include "../client-c/src/darwin/session.c"
#endif
