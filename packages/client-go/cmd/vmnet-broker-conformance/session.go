// SPDX-License-Identifier: Apache-2.0

//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	vmnetbroker "github.com/vmnet-broker/vmnet-broker/packages/client-go"
	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/arpprobe"
)

// opTimeout bounds every call, so the program never hangs; the broker
// going away is reported long before this as code 1.
const opTimeout = 60 * time.Second

type command struct {
	Op         string `json:"op"`
	Network    string `json:"network"`
	VnetHeader bool   `json:"vnet_header"`
	Queues     int    `json:"queues"`
	Holder     string `json:"holder"`
	Named      bool   `json:"named"`
	VhostNet   bool   `json:"vhost_net"`
	Count      int    `json:"count"`
	MAC        string `json:"mac"`
	WaitMs     *int   `json:"wait_ms"`
	Type       string `json:"type"`
}

// waitOr is the command's wait_ms, or fallback when it has none.
func (c command) waitOr(fallback time.Duration) time.Duration {
	if c.WaitMs == nil {
		return fallback
	}
	return time.Duration(*c.WaitMs) * time.Millisecond
}

// result is one output line: {"ok": true, ...} or {"ok": false, "code", "message"}.
type result map[string]any

func success(fields result) result {
	if fields == nil {
		fields = result{}
	}
	fields["ok"] = true
	return fields
}

func failure(code int, message string) result {
	return result{"ok": false, "code": code, "message": message}
}

// failureOf maps an error to the shared codes; anything that is not a
// broker error is an internal error (7).
func failureOf(err error) result {
	var e *vmnetbroker.Error
	if errors.As(err, &e) {
		return failure(int(e.Code), err.Error())
	}
	return failure(int(vmnetbroker.CodeInternal), err.Error())
}

type session struct {
	out      *json.Encoder
	client   *vmnetbroker.Client
	networks map[string]*vmnetbroker.Network
	// taps keeps every opened TAP's files open until close_taps or the
	// program's end (not close: an interface-held TAP outlives the connection).
	taps     []*vmnetbroker.Interface
	lastTap  *vmnetbroker.Interface
	lastVnet bool
	events   *vmnetbroker.EventStream
}

func (s *session) run(cmd command) result {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if needsConnection[cmd.Op] && s.client == nil {
		return failure(int(vmnetbroker.CodeTransportFailure), cmd.Op+": not connected")
	}
	switch cmd.Op {
	case "connect":
		s.closeClient()
		c, err := vmnetbroker.Dial(ctx)
		if err != nil {
			return failureOf(err)
		}
		s.client, s.networks = c, map[string]*vmnetbroker.Network{}
		return success(nil)
	case "hello":
		h, err := s.client.Hello(ctx)
		if err != nil {
			return failureOf(err)
		}
		return success(result{"protocol_version": h.ProtocolVersion, "broker_version": h.BrokerVersion, "platform": h.Platform})
	case "acquire":
		n, err := s.client.AcquireNetwork(ctx, cmd.Network)
		if err != nil {
			return failureOf(err)
		}
		s.networks[n.Name] = n
		return success(result{"network": networkJSON(n)})
	case "status":
		st, err := s.client.Status(ctx)
		if err != nil {
			return failureOf(err)
		}
		nets := []result{}
		for _, ns := range st.Networks {
			nets = append(nets, result{"name": ns.Network.Name, "references": ns.References})
		}
		return success(result{"networks": nets, "peers": len(st.Peers)})
	case "open_tap":
		return s.openTAP(ctx, cmd)
	case "tap_probe":
		return s.tapProbe(ctx)
	case "close_taps":
		return s.closeTAPs()
	case "pipeline":
		return s.pipeline(ctx, cmd)
	case "wait_lease":
		return s.waitLease(cmd)
	case "subscribe":
		events, err := s.client.Events(ctx)
		if err != nil {
			return failureOf(err)
		}
		s.events = events
		return success(result{"next_sequence": events.NextSequence})
	case "next_event":
		return s.nextEvent(cmd)
	case "close":
		s.closeClient()
		return success(nil)
	case "exit":
		// The kernel closes the socket: the broker sees the process die.
		os.Exit(0)
	}
	return failure(int(vmnetbroker.CodeInvalidRequest), fmt.Sprintf("unknown op %q", cmd.Op))
}

// needsConnection lists the ops that use the connection.
var needsConnection = map[string]bool{
	"hello": true, "acquire": true, "status": true, "open_tap": true, "tap_probe": true, "pipeline": true,
	"wait_lease": true, "subscribe": true,
}

// waitLease turns wait_ms into the context deadline WaitForLease reads.
func (s *session) waitLease(cmd command) result {
	ctx, cancel := context.WithTimeout(context.Background(), cmd.waitOr(0))
	defer cancel()
	lease, err := s.client.WaitForLease(ctx, cmd.Network, cmd.MAC)
	if err != nil {
		return failureOf(err)
	}
	return success(result{"lease": result{"ip": lease.IP, "mac": lease.MAC, "network": lease.Network}})
}

