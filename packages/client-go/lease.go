// SPDX-License-Identifier: Apache-2.0

//go:build unix

package vmnetbroker

import (
	"context"
	"errors"
	"time"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// MaxLeaseWait is the longest the broker waits for a lease; longer waits are
// capped to it.
const MaxLeaseWait = 10 * time.Minute

// leaseReplyGrace is how long past the wait the broker's answer may take.
const leaseReplyGrace = 5 * time.Second

// WaitForLease returns the DHCP lease of the guest with this MAC on a
// network this user may acquire (it need not be held), waiting for the
// guest to take one until ctx's deadline (without one, the broker's
// maximum, MaxLeaseWait). No lease by then gives ErrNotFound.
//
// The broker answers a connection's requests one at a time: other calls on
// this Client wait until this one is answered, even when ctx is cancelled
// first. Use a second Client to do both.
func (c *Client) WaitForLease(ctx context.Context, network, mac string) (*Lease, error) {
	wait := MaxLeaseWait
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(max(time.Until(deadline), 0), MaxLeaseWait)
	}
	req := &brokerpb.Request{Command: &brokerpb.Request_Lease{Lease: &brokerpb.LeaseRequest{
		NetworkName: network, Mac: mac, WaitMs: uint32(wait.Milliseconds()),
	}}}
	// The broker answers by the deadline itself: give its NOT_FOUND time to
	// arrive rather than ending the call at the deadline; a cancel still ends it.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait+leaseReplyGrace)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			cancel()
		}
	})
	defer stop()
	reply, err := c.simpleRoundTrip(callCtx, req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if err := brokerError(reply); err != nil {
		return nil, err
	}
	res, ok := reply.GetResult().(*brokerpb.Reply_Lease)
	if !ok {
		return nil, unexpected("lease", "lease", reply)
	}
	return leaseFromProto(res.Lease), nil
}

func leaseFromProto(p *brokerpb.Lease) *Lease {
	lease := &Lease{MAC: p.GetMac(), IP: p.GetIp(), Hostname: p.GetHostname(), IPv6: p.GetIpv6(), Network: p.GetNetworkName()}
	if e := p.GetExpiresUnix(); e != 0 {
		lease.Expires = time.Unix(e, 0)
	}
	return lease
}
