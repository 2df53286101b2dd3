// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"google.golang.org/protobuf/proto"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// decodeReply parses one frame's payload.
func decodeReply(payload []byte) (*brokerpb.Reply, error) {
	r := &brokerpb.Reply{}
	if err := proto.Unmarshal(payload, r); err != nil {
		return nil, &Error{Code: CodeInvalidReply, Message: "decode reply", Cause: err}
	}
	return r, nil
}

// resultName names a reply's result for error messages.
func resultName(r *brokerpb.Reply) string {
	switch r.GetResult().(type) {
	case *brokerpb.Reply_Error:
		return "error"
	case *brokerpb.Reply_Hello:
		return "hello"
	case *brokerpb.Reply_Network:
		return "network"
	case *brokerpb.Reply_Status:
		return "status"
	case *brokerpb.Reply_Interface:
		return "interface"
	case *brokerpb.Reply_Lease:
		return "lease"
	case *brokerpb.Reply_Subscription:
		return "subscription"
	case *brokerpb.Reply_Event:
		return "event"
	default:
		return "no result"
	}
}

// brokerError turns an error reply into an *Error; nil for other replies.
func brokerError(r *brokerpb.Reply) error {
	e, ok := r.GetResult().(*brokerpb.Reply_Error)
	if !ok {
		return nil
	}
	code := Code(e.Error.GetCode())
	if code == CodeSuccess {
		return invalidReply("error reply with code 0 (success): %q", e.Error.GetMessage())
	}
	return &Error{Code: code, Message: e.Error.GetMessage()}
}

func unexpected(request string, want string, r *brokerpb.Reply) error {
	return invalidReply("%s: expected a %s result, got %s", request, want, resultName(r))
}

func acquireResult(r *brokerpb.Reply) (*Network, error) {
	if err := brokerError(r); err != nil {
		return nil, err
	}
	res, ok := r.GetResult().(*brokerpb.Reply_Network)
	if !ok {
		return nil, unexpected("acquire", "network", r)
	}
	return networkFromProto(res.Network)
}

func helloResult(r *brokerpb.Reply) (*Hello, error) {
	if err := brokerError(r); err != nil {
		return nil, err
	}
	res, ok := r.GetResult().(*brokerpb.Reply_Hello)
	if !ok {
		return nil, unexpected("hello", "hello", r)
	}
	return helloFromProto(res.Hello), nil
}

func statusResult(r *brokerpb.Reply) (*Status, error) {
	if err := brokerError(r); err != nil {
		return nil, err
	}
	res, ok := r.GetResult().(*brokerpb.Reply_Status)
	if !ok {
		return nil, unexpected("status", "status", r)
	}
	return statusFromProto(res.Status)
}

// interfaceResult checks an open_interface reply against the kind and holder
// asked for and the number of descriptors that arrived with it.
func interfaceResult(r *brokerpb.Reply, want InterfaceKind, fdCount int, holder Holder) (*Interface, error) {
	if err := brokerError(r); err != nil {
		return nil, err
	}
	res, ok := r.GetResult().(*brokerpb.Reply_Interface)
	if !ok {
		return nil, unexpected("open_interface", "interface", r)
	}
	i, err := interfaceFromProto(res.Interface)
	if err != nil {
		return nil, err
	}
	if i.Kind != want {
		return nil, invalidReply("open_interface: asked for a %s, got kind %s", want, i.Kind)
	}
	if declared := uint64(res.Interface.GetFdCount()) + uint64(res.Interface.GetVhostFdCount()); declared != uint64(fdCount) {
		return nil, invalidReply("open_interface: reply declares fd_count + vhost_fd_count %d but %d descriptors arrived", declared, fdCount)
	}
	if err := checkHolder(holder, i.Holder); err != nil {
		return nil, err
	}
	return i, nil
}

// checkTAPOptions reports a broker that ignored Named or VhostNet (one that
// predates them) instead of handing back something else than asked.
func checkTAPOptions(opts TAPOptions, got *brokerpb.Interface) error {
	if opts.Named != (got.GetFdCount() == 0) || opts.VhostNet != (got.GetVhostFdCount() > 0) {
		return &Error{Code: CodeUnsupported, Message: "open_interface: the broker ignored TAPOptions.Named or VhostNet (it predates them)"}
	}
	return nil
}

// checkFdsAllowed rejects descriptors on any reply but an interface.
func checkFdsAllowed(r *brokerpb.Reply, fdCount int) error {
	if fdCount == 0 {
		return nil
	}
	if _, ok := r.GetResult().(*brokerpb.Reply_Interface); ok {
		return nil
	}
	return invalidReply("%d descriptors arrived with a %s reply", fdCount, resultName(r))
}
