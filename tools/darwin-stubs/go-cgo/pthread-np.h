// SPDX-License-Identifier: Apache-2.0
/*
 * STUB FOR CHECKING ONLY. Force-included (-include) by tools/darwin-check.sh when
 * it runs `go vet` for GOOS=darwin with cgo: Go's runtime/cgo calls these two
 * Darwin pthread extensions, which glibc's <pthread.h> lacks. Declarations as in
 * Apple's <pthread.h>; skipped for assembler sources.
 */
#ifndef __ASSEMBLER__
#include <pthread.h>
#include <stddef.h>
void *pthread_get_stackaddr_np(pthread_t thread);
size_t pthread_get_stacksize_np(pthread_t thread);
#endif
