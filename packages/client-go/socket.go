// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"context"
	"net"
	"syscall"
	"time"
)

// maxFdsPerMessage is the kernel's SCM_MAX_FD: the most descriptors one
// recvmsg can carry.
const maxFdsPerMessage = 253

// longAgo is a deadline in the past, used to interrupt a blocked write.
var longAgo = time.Unix(1, 0)

// writeFrame writes frame with fds attached to its first byte (one sendmsg
// starts the frame and carries the SCM_RIGHTS), then the rest of the frame
// if the kernel took only part. Cancelling ctx interrupts a blocked write;
// n says how many bytes went out.
func writeFrame(ctx context.Context, conn *net.UnixConn, frame []byte, fds []int) (n int, err error) {
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = conn.SetWriteDeadline(longAgo)
		close(interrupted)
	})
	defer func() {
		if !stop() {
			<-interrupted
			_ = conn.SetWriteDeadline(time.Time{})
		}
	}()

	var oob []byte
	if len(fds) > 0 {
		oob = syscall.UnixRights(fds...)
	}
	n, _, err = conn.WriteMsgUnix(frame, oob, nil)
	if err != nil {
		return n, err
	}
	for n < len(frame) {
		var m int
		m, err = conn.Write(frame[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// parseRights extracts every descriptor from a control-message buffer.
// Descriptors are returned even with an error, so the caller can close them.
func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level != syscall.SOL_SOCKET || msgs[i].Header.Type != syscall.SCM_RIGHTS {
			continue
		}
		got, err := syscall.ParseUnixRights(&msgs[i])
		fds = append(fds, got...)
		if err != nil {
			return fds, err
		}
	}
	return fds, nil
}

func closeFds(fds []int) {
	for _, fd := range fds {
		_ = syscall.Close(fd)
	}
}
