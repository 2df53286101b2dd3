// SPDX-License-Identifier: Apache-2.0

//go:build darwin && cgo

package vmnetbroker

// macOS: the broker speaks XPC, reached through the C client
// (packages/client-c, the existing vmnet-broker C API). Install it first
// (its header vmnet-broker.h and libvmnet-broker) where the C toolchain
// finds them, or point CGO_CFLAGS / CGO_LDFLAGS at them.

/*
#cgo CFLAGS: -I${SRCDIR}/../client-c/include
#cgo LDFLAGS: -lvmnet-broker
#include <stdlib.h>
#include <vmnet-broker.h>

// Plain void * at the boundary keeps cgo independent of how the SDK
// declares xpc_object_t.
static void *vb_go_acquire(const char *name, int *status) {
	vmnet_broker_return_t ret = VMNET_BROKER_INTERNAL_ERROR;
	xpc_object_t network = vmnet_broker_acquire_network(name, &ret);
	*status = (int)ret;
	return (void *)network;
}

static void vb_go_release(void *object) {
	xpc_release((xpc_object_t)object);
}

static const char *vb_go_strerror(int status) {
	return vmnet_broker_strerror((vmnet_broker_return_t)status);
}
*/
import "C"

import (
	"context"
	"sync"
	"unsafe"
)

// VmnetSerialization is a retained vmnet network serialization (an
// xpc_object_t), as returned by the existing C API. Hand Pointer() to
// vmnet_network_create_with_serialization, then Release it.
//
// The network itself stays acquired for the life of the process: the C
// client keeps one XPC connection open, and that connection is the lease.
type VmnetSerialization struct {
	mu  sync.Mutex
	ptr unsafe.Pointer
}

// Pointer returns the xpc_object_t, or nil after Release.
func (s *VmnetSerialization) Pointer() unsafe.Pointer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ptr
}

// Release drops this handle's reference (xpc_release). It does not
// release the network: that happens when the process exits. Release is
// idempotent.
func (s *VmnetSerialization) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr != nil {
		C.vb_go_release(s.ptr)
		s.ptr = nil
	}
}

// AcquireNetwork acquires a network by name from the macOS broker over
// XPC, through the C client's vmnet_broker_acquire_network, and returns its
// serialization. Errors are *Error values with the shared codes
// (errors.Is(err, ErrNotFound), ...). The XPC call itself cannot be
// interrupted; when ctx ends first, AcquireNetwork returns ctx.Err() and
// releases the late result itself.
func AcquireNetwork(ctx context.Context, name string) (*VmnetSerialization, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type outcome struct {
		ptr    unsafe.Pointer
		status int
	}
	done := make(chan outcome, 1)
	go func() {
		cname := C.CString(name)
		defer C.free(unsafe.Pointer(cname))
		var status C.int
		ptr := C.vb_go_acquire(cname, &status)
		done <- outcome{ptr: ptr, status: int(status)}
	}()
	select {
	case o := <-done:
		return serializationFromC(o.ptr, o.status, name)
	case <-ctx.Done():
		go func() {
			if o := <-done; o.ptr != nil {
				C.vb_go_release(o.ptr)
			}
		}()
		return nil, ctx.Err()
	}
}

func serializationFromC(ptr unsafe.Pointer, status int, name string) (*VmnetSerialization, error) {
	if status != int(CodeSuccess) || ptr == nil {
		if ptr != nil {
			C.vb_go_release(ptr)
		}
		if status == int(CodeSuccess) {
			status = int(CodeInvalidReply) // success without a network
		}
		return nil, &Error{Code: Code(status), Message: "acquire " + name + ": " + C.GoString(C.vb_go_strerror(C.int(status)))}
	}
	return &VmnetSerialization{ptr: ptr}, nil
}
