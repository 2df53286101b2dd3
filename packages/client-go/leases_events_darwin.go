// SPDX-License-Identifier: Apache-2.0

//go:build darwin && cgo

package vmnetbroker

// macOS: lease look-ups and the event stream over XPC sessions of the C
// client (packages/client-c, vmnet_broker_connect and friends), which need
// protobuf-c (Homebrew). The cgo flags are vmnet_darwin.go's; a static
// libvmnet-broker also needs -lprotobuf-c in CGO_LDFLAGS
// (pkg-config --static --libs vmnet-broker).

/*
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <vmnet-broker.h>

// Each helper reads the library's last error on the thread of the call
// (it is thread-local) into msg.
static void vb_go_last_error(char *msg, size_t size) {
	snprintf(msg, size, "%s", vmnet_broker_last_error());
}

static vmnet_broker_session_t *vb_go_connect(int *status, char *msg, size_t size) {
	vmnet_broker_return_t ret = VMNET_BROKER_INTERNAL_ERROR;
	vmnet_broker_session_t *s = vmnet_broker_connect(NULL, &ret);
	*status = (int)ret;
	vb_go_last_error(msg, size);
	return s;
}

static int vb_go_wait_for_lease(vmnet_broker_session_t *s, const char *network, const char *mac,
				unsigned wait_ms, vmnet_broker_lease_t *out, int *status, char *msg, size_t size) {
	vmnet_broker_return_t ret = VMNET_BROKER_INTERNAL_ERROR;
	int r = vmnet_broker_session_wait_for_lease(s, network, mac, wait_ms, out, &ret);
	*status = (int)ret;
	vb_go_last_error(msg, size);
	return r;
}

static int vb_go_subscribe(vmnet_broker_session_t *s, uint64_t *next, int *status, char *msg, size_t size) {
	vmnet_broker_return_t ret = VMNET_BROKER_INTERNAL_ERROR;
	int r = vmnet_broker_session_subscribe(s, next, &ret);
	*status = (int)ret;
	vb_go_last_error(msg, size);
	return r;
}

// The session's fd, duplicated for Go's poller (the session keeps its own).
static int vb_go_dup_fd(vmnet_broker_session_t *s) {
	int fd = vmnet_broker_session_fd(s);
	return fd < 0 ? -1 : dup(fd);
}

// Never waits: Go waits for the fd itself, so a context can interrupt it.
static int vb_go_read_event(vmnet_broker_session_t *s, vmnet_broker_event_t *out, int *status, char *msg,
			    size_t size) {
	vmnet_broker_return_t ret = VMNET_BROKER_INTERNAL_ERROR;
	int r = vmnet_broker_session_read_event(s, 0, out, &ret);
	*status = (int)ret;
	vb_go_last_error(msg, size);
	return r;
}
*/
import "C"

import (
	"context"
	"errors"
	"iter"
	"os"
	"sync"
	"time"
	"unsafe"
)

// cError turns a failed C call into an *Error with the library's message.
func cError(op string, status C.int, msg *C.char) *Error {
	code := Code(status)
	if code == CodeSuccess {
		code = CodeInvalidReply // failure without a code
	}
	text := C.GoString(msg)
	if text == "" {
		text = C.GoString(C.vmnet_broker_strerror(C.vmnet_broker_return_t(status)))
	}
	return &Error{Code: code, Message: op + ": " + text}
}

func connectXPC(op string) (*C.vmnet_broker_session_t, error) {
	var status C.int
	var msg [512]C.char
	s := C.vb_go_connect(&status, &msg[0], C.size_t(len(msg)))
	if s == nil {
		return nil, cError(op, status, &msg[0])
	}
	return s, nil
}

func leaseFromC(l *C.vmnet_broker_lease_t) *Lease {
	lease := &Lease{
		MAC:      C.GoString(&l.mac[0]),
		IP:       C.GoString(&l.ip[0]),
		Hostname: C.GoString(&l.hostname[0]),
		Network:  C.GoString(&l.network[0]),
	}
	if l.expires_unix != 0 {
		lease.Expires = time.Unix(int64(l.expires_unix), 0)
	}
	for i := 0; i < int(l.ipv6_count) && i < len(l.ipv6); i++ {
		lease.IPv6 = append(lease.IPv6, C.GoString(&l.ipv6[i][0]))
	}
	return lease
}

func eventFromC(e *C.vmnet_broker_event_t) *Event {
	event := &Event{
		Sequence:  uint64(e.sequence),
		Time:      time.UnixMilli(int64(e.time_unix_ms)),
		Type:      EventType(C.GoString(C.vmnet_broker_event_type_name(e._type))),
		Network:   C.GoString(&e.network[0]),
		Interface: C.GoString(&e.interface_name[0]),
		PeerID:    uint64(e.peer_id),
		UID:       uint32(e.uid),
	}
	if bool(e.has_lease) {
		event.Lease = leaseFromC(&e.lease)
	}
	return event
}

