// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

// An in-process stand-in for the broker, speaking the real wire protocol on a
// real Unix socket. It exists for unit tests of the client's own logic and
// for the runnable examples only; integration_test.go runs the real daemon.

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// fakeHandler answers one request; the returned descriptors are sent with
// the reply and then closed by the fake.
type fakeHandler func(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int)

type fakeBroker struct {
	path    string
	ln      *net.UnixListener
	handler fakeHandler
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[*net.UnixConn]bool
	// hellos holds the hello each connection opened with; the fake answers
	// it itself, so handlers see only the calls a test makes.
	hellos []*brokerpb.HelloRequest
}

func startFakeBroker(dir string, handler fakeHandler) (*fakeBroker, error) {
	if handler == nil {
		handler = fakeDefaultHandler
	}
	path := filepath.Join(dir, "fake-broker.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	b := &fakeBroker{path: path, ln: ln, handler: handler, conns: map[*net.UnixConn]bool{}}
	b.wg.Add(1)
	go b.acceptLoop()
	return b, nil
}

func (b *fakeBroker) acceptLoop() {
	defer b.wg.Done()
	for {
		conn, err := b.ln.AcceptUnix()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns[conn] = true
		b.mu.Unlock()
		b.wg.Add(1)
		go b.serve(conn)
	}
}

// Close stops listening, drops every connection and waits for them.
func (b *fakeBroker) Close() {
	_ = b.ln.Close()
	b.dropConnections()
	b.wg.Wait()
}

// dropConnections closes every client connection, as a dying broker would.
func (b *fakeBroker) dropConnections() {
	b.mu.Lock()
	for c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
}

func (b *fakeBroker) serve(conn *net.UnixConn) {
	defer b.wg.Done()
	defer conn.Close()
	dec := newFrameDecoder(MaxRequestPayload)
	first := true
	buf := make([]byte, 64*1024)
	oob := make([]byte, syscall.CmsgSpace(maxFdsPerMessage*4))
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		fds, _ := parseRights(oob[:oobn])
		if err != nil || (n == 0 && oobn == 0) {
			closeFds(fds)
			closeFds(dec.takeFds())
			return
		}
		frames, ferr := dec.feed(buf[:n], fds)
		if ferr != nil {
			closeFds(fds)
			closeFds(dec.takeFds())
			return
		}
		for _, f := range frames {
			req := &brokerpb.Request{}
			var reply *brokerpb.Reply
			var out []int
			greeting := first
			first = false
			if proto.Unmarshal(f.payload, req) != nil {
				reply = fakeError(0, brokerpb.ErrorCode_ERROR_CODE_INVALID_REQUEST, "undecodable request")
			} else if greeting && req.GetHello() != nil {
				b.mu.Lock()
				b.hellos = append(b.hellos, req.GetHello())
				b.mu.Unlock()
				reply, out = fakeDefaultHandler(req, f.fds)
			} else {
				reply, out = b.handler(req, f.fds)
			}
			closeFds(f.fds)
			if reply == nil {
				continue
			}
			payload, _ := proto.Marshal(reply)
			_, werr := writeFrame(context.Background(), conn, appendFrame(nil, payload), out)
			closeFds(out)
			if werr != nil {
				return
			}
		}
	}
}

func fakeError(id uint32, code brokerpb.ErrorCode, msg string) *brokerpb.Reply {
	return &brokerpb.Reply{Id: id, Result: &brokerpb.Reply_Error{Error: &brokerpb.Error{Code: code, Message: msg}}}
}

func fakeNetwork(name string) *brokerpb.Network {
	mode := brokerpb.NetworkMode_NETWORK_MODE_SHARED
	third := "105"
	if name == "host" {
		mode, third = brokerpb.NetworkMode_NETWORK_MODE_HOST, "106"
	}
	return &brokerpb.Network{
		Name: name, Mode: mode, Subnet: "192.168." + third + ".0", Mask: "255.255.255.0",
		Gateway: "192.168." + third + ".1", Mtu: 1500, Bridge: "vmbr-" + name, Dhcp: true, Dns: true,
	}
}

// fakeDefaultHandler behaves like a broker with "shared" and "host".
func fakeDefaultHandler(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int) {
	id := req.GetId()
	switch cmd := req.GetCommand().(type) {
	case *brokerpb.Request_Hello:
		return &brokerpb.Reply{Id: id, Result: &brokerpb.Reply_Hello{Hello: &brokerpb.HelloReply{
			ProtocolVersion: 1, BrokerVersion: "fake", Platform: "linux", Features: []string{"status", "tap"},
		}}}, nil
	case *brokerpb.Request_Acquire:
		name := cmd.Acquire.GetNetworkName()
		if name != "shared" && name != "host" {
			return fakeError(id, brokerpb.ErrorCode_ERROR_CODE_NOT_FOUND, "no network named \""+name+"\""), nil
		}
		return &brokerpb.Reply{Id: id, Result: &brokerpb.Reply_Network{Network: fakeNetwork(name)}}, nil
	case *brokerpb.Request_Status:
		return &brokerpb.Reply{Id: id, Result: &brokerpb.Reply_Status{Status: &brokerpb.Status{
			BrokerVersion: "fake", Platform: "linux", Pid: uint32(os.Getpid()),
			Networks: []*brokerpb.NetworkStatus{{Network: fakeNetwork("shared"), References: 1}},
			Peers:    []*brokerpb.PeerStatus{{Id: 1, Networks: []string{"shared"}}},
			Counters: &brokerpb.Counters{Acquires: 1},
		}}}, nil
	case *brokerpb.Request_OpenInterface:
		oi := cmd.OpenInterface
		if tap := oi.GetTap(); tap != nil {
			// Pipes stand in for TAP queues: real descriptors, checkable ends.
			queues := max(int(tap.GetQueues()), 1)
			var out []int
			for range queues {
				var p [2]int
				if err := pipeCloexec(p[:]); err != nil {
					closeFds(out)
					return fakeError(id, brokerpb.ErrorCode_ERROR_CODE_INTERNAL_ERROR, err.Error()), nil
				}
				_, _ = syscall.Write(p[1], []byte("queue"))
				_ = syscall.Close(p[1])
				out = append(out, p[0])
			}
			return &brokerpb.Reply{Id: id, Result: &brokerpb.Reply_Interface{Interface: &brokerpb.Interface{
				NetworkName: oi.GetNetworkName(), Kind: brokerpb.InterfaceKind_INTERFACE_KIND_TAP,
				Name: "vmtap0", FdCount: uint32(queues), Mac: "02:00:00:00:00:01",
			}}}, out
		}
		if len(fds) != 1 {
			return fakeError(id, brokerpb.ErrorCode_ERROR_CODE_INVALID_REQUEST, "veth needs exactly one descriptor"), nil
		}
		return &brokerpb.Reply{Id: id, Result: &brokerpb.Reply_Interface{Interface: &brokerpb.Interface{
			NetworkName: oi.GetNetworkName(), Kind: brokerpb.InterfaceKind_INTERFACE_KIND_VETH,
			Name: "vmveth0", PeerIfname: oi.GetVeth().GetIfname(),
		}}}, nil
	default:
		return fakeError(id, brokerpb.ErrorCode_ERROR_CODE_INVALID_REQUEST, "no command"), nil
	}
}

// pipeCloexec is pipe(2) with close-on-exec, on every Unix the tests run on.
func pipeCloexec(p []int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(p); err != nil {
		return err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	return nil
}
