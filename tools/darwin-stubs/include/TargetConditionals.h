/*
 * STUB FOR CHECKING ONLY. Not Apple's header and not usable to build or run
 * anything: it declares just enough of <TargetConditionals.h> for
 * tools/darwin-check.sh to compile macOS sources that include Node's <v8.h>
 * (v8config.h includes it on Apple platforms) with Debian's clang. The values
 * are those Apple documents for a macOS (not iOS) target.
 */
#ifndef VMNET_BROKER_STUB_TARGET_CONDITIONALS_H
#define VMNET_BROKER_STUB_TARGET_CONDITIONALS_H

#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_SIMULATOR 0

#endif
