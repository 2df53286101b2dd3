// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// Client is one connection to the broker and the lease on everything
// acquired through it: Close (or the process ending) releases it all.
// A Client is safe for concurrent use by several goroutines.
type Client struct {
	conn       *net.UnixConn
	socketPath string
	clientName string

	// writeSem serialises frames on the socket; a channel so that waiting
	// for it honours the caller's context.
	writeSem chan struct{}

	mu      sync.Mutex
	pending map[uint32]*call
	nextID  uint32
	nextSeq uint64
	// err is set once, when the connection dies; every call after that
	// returns it.
	err error

	readerDone chan struct{}
}

// call is one request waiting for its reply.
type call struct {
	id uint32
	// seq orders written requests, so that a reply with id 0 (the broker
	// could not read the id) goes to the oldest one; 0 until written.
	seq uint64
	// abandoned is set when the caller gave up; the reader then discards
	// the reply and closes its descriptors.
	abandoned bool
	result    chan callResult
}

type callResult struct {
	reply *brokerpb.Reply
	fds   []int
	err   error
}

// Dial connects to the broker. The socket is opts' WithSocketPath, else
// $VMNET_BROKER_SOCKET, else DefaultSocketPath. The returned Client is the
// lease: keep it open while the networks it acquires are in use.
func Dial(ctx context.Context, opts ...Option) (*Client, error) {
	o := resolveOptions(opts)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", o.socketPath)
	if err != nil {
		return nil, transportError(err, "connect to the broker at %s", o.socketPath)
	}
	c := &Client{
		conn:       conn.(*net.UnixConn),
		socketPath: o.socketPath,
		clientName: o.clientName,
		writeSem:   make(chan struct{}, 1),
		pending:    make(map[uint32]*call),
		readerDone: make(chan struct{}),
	}
	go c.readLoop()
	if err := c.greet(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// greet writes the hello that names this client in the broker's status and
// logs, without waiting for its reply (the reader drops it): Dial costs no
// extra round trip and later calls pipeline behind it. A broker that refuses
// the hello changes nothing.
func (c *Client) greet(ctx context.Context) error {
	cl, err := c.register()
	if err != nil {
		return err
	}
	c.mu.Lock()
	cl.abandoned = true
	c.mu.Unlock()
	payload, err := proto.Marshal(c.helloRequest(cl.id))
	if err != nil {
		c.forget(cl)
		return &Error{Code: CodeInternal, Message: "encode hello", Cause: err}
	}
	return c.send(ctx, cl, appendFrame(nil, payload), nil)
}

// Connect is Dial with a background context.
func Connect(opts ...Option) (*Client, error) {
	return Dial(context.Background(), opts...)
}

// SocketPath returns the path of the broker socket this Client uses.
func (c *Client) SocketPath() string { return c.socketPath }

// Close closes the connection, which releases every network acquired and
// removes every interface opened through this Client. Pending calls fail
// with ErrTransportFailure. Close is idempotent.
func (c *Client) Close() error {
	c.fail(transportError(net.ErrClosed, "the client was closed"))
	<-c.readerDone
	return nil
}

// fail marks the connection dead with err, fails every pending call and
// closes the socket. It reports whether this was the first failure.
func (c *Client) fail(err error) bool {
	c.mu.Lock()
	if c.err != nil {
		// Already dead: register refuses new calls from then on, so
		// nothing can be pending.
		c.mu.Unlock()
		return false
	}
	c.err = err
	pending := c.pending
	c.pending = make(map[uint32]*call)
	c.mu.Unlock()
	for _, cl := range pending {
		// result has room for one value and nothing else sends to it
		// after the call left the pending map.
		cl.result <- callResult{err: err}
	}
	_ = c.conn.Close()
	return true
}

// roundTrip sends req with fds attached and waits for its reply. The
// descriptors of the reply belong to the caller.
func (c *Client) roundTrip(ctx context.Context, req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	cl, err := c.register()
	if err != nil {
		return nil, nil, err
	}
	req.Id = cl.id
	payload, err := proto.Marshal(req)
	if err != nil {
		c.forget(cl)
		return nil, nil, &Error{Code: CodeInvalidRequest, Message: "encode request", Cause: err}
	}
	if len(payload) > MaxRequestPayload {
		c.forget(cl)
		return nil, nil, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("request of %d bytes is above the limit of %d", len(payload), MaxRequestPayload)}
	}
	if err := c.send(ctx, cl, appendFrame(nil, payload), fds); err != nil {
		return nil, nil, err
	}
	select {
	case res := <-cl.result:
		return res.reply, res.fds, res.err
	case <-ctx.Done():
		c.mu.Lock()
		if _, waiting := c.pending[cl.id]; waiting {
			cl.abandoned = true
			c.mu.Unlock()
			return nil, nil, ctx.Err()
		}
		c.mu.Unlock()
		// The reply won the race and is already in the channel.
		res := <-cl.result
		return res.reply, res.fds, res.err
	}
}

// register allocates an id that no pending call uses.
func (c *Client) register() (*call, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	for {
		c.nextID++
		if c.nextID == 0 {
			continue
		}
		if _, used := c.pending[c.nextID]; !used {
			break
		}
	}
	cl := &call{id: c.nextID, result: make(chan callResult, 1)}
	c.pending[cl.id] = cl
	return cl, nil
}

// forget removes a call that was never sent.
func (c *Client) forget(cl *call) {
	c.mu.Lock()
	delete(c.pending, cl.id)
	c.mu.Unlock()
}

// send writes one frame. A frame cut short breaks the stream for everyone,
// so that fails the connection; a frame never started only fails the call.
func (c *Client) send(ctx context.Context, cl *call, frame []byte, fds []int) error {
	select {
	case c.writeSem <- struct{}{}:
	case <-ctx.Done():
		c.forget(cl)
		return ctx.Err()
	}
	defer func() { <-c.writeSem }()

	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextSeq++
	cl.seq = c.nextSeq
	c.mu.Unlock()

	n, err := writeFrame(ctx, c.conn, frame, fds)
	if err == nil {
		return nil
	}
	if n == 0 && ctx.Err() != nil {
		c.forget(cl)
		return ctx.Err()
	}
	terr := transportError(err, "send request")
	if ctx.Err() != nil {
		terr = transportError(ctx.Err(), "request cancelled after %d of %d bytes were sent", n, len(frame))
	}
	c.fail(terr)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// errClosedByBroker is the cause when the broker ends the stream.
var errClosedByBroker = errors.New("the broker closed the connection")
