/*
 * STUB FOR CHECKING ONLY. Not Apple's header: the few CoreFoundation
 * declarations the macOS sources use (CFTypeRef, CFRetain, CFRelease), as
 * documented by Apple, for syntax and type checks with Debian's clang.
 */
#ifndef VMNET_BROKER_STUB_COREFOUNDATION_H
#define VMNET_BROKER_STUB_COREFOUNDATION_H

#ifdef __cplusplus
extern "C" {
#endif

typedef const void *CFTypeRef;

CFTypeRef CFRetain(CFTypeRef cf);
void CFRelease(CFTypeRef cf);

#ifdef __cplusplus
}
#endif

#endif