// WaitForLease returns the DHCP lease of the guest with this MAC on a
// network this user may acquire (it need not be held), waiting for the guest
// to take one until ctx's deadline (without one, MaxLeaseWait). No lease by
// then gives ErrNotFound. macOS: the look-up goes over an XPC connection of
// its own (the C client's vmnet_broker_session_wait_for_lease), which it
// closes before returning. The XPC call cannot be interrupted: when ctx is
// cancelled first, WaitForLease returns ctx.Err() and the connection closes
// once the broker answers (by the wait's end).
func WaitForLease(ctx context.Context, network, mac string) (*Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	wait := MaxLeaseWait
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(max(time.Until(deadline), 0), MaxLeaseWait)
	}
	type outcome struct {
		lease *Lease
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		s, err := connectXPC("lease")
		if err != nil {
			done <- outcome{err: err}
			return
		}
		defer C.vmnet_broker_session_close(s)
		cnetwork, cmac := C.CString(network), C.CString(mac)
		defer C.free(unsafe.Pointer(cnetwork))
		defer C.free(unsafe.Pointer(cmac))
		var lease C.vmnet_broker_lease_t
		var status C.int
		var msg [512]C.char
		if C.vb_go_wait_for_lease(s, cnetwork, cmac, C.uint(wait.Milliseconds()), &lease, &status, &msg[0], C.size_t(len(msg))) != 0 {
			done <- outcome{err: cError("lease "+network+" "+mac, status, &msg[0])}
			return
		}
		done <- outcome{lease: leaseFromC(&lease)}
	}()
	select {
	case o := <-done:
		return o.lease, o.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The broker answers NOT_FOUND at the deadline: wait for it briefly.
			select {
			case o := <-done:
				return o.lease, o.err
			case <-time.After(leaseReplyGrace):
			}
		}
		return nil, ctx.Err()
	}
}

// XPCEventStream is the macOS event stream: an XPC connection of its own
// that the broker turned into a stream of events, read through the C
// client's session (its events wait there, behind a pipe that Go's poller
// watches). Close it to end the subscription. A reader that leaves too much
// unread loses the stream (Next then fails with ErrTransportFailure), as
// the broker drops a slow reader.
type XPCEventStream struct {
	mu      sync.Mutex
	session *C.vmnet_broker_session_t
	file    *os.File // a duplicate of the session's fd
	// NextSequence is the sequence number the first event carries.
	NextSequence uint64
}

// Events subscribes on an XPC connection of its own and returns once the
// broker confirmed the subscription. The XPC call cannot be interrupted:
// when ctx ends first, Events returns ctx.Err() and closes the late stream.
func Events(ctx context.Context) (*XPCEventStream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type outcome struct {
		stream *XPCEventStream
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		s, err := connectXPC("subscribe")
		if err != nil {
			done <- outcome{err: err}
			return
		}
		var next C.uint64_t
		var status C.int
		var msg [512]C.char
		if C.vb_go_subscribe(s, &next, &status, &msg[0], C.size_t(len(msg))) != 0 {
			C.vmnet_broker_session_close(s)
			done <- outcome{err: cError("subscribe", status, &msg[0])}
			return
		}
		fd := C.vb_go_dup_fd(s)
		if fd < 0 {
			C.vmnet_broker_session_close(s)
			done <- outcome{err: &Error{Code: CodeInternal, Message: "subscribe: dup(session fd) failed"}}
			return
		}
		// The fd is non-blocking, so the file is pollable.
		done <- outcome{stream: &XPCEventStream{session: s, file: os.NewFile(uintptr(fd), "vmnet-broker-events"), NextSequence: uint64(next)}}
	}()
	select {
	case o := <-done:
		return o.stream, o.err
	case <-ctx.Done():
		go func() {
			if o := <-done; o.stream != nil {
				_ = o.stream.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// take reads one waiting event without blocking: (nil, nil) when none waits.
func (s *XPCEventStream) take() (*Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil {
		return nil, &Error{Code: CodeTransportFailure, Message: "events: the stream is closed", Cause: os.ErrClosed}
	}
	var event C.vmnet_broker_event_t
	var status C.int
	var msg [512]C.char
	switch C.vb_go_read_event(s.session, &event, &status, &msg[0], C.size_t(len(msg))) {
	case 1:
		return eventFromC(&event), nil
	case 0:
		return nil, nil
	default:
		return nil, cError("events", status, &msg[0])
	}
}

// Next waits for the next event. A cancelled ctx returns its error and
// leaves the stream usable.
func (s *XPCEventStream) Next(ctx context.Context) (*Event, error) {
	raw, err := s.file.SyscallConn()
	if err != nil {
		return nil, transportError(err, "events")
	}
	for {
		event, err := s.take()
		if event != nil || err != nil {
			return event, err
		}
		if err := s.waitReadable(ctx, raw); err != nil {
			return nil, err
		}
	}
}

// waitReadable waits until the session's fd is readable (an event or the
// stream's end waits), ctx ends, or the stream is closed.
func (s *XPCEventStream) waitReadable(ctx context.Context, raw interface {
	Read(func(uintptr) bool) error
}) error {
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = s.file.SetReadDeadline(longAgo)
		close(interrupted)
	})
	defer func() {
		if !stop() {
			<-interrupted
			_ = s.file.SetReadDeadline(time.Time{})
		}
	}()
	asked := false
	// The first call says "not ready", so the poller waits; the next one
	// comes when the fd is readable. The C side reads the byte.
	err := raw.Read(func(uintptr) bool {
		done := asked
		asked = true
		return done
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded):
		return ctx.Err()
	default:
		return transportError(err, "events: wait for the session's fd")
	}
}

// All yields every event until ctx ends, the stream fails (the error is
// yielded last), or the loop breaks; it does not close the stream.
func (s *XPCEventStream) All(ctx context.Context) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		for {
			event, err := s.Next(ctx)
			if !yield(event, err) || err != nil {
				return
			}
		}
	}
}

// Close closes the XPC connection, which ends the subscription. It
// interrupts a Next waiting in another goroutine. Close is idempotent.
func (s *XPCEventStream) Close() error {
	err := s.file.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil {
		C.vmnet_broker_session_close(s.session)
		s.session = nil
		return err
	}
	return nil
}
