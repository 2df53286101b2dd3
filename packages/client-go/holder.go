// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"fmt"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// Holder says what keeps an interface, and its reference on the network,
// alive.
type Holder int32

const (
	// HolderConnection (the default): the Client that opened the interface.
	// Closing it, or the process dying, removes the interface.
	HolderConnection Holder = Holder(brokerpb.LeaseHolder_LEASE_HOLDER_CONNECTION)
	// HolderInterface: the interface itself. A TAP holds its network until
	// its last descriptor closes, a veth until its namespace goes, whether or
	// not the Client stays open. For launchers that hand the descriptors to
	// a hypervisor and exit, or exec it.
	HolderInterface Holder = Holder(brokerpb.LeaseHolder_LEASE_HOLDER_INTERFACE)
)

// String returns "connection" or "interface".
func (h Holder) String() string {
	if h == HolderInterface {
		return "interface"
	}
	return "connection"
}

// holderFromProto reads a holder off the wire; unset means the connection.
func holderFromProto(h brokerpb.LeaseHolder) Holder {
	if h == brokerpb.LeaseHolder_LEASE_HOLDER_INTERFACE {
		return HolderInterface
	}
	return HolderConnection
}

// InterfaceOption configures OpenTAP and OpenVeth.
type InterfaceOption func(*interfaceOptions)

type interfaceOptions struct {
	holder Holder
}

// WithHolder chooses what holds the interface (default HolderConnection).
func WithHolder(h Holder) InterfaceOption {
	return func(o *interfaceOptions) { o.holder = h }
}

func resolveInterfaceOptions(opts []InterfaceOption) interfaceOptions {
	o := interfaceOptions{holder: HolderConnection}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// checkHolder rejects an interface held by something other than asked: a
// broker older than the option makes every interface connection-held, which
// a caller asking for HolderInterface cannot use.
func checkHolder(asked, got Holder) error {
	if asked == got {
		return nil
	}
	return &Error{Code: CodeUnsupported, Message: fmt.Sprintf("asked for holder=%s, but the broker answered holder=%s (it predates the holder option)", asked, got)}
}
