// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// Hello exchanges protocol versions and features with the broker. Dial
// already sent the client's name; call it for the broker's answer.
func (c *Client) Hello(ctx context.Context) (*Hello, error) {
	reply, err := c.simpleRoundTrip(ctx, c.helloRequest(0))
	if err != nil {
		return nil, err
	}
	return helloResult(reply)
}

// helloRequest is the hello this client sends (id 0: roundTrip sets it).
func (c *Client) helloRequest(id uint32) *brokerpb.Request {
	return &brokerpb.Request{Id: id, Command: &brokerpb.Request_Hello{Hello: &brokerpb.HelloRequest{
		ProtocolVersion: 1, ClientName: c.clientName, ClientVersion: ClientVersion,
	}}}
}

// AcquireNetwork acquires the network by name ("shared", "host" or one
// from the broker's configuration), creating it if needed. The network is
// held until the Client closes; acquiring it again on the same Client is
// harmless. A name the broker does not know gives ErrNotFound.
func (c *Client) AcquireNetwork(ctx context.Context, name string) (*Network, error) {
	req := &brokerpb.Request{Command: &brokerpb.Request_Acquire{Acquire: &brokerpb.AcquireRequest{NetworkName: name}}}
	reply, err := c.simpleRoundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	return acquireResult(reply)
}

// Status returns the broker's whole state: networks, peers, counters.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	req := &brokerpb.Request{Command: &brokerpb.Request_Status{Status: &brokerpb.StatusRequest{}}}
	reply, err := c.simpleRoundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	return statusResult(reply)
}

// OpenTAP asks the broker for a TAP device on a network this Client has
// acquired, attached to the network's bridge. The returned Interface holds
// one file per queue; pass them to the hypervisor (QEMU -netdev tap,fd=N)
// and close them when done. The kernel removes the device when its last
// file is closed; by default the broker also removes it when this Client
// closes. With WithHolder(HolderInterface) it outlives the Client and holds
// the network until its last file (anywhere) is closed.
func (c *Client) OpenTAP(ctx context.Context, network string, opts TAPOptions, iopts ...InterfaceOption) (*Interface, error) {
	io := resolveInterfaceOptions(iopts)
	if opts.Queues < 0 || opts.Queues > maxFdsPerMessage {
		return nil, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("TAPOptions.Queues: %d is outside 0..%d", opts.Queues, maxFdsPerMessage)}
	}
	req := &brokerpb.Request{Command: &brokerpb.Request_OpenInterface{OpenInterface: &brokerpb.OpenInterfaceRequest{
		NetworkName: network,
		Kind: &brokerpb.OpenInterfaceRequest_Tap{Tap: &brokerpb.TapOptions{
			VnetHeader: opts.VnetHeader, Queues: uint32(opts.Queues), Holder: brokerpb.LeaseHolder(io.holder),
			Named: opts.Named, VhostNet: opts.VhostNet,
		}},
	}}}
	reply, fds, err := c.roundTrip(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	iface, err := interfaceResult(reply, InterfaceTAP, len(fds), io.holder)
	if err == nil {
		err = checkTAPOptions(opts, reply.GetInterface())
	}
	if err != nil {
		closeFds(fds)
		return nil, err
	}
	// The TAP queues come first, then the vhost-net descriptors.
	tapFds := fds[:reply.GetInterface().GetFdCount()]
	for i, fd := range fds[len(tapFds):] {
		iface.VhostFiles = append(iface.VhostFiles, os.NewFile(uintptr(fd), fmt.Sprintf("vhost-net:%s:%d", iface.Name, i)))
	}
	for i, fd := range tapFds {
		// Non-blocking makes the file pollable, so reads honour deadlines
		// and do not pin a thread; os/exec turns it back for a child.
		if err := syscall.SetNonblock(fd, true); err != nil {
			closeFds(fds[i:])
			_ = iface.Close()
			return nil, &Error{Code: CodeTransportFailure, Message: "fcntl(O_NONBLOCK) on a TAP descriptor", Cause: err}
		}
		iface.Files = append(iface.Files, os.NewFile(uintptr(fd), fmt.Sprintf("tap:%s:%d", iface.Name, i)))
	}
	return iface, nil
}

// OpenVeth asks the broker for a veth pair on a network this Client has
// acquired: one end joins the network's bridge, the other is moved into
// the network namespace netns (an open /proc/<pid>/ns/net or
// /run/netns/NAME) and named ifname ("" means "eth0"). By default the broker
// removes the pair when this Client closes; with WithHolder(HolderInterface)
// the pair holds the network until the namespace goes. netns may be closed
// once this returns.
func (c *Client) OpenVeth(ctx context.Context, network string, netns *os.File, ifname string, iopts ...InterfaceOption) (*Interface, error) {
	io := resolveInterfaceOptions(iopts)
	if netns == nil {
		return nil, &Error{Code: CodeInvalidRequest, Message: "OpenVeth: netns is nil"}
	}
	req := &brokerpb.Request{Command: &brokerpb.Request_OpenInterface{OpenInterface: &brokerpb.OpenInterfaceRequest{
		NetworkName: network,
		Kind: &brokerpb.OpenInterfaceRequest_Veth{Veth: &brokerpb.VethOptions{
			Ifname: ifname, Holder: brokerpb.LeaseHolder(io.holder),
		}},
	}}}
	raw, err := netns.SyscallConn()
	if err != nil {
		return nil, &Error{Code: CodeInvalidRequest, Message: "OpenVeth: netns", Cause: err}
	}
	var reply *brokerpb.Reply
	var fds []int
	var rtErr error
	// Control keeps the descriptor valid (the file cannot close under us)
	// while the frame carrying it is written.
	if cerr := raw.Control(func(fd uintptr) {
		reply, fds, rtErr = c.roundTrip(ctx, req, []int{int(fd)})
	}); cerr != nil {
		return nil, &Error{Code: CodeInvalidRequest, Message: "OpenVeth: netns", Cause: cerr}
	}
	runtime.KeepAlive(netns)
	if rtErr != nil {
		return nil, rtErr
	}
	iface, err := interfaceResult(reply, InterfaceVeth, len(fds), io.holder)
	if err != nil {
		closeFds(fds)
		return nil, err
	}
	return iface, nil
}

// simpleRoundTrip is roundTrip for replies that must carry no descriptors.
func (c *Client) simpleRoundTrip(ctx context.Context, req *brokerpb.Request) (*brokerpb.Reply, error) {
	reply, fds, err := c.roundTrip(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	if err := checkFdsAllowed(reply, len(fds)); err != nil {
		closeFds(fds)
		return nil, err
	}
	closeFds(fds)
	return reply, nil
}
