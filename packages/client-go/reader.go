// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// readLoop reads replies until the connection dies and hands each to the
// call waiting for its id. Whatever ends it, every pending and later call
// fails with the reason, so nothing waits forever on a dead broker.
func (c *Client) readLoop() {
	defer close(c.readerDone)
	dec := newFrameDecoder(MaxReplyPayload)
	defer func() { closeFds(dec.takeFds()) }()
	buf := make([]byte, 64*1024)
	oob := make([]byte, syscall.CmsgSpace(maxFdsPerMessage*4))
	for {
		n, oobn, flags, _, err := c.conn.ReadMsgUnix(buf, oob)
		n, oobn = max(n, 0), max(oobn, 0)
		fds, rerr := parseRights(oob[:oobn])
		if rerr != nil {
			closeFds(fds)
			c.fail(&Error{Code: CodeInvalidReply, Message: "parse SCM_RIGHTS of a reply", Cause: rerr})
			return
		}
		if flags&syscall.MSG_CTRUNC != 0 {
			closeFds(fds)
			c.fail(invalidReply("recvmsg: descriptors were truncated (MSG_CTRUNC)"))
			return
		}
		if n > 0 || len(fds) > 0 {
			frames, ferr := dec.feed(buf[:n], fds)
			if ferr != nil {
				closeFds(fds)
				c.fail(invalidReply("%v", ferr))
				return
			}
			for i, f := range frames {
				if derr := c.dispatch(f); derr != nil {
					for _, rest := range frames[i+1:] {
						closeFds(rest.fds)
					}
					c.fail(derr)
					return
				}
			}
		}
		if err == nil && n == 0 && oobn == 0 {
			err = io.EOF
		}
		if err != nil {
			c.fail(readError(err, dec.pending()))
			return
		}
	}
}

func readError(err error, pending int) error {
	switch {
	case errors.Is(err, net.ErrClosed):
		return transportError(err, "the client was closed")
	case errors.Is(err, io.EOF) && pending > 0:
		return transportError(errClosedByBroker, "connection ended inside a reply (%d bytes pending)", pending)
	case errors.Is(err, io.EOF):
		return transportError(errClosedByBroker, "receive reply")
	default:
		return transportError(err, "recvmsg from the broker")
	}
}

// dispatch delivers one frame to its call. An error means the stream can no
// longer be trusted.
func (c *Client) dispatch(f frame) error {
	reply, err := decodeReply(f.payload)
	if err != nil {
		closeFds(f.fds)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.pending[reply.GetId()]
	if reply.GetId() == 0 {
		cl = c.oldestWrittenLocked()
	}
	if cl == nil {
		closeFds(f.fds)
		return invalidReply("reply id %d answers no pending request", reply.GetId())
	}
	delete(c.pending, cl.id)
	if cl.abandoned {
		closeFds(f.fds)
		return nil
	}
	cl.result <- callResult{reply: reply, fds: f.fds}
	return nil
}

// oldestWrittenLocked finds the earliest request on the wire: replies come
// in request order, so a reply without an id answers it.
func (c *Client) oldestWrittenLocked() *call {
	var oldest *call
	for _, cl := range c.pending {
		if cl.seq != 0 && (oldest == nil || cl.seq < oldest.seq) {
			oldest = cl
		}
	}
	return oldest
}
