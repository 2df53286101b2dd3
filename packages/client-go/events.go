// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"context"
	"errors"
	"iter"
	"net"
	"os"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// EventType says what happened, named as `vmnet-broker events` prints it.
type EventType string

// The event types.
const (
	EventNetworkCreated   EventType = "network-created"
	EventNetworkRemoved   EventType = "network-removed"
	EventInterfaceOpened  EventType = "interface-opened"
	EventInterfaceRemoved EventType = "interface-removed"
	EventLeaseAdded       EventType = "lease-added"
	EventLeaseRenewed     EventType = "lease-renewed"
	EventLeaseExpired     EventType = "lease-expired"
	EventPeerConnected    EventType = "peer-connected"
	EventPeerGone         EventType = "peer-gone"
	EventUnknown          EventType = "unknown"
)

var eventTypes = map[brokerpb.EventType]EventType{
	brokerpb.EventType_EVENT_TYPE_NETWORK_CREATED:   EventNetworkCreated,
	brokerpb.EventType_EVENT_TYPE_NETWORK_REMOVED:   EventNetworkRemoved,
	brokerpb.EventType_EVENT_TYPE_INTERFACE_OPENED:  EventInterfaceOpened,
	brokerpb.EventType_EVENT_TYPE_INTERFACE_REMOVED: EventInterfaceRemoved,
	brokerpb.EventType_EVENT_TYPE_LEASE_ADDED:       EventLeaseAdded,
	brokerpb.EventType_EVENT_TYPE_LEASE_RENEWED:     EventLeaseRenewed,
	brokerpb.EventType_EVENT_TYPE_LEASE_EXPIRED:     EventLeaseExpired,
	brokerpb.EventType_EVENT_TYPE_PEER_CONNECTED:    EventPeerConnected,
	brokerpb.EventType_EVENT_TYPE_PEER_GONE:         EventPeerGone,
}

// Event is one thing that happened in the broker, as far as this user may
// see it.
type Event struct {
	// Sequence increases by one per broker event; a gap means events this
	// user may not see.
	Sequence  uint64
	Time      time.Time
	Type      EventType
	Network   string
	Interface string
	// Lease is set for lease events.
	Lease  *Lease
	PeerID uint64
	UID    uint32
}

// subscribeID is the request id of the one request an event connection sends.
const subscribeID = 1

// EventStream is a connection of its own that the broker turned into a
// stream of events. Close it to end the subscription. A reader that falls
// too far behind is disconnected by the broker (Next then fails with
// ErrTransportFailure).
type EventStream struct {
	conn *net.UnixConn
	dec  *frameDecoder
	// ready holds frames decoded but not yet returned.
	ready []frame
	// NextSequence is the sequence number the first event carries.
	NextSequence uint64
}

// Events subscribes on a new connection to the same socket (this Client
// stays usable) and returns once the broker confirmed the subscription.
func (c *Client) Events(ctx context.Context) (*EventStream, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.socketPath)
	if err != nil {
		return nil, transportError(err, "connect to the broker at %s", c.socketPath)
	}
	s := &EventStream{conn: conn.(*net.UnixConn), dec: newFrameDecoder(MaxReplyPayload)}
	payload, err := proto.Marshal(&brokerpb.Request{Id: subscribeID, Command: &brokerpb.Request_Subscribe{Subscribe: &brokerpb.SubscribeRequest{}}})
	if err == nil {
		_, err = writeFrame(ctx, s.conn, appendFrame(nil, payload), nil)
	}
	if err != nil {
		s.Close()
		return nil, transportError(err, "send subscribe")
	}
	reply, err := s.nextReply(ctx)
	if err == nil {
		err = brokerError(reply)
	}
	if err == nil {
		sub, ok := reply.GetResult().(*brokerpb.Reply_Subscription)
		if !ok {
			err = unexpected("subscribe", "subscription", reply)
		} else {
			s.NextSequence = sub.Subscription.GetNextSequence()
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Next waits for the next event. A cancelled ctx returns its error and
// leaves the stream usable.
func (s *EventStream) Next(ctx context.Context) (*Event, error) {
	reply, err := s.nextReply(ctx)
	if err != nil {
		return nil, err
	}
	res, ok := reply.GetResult().(*brokerpb.Reply_Event)
	if !ok || reply.GetId() != subscribeID {
		return nil, unexpected("subscribe", "event", reply)
	}
	return eventFromProto(res.Event), nil
}

// All yields every event until ctx ends, the stream fails (the error is
// yielded last), or the loop breaks; it does not close the stream.
func (s *EventStream) All(ctx context.Context) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		for {
			event, err := s.Next(ctx)
			if !yield(event, err) || err != nil {
				return
			}
		}
	}
}

// Close closes the connection, which ends the subscription.
func (s *EventStream) Close() error {
	return s.conn.Close()
}

func (s *EventStream) nextReply(ctx context.Context) (*brokerpb.Reply, error) {
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = s.conn.SetReadDeadline(longAgo)
		close(interrupted)
	})
	defer func() {
		if !stop() {
			<-interrupted
			_ = s.conn.SetReadDeadline(time.Time{})
		}
	}()
	buf := make([]byte, 64*1024)
	for len(s.ready) == 0 {
		n, err := s.conn.Read(buf)
		if n > 0 {
			frames, ferr := s.dec.feed(buf[:n], nil)
			if ferr != nil {
				return nil, invalidReply("%v", ferr)
			}
			s.ready = append(s.ready, frames...)
		}
		if err != nil && len(s.ready) == 0 {
			if ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, ctx.Err()
			}
			return nil, readError(err, s.dec.pending())
		}
	}
	f := s.ready[0]
	s.ready = s.ready[1:]
	closeFds(f.fds)
	return decodeReply(f.payload)
}

func eventFromProto(p *brokerpb.Event) *Event {
	kind, ok := eventTypes[p.GetType()]
	if !ok {
		kind = EventUnknown
	}
	event := &Event{
		Sequence:  p.GetSequence(),
		Time:      time.UnixMilli(p.GetTimeUnixMs()),
		Type:      kind,
		Network:   p.GetNetworkName(),
		Interface: p.GetInterfaceName(),
		PeerID:    p.GetPeerId(),
		UID:       p.GetUid(),
	}
	if p.GetLease() != nil {
		event.Lease = leaseFromProto(p.GetLease())
	}
	return event
}
