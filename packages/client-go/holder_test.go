// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"errors"
	"os"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// heldByInterfaceHandler is the fake broker honouring holder: it records the
// holder each open_interface asked for and answers with it and a guest MAC.
func heldByInterfaceHandler(asked *atomic.Int32) fakeHandler {
	return func(req *brokerpb.Request, fds []int) (*brokerpb.Reply, []int) {
		r, out := fakeDefaultHandler(req, fds)
		if oi := req.GetOpenInterface(); oi != nil {
			holder := oi.GetTap().GetHolder()
			if oi.GetVeth() != nil {
				holder = oi.GetVeth().GetHolder()
			}
			asked.Store(int32(holder))
			if i := r.GetInterface(); i != nil {
				i.Holder = holder
				if oi.GetTap() != nil {
					i.GuestMac = "52:54:00:ab:cd:ef"
				}
			}
		}
		return r, out
	}
}

func TestOpenTAPHeldByInterface(t *testing.T) {
	var asked atomic.Int32
	c, _ := dialFake(t, heldByInterfaceHandler(&asked))
	iface, err := c.OpenTAP(testCtx(t), "shared", TAPOptions{Queues: 2}, WithHolder(HolderInterface))
	if err != nil {
		t.Fatal(err)
	}
	defer iface.Close()
	if brokerpb.LeaseHolder(asked.Load()) != brokerpb.LeaseHolder_LEASE_HOLDER_INTERFACE {
		t.Fatalf("the request asked for holder %v", brokerpb.LeaseHolder(asked.Load()))
	}
	if iface.Holder != HolderInterface || iface.GuestMAC.String() != "52:54:00:ab:cd:ef" || len(iface.Files) != 2 {
		t.Fatalf("unexpected interface %+v", iface)
	}
}

func TestOpenTAPAsksForTheConnectionByDefault(t *testing.T) {
	var asked atomic.Int32
	c, _ := dialFake(t, heldByInterfaceHandler(&asked))
	iface, err := c.OpenTAP(testCtx(t), "shared", TAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer iface.Close()
	if brokerpb.LeaseHolder(asked.Load()) != brokerpb.LeaseHolder_LEASE_HOLDER_CONNECTION || iface.Holder != HolderConnection {
		t.Fatalf("asked %v, got %v", brokerpb.LeaseHolder(asked.Load()), iface.Holder)
	}
}

func TestOpenVethHeldByInterface(t *testing.T) {
	var asked atomic.Int32
	c, _ := dialFake(t, heldByInterfaceHandler(&asked))
	f, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	iface, err := c.OpenVeth(testCtx(t), "shared", f, "eth0", WithHolder(HolderInterface))
	if err != nil {
		t.Fatal(err)
	}
	if brokerpb.LeaseHolder(asked.Load()) != brokerpb.LeaseHolder_LEASE_HOLDER_INTERFACE || iface.Holder != HolderInterface {
		t.Fatalf("asked %v, got %+v", brokerpb.LeaseHolder(asked.Load()), iface)
	}
}

// A broker older than the option answers without a holder (the connection):
// the TAP would vanish with the Client, so the call fails and leaks nothing.
func TestIgnoredHolderIsUnsupportedWithoutLeak(t *testing.T) {
	c, _ := dialFake(t, nil)
	before := openFds(t)
	_, err := c.OpenTAP(testCtx(t), "shared", TAPOptions{Queues: 2}, WithHolder(HolderInterface))
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("want ErrUnsupported, got %v", err)
	}
	expectFds(t, before)
}

func TestStatusCarriesHoldersAndViewFields(t *testing.T) {
	var raw []byte
	for _, v := range mustVectors(t) {
		if v.Name == "reply_status_filtered" {
			raw = v.data
		}
	}
	if raw == nil {
		t.Fatal("no reply_status_filtered vector")
	}
	r := &brokerpb.Reply{}
	if err := proto.Unmarshal(raw, r); err != nil {
		t.Fatal(err)
	}
	s, err := statusResult(r)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ViewFiltered || len(s.Networks) != 2 {
		t.Fatalf("unexpected status %+v", s)
	}
	shared, host := s.Networks[0], s.Networks[1]
	if shared.InterfaceReferences != 1 || !shared.Adopted || !shared.Live || host.Live {
		t.Fatalf("unexpected networks %+v %+v", shared, host)
	}
	i := shared.Interfaces[0]
	if i.Holder != HolderInterface || i.OwnerUID != 1000 || i.PeerID != 7 {
		t.Fatalf("unexpected interface %+v", i)
	}
}