// nextEvent skips events of another type until wait_ms (default 10 s) runs out.
func (s *session) nextEvent(cmd command) result {
	if s.events == nil {
		return failure(int(vmnetbroker.CodeInvalidRequest), "next_event before subscribe")
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmd.waitOr(10*time.Second))
	defer cancel()
	for {
		event, err := s.events.Next(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			return failure(int(vmnetbroker.CodeNotFound), "no "+cmd.Type+" event within the wait")
		}
		if err != nil {
			return failureOf(err)
		}
		if cmd.Type != "" && string(event.Type) != cmd.Type {
			continue
		}
		out := result{"type": event.Type, "network": event.Network, "sequence": event.Sequence}
		if event.Lease != nil {
			out["lease"] = result{"ip": event.Lease.IP, "mac": event.Lease.MAC}
		}
		return success(out)
	}
}

func networkJSON(n *vmnetbroker.Network) result {
	gateway := ""
	if n.Gateway.IsValid() {
		gateway = n.Gateway.String()
	}
	subnet := ""
	if n.Subnet.IsValid() {
		subnet = n.Subnet.Addr().String()
	}
	return result{
		"name": n.Name, "mode": n.Mode.String(), "subnet": subnet, "mask": n.Mask(),
		"gateway": gateway, "mtu": n.MTU, "bridge": n.Bridge,
	}
}

var holders = map[string]vmnetbroker.Holder{
	"": vmnetbroker.HolderConnection, "connection": vmnetbroker.HolderConnection, "interface": vmnetbroker.HolderInterface,
}

func (s *session) openTAP(ctx context.Context, cmd command) result {
	holder, ok := holders[cmd.Holder]
	if !ok {
		return failure(int(vmnetbroker.CodeInvalidRequest), fmt.Sprintf("open_tap: holder %q is not connection or interface", cmd.Holder))
	}
	opts := vmnetbroker.TAPOptions{VnetHeader: cmd.VnetHeader, Queues: cmd.Queues, Named: cmd.Named, VhostNet: cmd.VhostNet}
	iface, err := s.client.OpenTAP(ctx, cmd.Network, opts, vmnetbroker.WithHolder(holder))
	if err != nil {
		return failureOf(err)
	}
	s.taps = append(s.taps, iface)
	s.lastTap, s.lastVnet = iface, cmd.VnetHeader
	guestMAC := ""
	if iface.GuestMAC != nil {
		guestMAC = iface.GuestMAC.String()
	}
	return success(result{
		"name": iface.Name, "fds": len(iface.Files), "vhost_fds": len(iface.VhostFiles),
		"holder": iface.Holder.String(), "guest_mac": guestMAC,
	})
}

// closeTAPs closes every TAP file this program holds.
func (s *session) closeTAPs() result {
	closed := 0
	for _, t := range s.taps {
		closed += len(t.Files) + len(t.VhostFiles)
		_ = t.Close()
	}
	s.taps, s.lastTap = nil, nil
	return success(result{"closed": closed})
}

func (s *session) tapProbe(ctx context.Context) result {
	if s.lastTap == nil || len(s.lastTap.Files) == 0 {
		return failure(int(vmnetbroker.CodeInternal), "tap_probe: no TAP was opened")
	}
	n := s.networks[s.lastTap.Network]
	if n == nil {
		return failure(int(vmnetbroker.CodeInternal), "tap_probe: the TAP's network "+s.lastTap.Network+" was not acquired here")
	}
	probeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := arpprobe.Probe(probeCtx, s.lastTap.Files[0], n.Subnet, n.Gateway, s.lastVnet); err != nil {
		return failure(int(vmnetbroker.CodeInternal), "tap_probe: "+err.Error())
	}
	return success(result{"reply_from": n.Gateway.String()})
}

// pipeline puts count acquires on the wire at once: each goroutine's
// request is written as soon as it is made, and the client's reader hands
// every reply to the request with its id (a reply whose id matches no
// request fails with code 2). Each reply must name the network asked for.
func (s *session) pipeline(ctx context.Context, cmd command) result {
	if cmd.Count <= 0 {
		return failure(int(vmnetbroker.CodeInvalidRequest), "pipeline: count must be positive")
	}
	var wg sync.WaitGroup
	errs := make([]error, cmd.Count)
	got := make([]*vmnetbroker.Network, cmd.Count)
	for i := range cmd.Count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.client.AcquireNetwork(ctx, cmd.Network)
			if err == nil && n.Name != cmd.Network {
				err = &vmnetbroker.Error{Code: vmnetbroker.CodeInvalidReply, Message: fmt.Sprintf("asked for %s, got %s", cmd.Network, n.Name)}
			}
			got[i], errs[i] = n, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return failureOf(err)
		}
		s.networks[got[i].Name] = got[i]
	}
	return success(result{"replies": cmd.Count})
}

// closeClient closes the connection, releasing what it holds; the TAP files
// stay open.
func (s *session) closeClient() {
	if s.events != nil {
		_ = s.events.Close()
		s.events = nil
	}
	if s.client != nil {
		_ = s.client.Close()
		s.client = nil
	}
}
