// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// safety bounds a test that would otherwise hang on a bug; it is a limit,
// never an assertion about speed.
const safety = 10 * time.Second

func dialFake(t *testing.T, handler fakeHandler) (*Client, *fakeBroker) {
	t.Helper()
	b, err := startFakeBroker(t.TempDir(), handler)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	c, err := Dial(ctx, WithSocketPath(b.path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	// Let the fake accept, so descriptor counts taken now are stable.
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.conns) == 1 })
	return c, b
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	t.Cleanup(cancel)
	return ctx
}

// openFds counts this process's open descriptors, to prove nothing leaks.
func openFds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}

// expectFds waits until the process holds no more than want descriptors
// again: the fake broker, in this process, closes its copies just after
// sending. Fewer is fine: a garbage-collected *os.File of an earlier test may
// be closed by its finalizer at any moment, so the count can drop under us.
func expectFds(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for {
		got := openFds(t)
		if got <= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("descriptors leaked: %d before, %d after", want, got)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAcquireAndNotFound(t *testing.T) {
	c, _ := dialFake(t, nil)
	ctx := testCtx(t)
	n, err := c.AcquireNetwork(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "shared" || n.Mode != ModeShared || n.Subnet.String() != "192.168.105.0/24" ||
		n.Mask() != "255.255.255.0" || n.Gateway.String() != "192.168.105.1" || n.MTU != 1500 {
		t.Fatalf("unexpected network %+v", n)
	}
	_, err = c.AcquireNetwork(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrInternal) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNotFound || !strings.Contains(e.Message, "nope") {
		t.Fatalf("want *Error with the broker's message, got %#v", err)
	}
	// The connection stays usable after an error reply.
	if _, err := c.AcquireNetwork(ctx, "host"); err != nil {
		t.Fatal(err)
	}
}

func TestHelloAndStatus(t *testing.T) {
	c, _ := dialFake(t, nil)
	h, err := c.Hello(testCtx(t))
	if err != nil || h.ProtocolVersion != 1 || h.Platform != "linux" {
		t.Fatalf("hello: %+v, %v", h, err)
	}
	s, err := c.Status(testCtx(t))
	if err != nil || len(s.Networks) != 1 || s.Networks[0].References != 1 || s.Counters.Acquires != 1 {
		t.Fatalf("status: %+v, %v", s, err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	c, _ := dialFake(t, nil)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"shared", "host", "missing"}[i%3]
			n, err := c.AcquireNetwork(ctx, name)
			switch {
			case name == "missing" && !errors.Is(err, ErrNotFound):
				errs <- fmt.Errorf("%s: want not found, got %v", name, err)
			case name != "missing" && (err != nil || n.Name != name):
				errs <- fmt.Errorf("%s: got %+v, %v", name, n, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A broker that answers out of order still gets each reply to its caller,
// because dispatch goes by id.
func TestRepliesDispatchedById(t *testing.T) {
	var mu sync.Mutex
	var held []*brokerpb.Request
	release := make(chan []*brokerpb.Reply, 1)
	c, b := dialFake(t, func(req *brokerpb.Request, _ []int) (*brokerpb.Reply, []int) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, req)
		if len(held) < 2 {
			return nil, nil
		}
		// Answer both, newest first: the second in the return value, the
		// first through the channel below.
		first, _ := fakeDefaultHandler(held[0], nil)
		release <- []*brokerpb.Reply{first}
		r, _ := fakeDefaultHandler(held[1], nil)
		return r, nil
	})
	_ = b
	ctx := testCtx(t)
	results := make(chan string, 2)
	for _, name := range []string{"shared", "host"} {
		go func() {
			n, err := c.AcquireNetwork(ctx, name)
			if err != nil {
				results <- "error " + err.Error()
				return
			}
			results <- name + "=" + n.Name
		}()
		// Make the order of the two requests deterministic.
		waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(held) >= 1 })
	}
	// The second reply went out; now send the first one late, on the same
	// connection, by writing it through the raw socket of the fake.
	late := <-release
	if got := <-results; got != "host=host" {
		t.Fatalf("the second request's reply, sent first, reached: %s", got)
	}
	sendRawToAll(t, b, late[0])
	if got := <-results; got != "shared=shared" {
		t.Fatalf("the first request's reply, sent last, reached: %s", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within the safety limit")
		}
		time.Sleep(time.Millisecond)
	}
}

func sendRawToAll(t *testing.T, b *fakeBroker, r *brokerpb.Reply) {
	t.Helper()
	payload, err := proto.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for conn := range b.conns {
		if _, err := writeFrame(context.Background(), conn, appendFrame(nil, payload), nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBrokerGoneFailsPendingAndLaterCalls(t *testing.T) {
	started := make(chan struct{}, 8)
	c, b := dialFake(t, func(req *brokerpb.Request, _ []int) (*brokerpb.Reply, []int) {
		started <- struct{}{}
		return nil, nil // never answer
	})
	ctx := testCtx(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() { _, err := c.AcquireNetwork(ctx, "shared"); errs <- err }()
	}
	for range 3 {
		<-started
	}
	b.dropConnections()
	for range 3 {
		err := <-errs
		if !errors.Is(err, ErrTransportFailure) || ctx.Err() != nil {
			t.Fatalf("pending call: want ErrTransportFailure, got %v", err)
		}
	}
	_, err := c.Status(ctx)
	if !errors.Is(err, ErrTransportFailure) || !errors.Is(err, errClosedByBroker) {
		t.Fatalf("later call: want ErrTransportFailure wrapping the cause, got %v", err)
	}
}

func TestContextCancelLeavesConnectionUsable(t *testing.T) {
	var mu sync.Mutex
	var stalled *brokerpb.Request
	c, b := dialFake(t, func(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int) {
		mu.Lock()
		defer mu.Unlock()
		if req.GetAcquire().GetNetworkName() == "stall" {
			stalled = req
			return nil, nil
		}
		return fakeDefaultHandler(req, fds)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.AcquireNetwork(ctx, "stall"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want DeadlineExceeded, got %v", err)
	}
	// The stalled request's reply arrives late and must be discarded, and a
	// TAP reply for an abandoned call must not leak its descriptors.
	mu.Lock()
	late := fakeError(stalled.GetId(), brokerpb.ErrorCode_ERROR_CODE_NOT_FOUND, "late")
	mu.Unlock()
	sendRawToAll(t, b, late)
	if _, err := c.AcquireNetwork(testCtx(t), "shared"); err != nil {
		t.Fatalf("connection unusable after a cancelled call: %v", err)
	}
	// A cancelled context fails before anything is sent.
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := c.Hello(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("want Canceled, got %v", err)
	}
}

func TestOpenTAPDeliversDescriptors(t *testing.T) {
	c, _ := dialFake(t, nil)
	before := openFds(t)
	iface, err := c.OpenTAP(testCtx(t), "shared", TAPOptions{Queues: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(iface.Files) != 3 || iface.Kind != InterfaceTAP || iface.MAC.String() != "02:00:00:00:00:01" {
		t.Fatalf("unexpected interface %+v", iface)
	}
	for _, f := range iface.Files {
		_ = f.SetReadDeadline(time.Now().Add(safety))
		buf := make([]byte, 16)
		n, err := f.Read(buf)
		if err != nil || string(buf[:n]) != "queue" {
			t.Fatalf("descriptor %s does not carry the fake's data: %q %v", f.Name(), buf[:n], err)
		}
	}
	if err := iface.Close(); err != nil {
		t.Fatal(err)
	}
	expectFds(t, before)
}

func TestFdCountMismatchIsInvalidReplyWithoutLeak(t *testing.T) {
	c, _ := dialFake(t, func(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int) {
		r, out := fakeDefaultHandler(req, fds)
		if i := r.GetInterface(); i != nil {
			i.FdCount++ // declare one more than sent
		}
		return r, out
	})
	before := openFds(t)
	_, err := c.OpenTAP(testCtx(t), "shared", TAPOptions{Queues: 2})
	if !errors.Is(err, ErrInvalidReply) || !strings.Contains(err.Error(), "fd_count") {
		t.Fatalf("want ErrInvalidReply about fd_count, got %v", err)
	}
	expectFds(t, before)
}

func TestDescriptorsOnNonInterfaceReplyAreRejected(t *testing.T) {
	c, _ := dialFake(t, func(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int) {
		r, _ := fakeDefaultHandler(req, fds)
		var p [2]int
		_ = pipeCloexec(p[:])
		_ = syscall.Close(p[1])
		return r, []int{p[0]}
	})
	before := openFds(t)
	if _, err := c.AcquireNetwork(testCtx(t), "shared"); !errors.Is(err, ErrInvalidReply) {
		t.Fatalf("want ErrInvalidReply, got %v", err)
	}
	expectFds(t, before)
}

func TestOpenVethSendsTheNamespaceDescriptor(t *testing.T) {
	var gotIno atomic.Uint64
	c, _ := dialFake(t, func(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int) {
		if len(fds) == 1 {
			var st syscall.Stat_t
			if syscall.Fstat(fds[0], &st) == nil {
				gotIno.Store(st.Ino)
			}
		}
		return fakeDefaultHandler(req, fds)
	})
	f, err := os.Open(filepath.Join(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	iface, err := c.OpenVeth(testCtx(t), "shared", f, "eth1")
	if err != nil {
		t.Fatal(err)
	}
	if iface.Kind != InterfaceVeth || iface.PeerIfname != "eth1" || len(iface.Files) != 0 {
		t.Fatalf("unexpected interface %+v", iface)
	}
	if gotIno.Load() != fi.Sys().(*syscall.Stat_t).Ino {
		t.Fatalf("the broker received another file (inode %d)", gotIno.Load())
	}
}

// rawBroker accepts one connection and hands it to serve, for replies no
// well-behaved broker would send.
func rawBroker(t *testing.T, serve func(conn *net.UnixConn)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raw.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		defer conn.Close()
		serve(conn)
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return path
}

// readOneCall answers Dial's hello as a broker would and returns the next
// request.
func readOneCall(conn *net.UnixConn) (*brokerpb.Request, error) {
	for {
		req, err := readOneRequest(conn)
		if err != nil || req.GetHello() == nil {
			return req, err
		}
		p, _ := proto.Marshal(&brokerpb.Reply{Id: req.GetId(), Result: &brokerpb.Reply_Hello{Hello: &brokerpb.HelloReply{}}})
		if _, err := conn.Write(appendFrame(nil, p)); err != nil {
			return nil, err
		}
	}
}

func readOneRequest(conn *net.UnixConn) (*brokerpb.Request, error) {
	var hdr [4]byte
	if _, err := ioReadFull(conn, hdr[:]); err != nil {
		return nil, err
	}
	payload := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := ioReadFull(conn, payload); err != nil {
		return nil, err
	}
	req := &brokerpb.Request{}
	return req, proto.Unmarshal(payload, req)
}

func ioReadFull(conn *net.UnixConn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := conn.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func TestMisbehavingBrokers(t *testing.T) {
	cases := []struct {
		name  string
		reply func(req *brokerpb.Request) []byte
		want  *Error
		text  string
	}{
		{"oversized header", func(*brokerpb.Request) []byte {
			return binary.BigEndian.AppendUint32(nil, MaxReplyPayload+1)
		}, ErrInvalidReply, "above the limit"},
		{"undecodable payload", func(*brokerpb.Request) []byte {
			return appendFrame(nil, []byte{0xff, 0xff, 0xff})
		}, ErrInvalidReply, "decode reply"},
		{"unknown id", func(req *brokerpb.Request) []byte {
			p, _ := proto.Marshal(&brokerpb.Reply{Id: req.GetId() + 100, Result: &brokerpb.Reply_Network{Network: fakeNetwork("shared")}})
			return appendFrame(nil, p)
		}, ErrInvalidReply, "answers no pending request"},
		{"wrong result type", func(req *brokerpb.Request) []byte {
			p, _ := proto.Marshal(&brokerpb.Reply{Id: req.GetId(), Result: &brokerpb.Reply_Hello{Hello: &brokerpb.HelloReply{}}})
			return appendFrame(nil, p)
		}, ErrInvalidReply, "expected a network result"},
		{"error with code 0", func(req *brokerpb.Request) []byte {
			p, _ := proto.Marshal(fakeError(req.GetId(), brokerpb.ErrorCode_ERROR_CODE_SUCCESS, "odd"))
			return appendFrame(nil, p)
		}, ErrInvalidReply, "code 0"},
		{"id 0 goes to the oldest request", func(req *brokerpb.Request) []byte {
			p, _ := proto.Marshal(fakeError(0, brokerpb.ErrorCode_ERROR_CODE_INVALID_REQUEST, "could not read id"))
			return appendFrame(nil, p)
		}, ErrInvalidRequest, "could not read id"},
		{"bad mask", func(req *brokerpb.Request) []byte {
			n := fakeNetwork("shared")
			n.Mask = "255.0.255.0"
			p, _ := proto.Marshal(&brokerpb.Reply{Id: req.GetId(), Result: &brokerpb.Reply_Network{Network: n}})
			return appendFrame(nil, p)
		}, ErrInvalidReply, "not contiguous"},
		{"closed mid-frame", func(*brokerpb.Request) []byte {
			return []byte{0, 0, 0, 9, 1, 2}
		}, ErrTransportFailure, "inside a reply"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := rawBroker(t, func(conn *net.UnixConn) {
				req, err := readOneCall(conn)
				if err != nil {
					return
				}
				_, _ = conn.Write(tc.reply(req))
				// Then close, so a client that waited for more sees EOF.
			})
			c, err := Dial(testCtx(t), WithSocketPath(path))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.AcquireNetwork(testCtx(t), "shared")
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("want %v mentioning %q, got %v", tc.want, tc.text, err)
			}
		})
	}
}

func TestDialFailureIsTransportFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.sock")
	_, err := Dial(testCtx(t), WithSocketPath(path))
	if !errors.Is(err, ErrTransportFailure) || !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), path) {
		t.Fatalf("want ErrTransportFailure wrapping ENOENT naming %s, got %v", path, err)
	}
}

func TestSocketPathFromEnvironment(t *testing.T) {
	t.Setenv(SocketEnv, "/tmp/from-env.sock")
	if got := resolveOptions(nil).socketPath; got != "/tmp/from-env.sock" {
		t.Fatalf("got %s", got)
	}
	t.Setenv(SocketEnv, "")
	if got := resolveOptions(nil).socketPath; got != DefaultSocketPath {
		t.Fatalf("got %s", got)
	}
	if got := resolveOptions([]Option{WithSocketPath("/x")}).socketPath; got != "/x" {
		t.Fatalf("got %s", got)
	}
}

func TestOversizedRequestIsRejectedLocally(t *testing.T) {
	c, _ := dialFake(t, nil)
	_, err := c.AcquireNetwork(testCtx(t), strings.Repeat("x", MaxRequestPayload))
	if !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("want ErrInvalidRequest, got %v", err)
	}
	if _, err := c.AcquireNetwork(testCtx(t), "shared"); err != nil {
		t.Fatalf("connection unusable after a local rejection: %v", err)
	}
}

func TestCloseFailsLaterCalls(t *testing.T) {
	c, _ := dialFake(t, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.Close() // idempotent
	if _, err := c.Hello(testCtx(t)); !errors.Is(err, ErrTransportFailure) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("want ErrTransportFailure wrapping net.ErrClosed, got %v", err)
	}
}

func TestErrorIs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &Error{Code: CodeLimitExceeded, Message: "9 networks"})
	if !errors.Is(err, ErrLimitExceeded) || errors.Is(err, ErrNotFound) {
		t.Fatal("errors.Is does not match by code")
	}
	sentinels := []*Error{ErrTransportFailure, ErrInvalidReply, ErrNotAllowed, ErrInvalidRequest,
		ErrNotFound, ErrCreateFailure, ErrInternal, ErrLimitExceeded, ErrUnsupported}
	for i, s := range sentinels {
		if int(s.Code) != i+1 || strings.Contains(s.Code.String(), "unknown") {
			t.Fatalf("sentinel %d has code %d (%s)", i, s.Code, s.Code)
		}
		if _, ok := brokerpb.ErrorCode_name[int32(s.Code)]; !ok {
			t.Fatalf("code %d is not in the .proto", s.Code)
		}
	}
	if len(brokerpb.ErrorCode_name) != len(sentinels)+1 {
		t.Fatalf("the .proto has %d codes; a sentinel is missing", len(brokerpb.ErrorCode_name))
	}
	if got := (&Error{Code: 42}).Error(); !strings.Contains(got, "unknown code 42") {
		t.Fatalf("got %q", got)
	}
}

// A broker that stops reading: the socket buffer fills, writes block, and
// calls must still return when their context ends (no hang), either with
// the context's error (nothing of the frame went out) or with a transport
// failure (a cut frame broke the stream).
func TestBlockedWriteHonoursContext(t *testing.T) {
	hold := make(chan struct{})
	path := rawBroker(t, func(conn *net.UnixConn) { <-hold })
	defer close(hold)
	c, err := Dial(testCtx(t), WithSocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := strings.Repeat("x", MaxRequestPayload-64)
	results := make(chan error, 16)
	for range 16 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := c.AcquireNetwork(ctx, big)
			results <- err
		}()
	}
	for range 16 {
		select {
		case err := <-results:
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrTransportFailure) {
				t.Fatalf("want a deadline or a transport failure, got %v", err)
			}
		case <-time.After(safety):
			t.Fatal("a call blocked in write did not honour its context")
		}
	}
}

// Dial names the client in a hello, the first request the broker sees.
func TestDialSaysHelloFirst(t *testing.T) {
	c, b := dialFake(t, nil)
	if _, err := c.AcquireNetwork(testCtx(t), "shared"); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.hellos) != 1 || b.hellos[0].GetClientName() != ClientName || b.hellos[0].GetClientVersion() != ClientVersion {
		t.Fatalf("hellos %v; want one, from %s %s", b.hellos, ClientName, ClientVersion)
	}
}

// Dial does not wait for the hello's answer: a broker that never gives one
// still answers the next call.
func TestDialDoesNotWaitForHello(t *testing.T) {
	path := rawBroker(t, func(conn *net.UnixConn) {
		if req, err := readOneRequest(conn); err != nil || req.GetHello() == nil {
			return
		}
		req, err := readOneRequest(conn)
		if err != nil {
			return
		}
		reply, _ := fakeDefaultHandler(req, nil)
		p, _ := proto.Marshal(reply)
		_, _ = conn.Write(appendFrame(nil, p))
	})
	c, err := Dial(testCtx(t), WithSocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AcquireNetwork(testCtx(t), "shared"); err != nil {
		t.Fatal(err)
	}
}
