// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

const guestMAC = "52:54:00:aa:bb:cc"

func TestWaitForLeaseSendsTheDeadlineAsTheWait(t *testing.T) {
	// The fake broker's goroutine hands the request over on a channel: the race
	// detector does not count the socket as ordering.
	seen := make(chan *brokerpb.LeaseRequest, 1)
	b, err := startFakeBroker(t.TempDir(), func(req *brokerpb.Request, _ []int) (*brokerpb.Reply, []int) {
		if req.GetLease() != nil {
			select {
			case seen <- req.GetLease():
			default:
			}
		}
		return &brokerpb.Reply{Id: req.GetId(), Result: &brokerpb.Reply_Lease{Lease: &brokerpb.Lease{
			Mac: guestMAC, Ip: "10.0.0.7", NetworkName: "shared", Ipv6: []string{"fd00::7"},
		}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := Connect(WithSocketPath(b.path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lease, err := c.WaitForLease(ctx, "shared", guestMAC)
	if err != nil {
		t.Fatal(err)
	}
	if lease.IP != "10.0.0.7" || lease.Network != "shared" || len(lease.IPv6) != 1 {
		t.Errorf("lease = %+v", lease)
	}
	got := <-seen
	if got.GetMac() != guestMAC || got.GetWaitMs() < 29_000 || got.GetWaitMs() > 30_000 {
		t.Errorf("request = %v", got)
	}
}

func TestWaitForLeaseReportsNotFound(t *testing.T) {
	b, err := startFakeBroker(t.TempDir(), func(req *brokerpb.Request, _ []int) (*brokerpb.Reply, []int) {
		if req.GetLease().GetWaitMs() != uint32(MaxLeaseWait.Milliseconds()) {
			return fakeError(req.GetId(), brokerpb.ErrorCode_ERROR_CODE_INVALID_REQUEST, "no deadline should wait the maximum"), nil
		}
		return fakeError(req.GetId(), brokerpb.ErrorCode_ERROR_CODE_NOT_FOUND, "no lease"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := Connect(WithSocketPath(b.path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.WaitForLease(context.Background(), "shared", guestMAC); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

// scriptedEvents answers every connection's subscribe request with a
// Subscription and the given events (the Client's own connection sends none).
func scriptedEvents(t *testing.T, events ...*brokerpb.Event) string {
	path := filepath.Join(t.TempDir(), "events.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			go serveEvents(conn, events)
		}
	}()
	return path
}

func serveEvents(conn *net.UnixConn, events []*brokerpb.Event) {
	defer conn.Close()
	dec := newFrameDecoder(MaxRequestPayload)
	buf := make([]byte, 4096)
	var frames []frame
	for len(frames) == 0 {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		frames, _ = dec.feed(buf[:n], nil)
	}
	req := &brokerpb.Request{}
	_ = proto.Unmarshal(frames[0].payload, req)
	send := func(r *brokerpb.Reply) {
		payload, _ := proto.Marshal(r)
		_, _ = writeFrame(context.Background(), conn, appendFrame(nil, payload), nil)
	}
	send(&brokerpb.Reply{Id: req.GetId(), Result: &brokerpb.Reply_Subscription{Subscription: &brokerpb.Subscription{NextSequence: 5}}})
	for _, e := range events {
		send(&brokerpb.Reply{Id: req.GetId(), Result: &brokerpb.Reply_Event{Event: e}})
	}
	_, _ = conn.Read(buf) // until the client closes
}

func TestEventsStreamsOnAConnectionOfItsOwn(t *testing.T) {
	path := scriptedEvents(t,
		&brokerpb.Event{Sequence: 5, TimeUnixMs: 1_700_000_000_000, Type: brokerpb.EventType_EVENT_TYPE_NETWORK_CREATED, NetworkName: "shared"},
		&brokerpb.Event{Sequence: 6, Type: brokerpb.EventType_EVENT_TYPE_LEASE_ADDED, NetworkName: "shared", Lease: &brokerpb.Lease{Mac: guestMAC, Ip: "10.0.0.7"}},
	)
	c, err := Connect(WithSocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	s, err := c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.NextSequence != 5 {
		t.Errorf("NextSequence = %d", s.NextSequence)
	}
	var seen []*Event
	for event, err := range s.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, event)
		if len(seen) == 2 {
			break
		}
	}
	if seen[0].Type != EventNetworkCreated || !seen[0].Time.Equal(time.UnixMilli(1_700_000_000_000)) {
		t.Errorf("first = %+v", seen[0])
	}
	if seen[1].Type != EventLeaseAdded || seen[1].Lease == nil || seen[1].Lease.IP != "10.0.0.7" {
		t.Errorf("second = %+v", seen[1])
	}
	// No more events: a deadline ends Next and leaves the stream usable.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next after the last event: %v", err)
	}
}
