// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"net/netip"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// Mode says how a network reaches the outside.
type Mode int32

const (
	// ModeUnspecified is never sent by the broker.
	ModeUnspecified Mode = Mode(brokerpb.NetworkMode_NETWORK_MODE_UNSPECIFIED)
	// ModeShared is NAT to the host's uplinks with DHCP and DNS.
	ModeShared Mode = Mode(brokerpb.NetworkMode_NETWORK_MODE_SHARED)
	// ModeHost is host-only: guests reach each other and the host.
	ModeHost Mode = Mode(brokerpb.NetworkMode_NETWORK_MODE_HOST)
)

// String returns "shared", "host" or "unspecified".
func (m Mode) String() string {
	switch m {
	case ModeShared:
		return "shared"
	case ModeHost:
		return "host"
	default:
		return "unspecified"
	}
}

// Network describes a network the broker holds for this client. It stays
// valid as long as the Client that acquired it is open: the connection is
// the lease.
type Network struct {
	// Name is the network's name, for example "shared".
	Name string
	// Mode says how the network reaches the outside.
	Mode Mode
	// Description is free text from the broker's configuration.
	Description string
	// Subnet is the IPv4 network with its prefix length (subnet + mask).
	Subnet netip.Prefix
	// Gateway is the host's address on the network; guests use it as
	// their gateway and DNS server.
	Gateway netip.Addr
	// IPv6Prefix is the IPv6 prefix, invalid (zero) when there is none.
	IPv6Prefix netip.Prefix
	// MTU is the maximum transmission unit in bytes.
	MTU int
	// Bridge is the Linux bridge interface's name.
	Bridge string
	// DHCP and DNS say whether the broker serves them on the network.
	DHCP, DNS bool
}

// Mask returns the IPv4 netmask in dotted-quad form, or "" without a subnet.
func (n *Network) Mask() string {
	if !n.Subnet.IsValid() {
		return ""
	}
	bits := n.Subnet.Bits()
	var m [4]byte
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(m).String()
}

// networkFromProto validates and converts the broker's description.
func networkFromProto(p *brokerpb.Network) (*Network, error) {
	if p == nil {
		return nil, invalidReply("network: missing")
	}
	n := &Network{
		Name:        p.GetName(),
		Mode:        Mode(p.GetMode()),
		Description: p.GetDescription(),
		MTU:         int(p.GetMtu()),
		Bridge:      p.GetBridge(),
		DHCP:        p.GetDhcp(),
		DNS:         p.GetDns(),
	}
	if n.Name == "" {
		return nil, invalidReply("network.name: empty")
	}
	var err error
	if n.Subnet, err = parseSubnet(p.GetSubnet(), p.GetMask()); err != nil {
		return nil, err
	}
	if s := p.GetGateway(); s != "" {
		if n.Gateway, err = netip.ParseAddr(s); err != nil || !n.Gateway.Is4() {
			return nil, invalidReply("network.gateway: %q is not an IPv4 address", s)
		}
	}
	if s := p.GetIpv6Prefix(); s != "" {
		if n.IPv6Prefix, err = netip.ParsePrefix(s); err != nil || !n.IPv6Prefix.Addr().Is6() {
			return nil, invalidReply("network.ipv6_prefix: %q is not an IPv6 prefix", s)
		}
	}
	return n, nil
}

// parseSubnet joins a dotted-quad address and a contiguous dotted-quad mask.
func parseSubnet(subnet, mask string) (netip.Prefix, error) {
	if subnet == "" && mask == "" {
		return netip.Prefix{}, nil
	}
	addr, err := netip.ParseAddr(subnet)
	if err != nil || !addr.Is4() {
		return netip.Prefix{}, invalidReply("network.subnet: %q is not an IPv4 address", subnet)
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return netip.Prefix{}, invalidReply("network.mask: %q is not an IPv4 netmask", mask)
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bits := 0
	for bits < 32 && v&(0x80000000>>bits) != 0 {
		bits++
	}
	if bits < 32 && v<<bits != 0 {
		return netip.Prefix{}, invalidReply("network.mask: %q is not contiguous", mask)
	}
	return netip.PrefixFrom(addr, bits), nil
}
