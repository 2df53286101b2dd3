/*
 * STUB FOR CHECKING ONLY. Not Apple's header and not usable to build or run
 * anything: it declares just enough of <Availability.h> for tools/darwin-check.sh
 * to compile macOS sources with Debian's clang (-fsyntax-only). Values follow
 * Apple's documented encoding (major * 10000 + minor * 100).
 */
#ifndef VMNET_BROKER_STUB_AVAILABILITY_H
#define VMNET_BROKER_STUB_AVAILABILITY_H

#define __MAC_10_7 1070
#define __MAC_10_15 101500
#define __MAC_11_0 110000
#define __MAC_14_0 140000
#define __MAC_26_0 260000

/* The newest SDK the check pretends to have; darwin-check.sh also compiles with
 * -DVMNET_BROKER_STUB_SDK=150000 to prove the code builds with an older SDK. */
#ifndef VMNET_BROKER_STUB_SDK
#define VMNET_BROKER_STUB_SDK __MAC_26_0
#endif
#define __MAC_OS_X_VERSION_MAX_ALLOWED VMNET_BROKER_STUB_SDK
#ifndef __MAC_OS_X_VERSION_MIN_REQUIRED
#define __MAC_OS_X_VERSION_MIN_REQUIRED __MAC_14_0
#endif

#endif
