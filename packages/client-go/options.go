// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import "os"

// DefaultSocketPath is where the broker listens on Linux.
const DefaultSocketPath = "/run/vmnet-broker/broker.sock"

// SocketEnv names the environment variable that overrides DefaultSocketPath.
const SocketEnv = "VMNET_BROKER_SOCKET"

// ClientName is sent in Hello, so the broker's logs and status name us.
const ClientName = "client-go"

// ClientVersion is this library's version, sent in Hello.
const ClientVersion = "0.1.0"

// Option configures Dial.
type Option func(*options)

type options struct {
	socketPath string
	clientName string
}

// WithSocketPath connects to path instead of $VMNET_BROKER_SOCKET or
// DefaultSocketPath.
func WithSocketPath(path string) Option {
	return func(o *options) { o.socketPath = path }
}

// WithClientName replaces the client name sent in Hello (for example the
// name of the VM tool using this library).
func WithClientName(name string) Option {
	return func(o *options) { o.clientName = name }
}

func resolveOptions(opts []Option) options {
	o := options{clientName: ClientName}
	for _, opt := range opts {
		opt(&o)
	}
	if o.socketPath == "" {
		o.socketPath = os.Getenv(SocketEnv)
	}
	if o.socketPath == "" {
		o.socketPath = DefaultSocketPath
	}
	return o
}
