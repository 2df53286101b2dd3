/*
 * STUB FOR CHECKING ONLY. Not Apple's header: the API_AVAILABLE family of
 * <os/availability.h>, mapped onto clang's availability attribute so a check
 * that targets macOS reports unguarded uses of newer APIs.
 */
#ifndef VMNET_BROKER_STUB_OS_AVAILABILITY_H
#define VMNET_BROKER_STUB_OS_AVAILABILITY_H

#include <Availability.h>

#define __API_AVAILABLE_PLATFORM_macos(x) macos, introduced = x
#define __API_AVAILABLE_PLATFORM_ios(x) ios, introduced = x
#define API_AVAILABLE(...) __API_AVAILABLE_SELECT(__VA_ARGS__, __API_AVAILABLE2, __API_AVAILABLE1, )(__VA_ARGS__)
#define __API_AVAILABLE_SELECT(_1, _2, NAME, ...) NAME
#define __API_AVAILABLE1(a) __attribute__((availability(__API_AVAILABLE_PLATFORM_##a)))
#define __API_AVAILABLE2(a, b) __API_AVAILABLE1(a) __API_AVAILABLE1(b)
#define __OSX_AVAILABLE_STARTING(mac, ios)

#endif
