// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"errors"
	"net"
	"os"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// InterfaceKind says what kind of interface was opened.
type InterfaceKind int32

const (
	// InterfaceTAP is a TAP device whose descriptors came with the reply.
	InterfaceTAP InterfaceKind = InterfaceKind(brokerpb.InterfaceKind_INTERFACE_KIND_TAP)
	// InterfaceVeth is a veth pair with one end in the client's namespace.
	InterfaceVeth InterfaceKind = InterfaceKind(brokerpb.InterfaceKind_INTERFACE_KIND_VETH)
)

// String returns "tap", "veth" or "unspecified".
func (k InterfaceKind) String() string {
	switch k {
	case InterfaceTAP:
		return "tap"
	case InterfaceVeth:
		return "veth"
	default:
		return "unspecified"
	}
}

// TAPOptions tune a TAP device.
type TAPOptions struct {
	// VnetHeader enables IFF_VNET_HDR (a virtio-net header on every frame),
	// as QEMU expects with vnet_hdr=on.
	VnetHeader bool
	// Queues is the number of queues; one file per queue comes back.
	// 0 means 1.
	Queues int
	// Named asks for a persistent TAP that a VMM opens by name (Firecracker,
	// cloud-hypervisor, crosvm), owned by this process's uid and gid: no
	// file comes back (Interface.Name is the device), and the broker removes
	// it when this Client closes. HolderInterface is refused for it.
	Named bool
	// VhostNet also asks for one open /dev/vhost-net file per queue
	// (Interface.VhostFiles), for a VMM whose user cannot open the device
	// (QEMU vhost=on,vhostfd=N). ErrUnsupported on a host without it.
	VhostNet bool
}

// Interface is an interface the broker opened for this client. A TAP dies
// when its last file is closed; a connection-held interface (the default)
// also when the Client closes.
type Interface struct {
	// Network is the name of the network it is attached to.
	Network string
	// Kind is TAP or veth.
	Kind InterfaceKind
	// Name is the host-side interface name (the TAP, or the bridge end of
	// the veth).
	Name string
	// PeerIfname is, for veth, the interface name inside the namespace.
	PeerIfname string
	// MAC is the interface's hardware address (veth: the namespace end).
	MAC net.HardwareAddr
	// GuestMAC is, for a TAP, a unique MAC the broker picked for the guest
	// behind it (QEMU -device virtio-net-pci,mac=...), so that VMs do not
	// share a default MAC; nil for veth and from older brokers.
	GuestMAC net.HardwareAddr
	// Holder is what holds the interface and its reference on the network.
	Holder Holder
	// Files are the TAP queues, one per queue; nil for veth. The caller owns
	// them. They are non-blocking, so Read honours deadlines; hand them to a
	// hypervisor with exec.Cmd.ExtraFiles as usual.
	Files []*os.File
	// VhostFiles are the /dev/vhost-net files (TAPOptions.VhostNet), one per
	// queue; nil otherwise. The caller owns them.
	VhostFiles []*os.File
}

// Close closes every file of the interface.
func (i *Interface) Close() error {
	var errs []error
	for _, f := range append(append([]*os.File{}, i.Files...), i.VhostFiles...) {
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// interfaceFromProto validates the reply's description; files are attached
// by the caller once the descriptor count is checked.
func interfaceFromProto(p *brokerpb.Interface) (*Interface, error) {
	if p == nil {
		return nil, invalidReply("interface: missing")
	}
	i := &Interface{
		Network:    p.GetNetworkName(),
		Kind:       InterfaceKind(p.GetKind()),
		Name:       p.GetName(),
		PeerIfname: p.GetPeerIfname(),
		Holder:     holderFromProto(p.GetHolder()),
	}
	var err error
	if i.MAC, err = parseOptionalMAC("interface.mac", p.GetMac()); err != nil {
		return nil, err
	}
	if i.GuestMAC, err = parseOptionalMAC("interface.guest_mac", p.GetGuestMac()); err != nil {
		return nil, err
	}
	return i, nil
}

// parseOptionalMAC parses a reply's MAC field; "" gives nil.
func parseOptionalMAC(field, s string) (net.HardwareAddr, error) {
	if s == "" {
		return nil, nil
	}
	mac, err := net.ParseMAC(s)
	if err != nil {
		return nil, invalidReply("%s: %q is not a hardware address", field, s)
	}
	return mac, nil
}
