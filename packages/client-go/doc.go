// SPDX-License-Identifier: Apache-2.0

// Package vmnetbroker is the Go client of vmnet-broker, the system-wide
// broker that creates and shares VM networks.
//
// # The connection is the lease
//
// A Client is one connection to the broker, and that connection is the
// lease on everything acquired through it. There is no release call:
// Client.Close, the process exiting, or the process being killed all
// release every network the Client acquired and remove every interface it
// opened. Keep the Client open for as long as your VMs use the network;
// typically one Client per process, for the life of the process.
//
// The one opt-in exception: an interface opened with
// WithHolder(HolderInterface) holds its network itself, for as long as it
// exists (a TAP until its last descriptor closes, a veth until its
// namespace goes), so a launcher may hand it to a VMM and exit or exec.
//
// # Linux
//
// On Linux the client is pure Go: it speaks the broker's Unix-socket
// protocol (length-prefixed protobuf frames, TAP descriptors passed with
// SCM_RIGHTS) on $VMNET_BROKER_SOCKET or /run/vmnet-broker/broker.sock.
// A Client is safe for concurrent use; requests are pipelined and every
// call honours its context.
//
// # macOS
//
// On macOS the broker speaks XPC. With cgo, the package-level
// AcquireNetwork goes through the C client (packages/client-c) and returns
// the vmnet network serialization as an opaque VmnetSerialization handle
// for vmnet_network_create_with_serialization. The C client's one XPC
// connection, kept for the life of the process, is the lease there.
//
// # Errors
//
// Every error is an *Error carrying a Code shared with the broker and all
// other clients. Test for a code with errors.Is:
//
//	if errors.Is(err, vmnetbroker.ErrNotFound) { ... }
//
// A broker that goes away fails every pending and later call with
// ErrTransportFailure, whose Cause is the socket error.
package vmnetbroker
