// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"time"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// Hello is the broker's answer to Client.Hello.
type Hello struct {
	// ProtocolVersion is the version both sides use (the lower one).
	ProtocolVersion int
	// BrokerVersion is the broker's version string.
	BrokerVersion string
	// Platform is "linux" or "darwin".
	Platform string
	// Features lists optional capabilities such as "tap", "veth", "status".
	Features []string
}

// Status is the broker's whole state at one moment.
type Status struct {
	// BrokerVersion is the broker's version string.
	BrokerVersion string
	// Platform is "linux" or "darwin".
	Platform string
	// PID is the broker's process id (in its own pid namespace if any).
	PID int
	// Uptime is how long the broker has been running.
	Uptime time.Duration
	// Networks lists every network, including ones waiting for removal.
	Networks []NetworkStatus
	// Peers lists every connected client.
	Peers []PeerStatus
	// Counters are totals since the broker started.
	Counters Counters
	// ConfigErrors are problems of the last configuration load (admins only).
	ConfigErrors []string
	// ViewFiltered is true when the asker is not an admin and sees only its
	// own part: networks it may acquire, its own connections and interfaces.
	ViewFiltered bool
}

// NetworkStatus is one network in a Status.
type NetworkStatus struct {
	// Network describes the network.
	Network *Network
	// References is how many connections hold it now.
	References int
	// PeerIDs are the ids of those connections (PeerStatus.ID).
	PeerIDs []uint64
	// Leases are the DHCP leases handed out on it.
	Leases []Lease
	// Interfaces are the TAP and veth interfaces open on it.
	Interfaces []InterfaceStatus
	// RemovalIn is the time until idle removal; 0 while the network is held.
	RemovalIn time.Duration
	// InterfaceReferences is how many interfaces hold it (HolderInterface),
	// beside the connections counted in References.
	InterfaceReferences int
	// Adopted is true when this broker took the network over from a
	// previous one (restart, upgrade, crash) instead of creating it.
	Adopted bool
	// Live is false for a configured network that does not exist now; its
	// live fields are then empty.
	Live bool
}

// PeerStatus is one connected client in a Status.
type PeerStatus struct {
	// ID is the broker's id for the connection.
	ID uint64
	// UID and GID are the peer's credentials (SO_PEERCRED).
	UID, GID uint32
	// PID is the peer's process id, for display only.
	PID int
	// Networks are the names of the networks it holds.
	Networks []string
	// Connected is how long it has been connected.
	Connected time.Duration
	// ClientName is the name it sent in Hello, if any.
	ClientName string
}

// Lease is one DHCP lease.
type Lease struct {
	// MAC is the client's hardware address, lower case, colon separated.
	MAC string
	// IP is the leased IPv4 address.
	IP string
	// Hostname is the host name the client sent, if any.
	Hostname string
	// Expires is when the lease ends; zero means never.
	Expires time.Time
	// IPv6 holds the IPv6 addresses the broker knows for the MAC (often none).
	IPv6 []string
	// Network is the lease's network (set by WaitForLease and in events).
	Network string
}

// InterfaceStatus is one interface the broker opened.
type InterfaceStatus struct {
	// Name is the host-side interface name.
	Name string
	// Kind is TAP or veth.
	Kind InterfaceKind
	// PeerID is the connection that opened it (it may have closed since,
	// for an interface-held one).
	PeerID uint64
	// Holder is what holds it and its reference on the network.
	Holder Holder
	// OwnerUID is the user id of the connection that opened it.
	OwnerUID uint32
}

// Counters are totals since the broker started: connections accepted and
// closed, requests answered and failed, acquires and releases, networks
// created and removed, interfaces opened.
type Counters struct {
	PeersConnected, PeersDisconnected uint64
	Requests, Errors                  uint64
	Acquires, Releases                uint64
	NetworksCreated, NetworksRemoved  uint64
	InterfacesOpened                  uint64
}

func helloFromProto(p *brokerpb.HelloReply) *Hello {
	return &Hello{
		ProtocolVersion: int(p.GetProtocolVersion()),
		BrokerVersion:   p.GetBrokerVersion(),
		Platform:        p.GetPlatform(),
		Features:        p.GetFeatures(),
	}
}

func statusFromProto(p *brokerpb.Status) (*Status, error) {
	s := &Status{
		BrokerVersion: p.GetBrokerVersion(),
		Platform:      p.GetPlatform(),
		PID:           int(p.GetPid()),
		Uptime:        seconds(p.GetUptimeSeconds()),
		ConfigErrors:  p.GetConfigErrors(),
		ViewFiltered:  p.GetViewFiltered(),
	}
	for _, pn := range p.GetNetworks() {
		n, err := networkFromProto(pn.GetNetwork())
		if err != nil {
			return nil, err
		}
		ns := NetworkStatus{
			Network:    n,
			References: int(pn.GetReferences()),
			PeerIDs:    pn.GetPeerIds(),
			RemovalIn:  time.Duration(min(pn.GetRemovalInMs(), uint64(1<<63-1)/uint64(time.Millisecond))) * time.Millisecond,

			InterfaceReferences: int(pn.GetInterfaceReferences()),
			Adopted:             pn.GetAdopted(),
			Live:                pn.GetLive(),
		}
		for _, l := range pn.GetLeases() {
			ns.Leases = append(ns.Leases, *leaseFromProto(l))
		}
		for _, i := range pn.GetInterfaces() {
			ns.Interfaces = append(ns.Interfaces, InterfaceStatus{
				Name: i.GetName(), Kind: InterfaceKind(i.GetKind()), PeerID: i.GetPeerId(),
				Holder: holderFromProto(i.GetHolder()), OwnerUID: i.GetOwnerUid(),
			})
		}
		s.Networks = append(s.Networks, ns)
	}
	for _, pp := range p.GetPeers() {
		s.Peers = append(s.Peers, PeerStatus{
			ID: pp.GetId(), UID: pp.GetUid(), GID: pp.GetGid(), PID: int(pp.GetPid()),
			Networks: pp.GetNetworks(), Connected: seconds(pp.GetConnectedSeconds()),
			ClientName: pp.GetClientName(),
		})
	}
	c := p.GetCounters()
	s.Counters = Counters{
		PeersConnected: c.GetPeersConnected(), PeersDisconnected: c.GetPeersDisconnected(),
		Requests: c.GetRequests(), Errors: c.GetErrors(),
		Acquires: c.GetAcquires(), Releases: c.GetReleases(),
		NetworksCreated: c.GetNetworksCreated(), NetworksRemoved: c.GetNetworksRemoved(),
		InterfacesOpened: c.GetInterfacesOpened(),
	}
	return s, nil
}

// seconds converts a wire count of seconds, saturating instead of wrapping.
func seconds(n uint64) time.Duration {
	const maxSeconds = uint64(1<<63-1) / uint64(time.Second)
	return time.Duration(min(n, maxSeconds)) * time.Second
}
