// SPDX-License-Identifier: Apache-2.0

package vmnetbroker_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	vmnetbroker "github.com/vmnet-broker/vmnet-broker/packages/client-go"
)

// exampleBroker starts the in-process fake broker that the examples talk
// to (see fakebroker_test.go): the examples must run in `go test` without
// a real daemon. A real program simply calls vmnetbroker.Dial.
func exampleBroker() (socket string, stop func()) {
	dir, err := os.MkdirTemp("", "vmnet-broker-example-")
	if err != nil {
		panic(err)
	}
	socket, stopFake, err := vmnetbroker.FakeBrokerForExamples(dir)
	if err != nil {
		panic(err)
	}
	return socket, func() { stopFake(); _ = os.RemoveAll(dir) }
}

// Acquire the shared network. The client is the lease: the network stays
// held until Close (or the process exits).
func ExampleClient_AcquireNetwork() {
	socket, stop := exampleBroker()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := vmnetbroker.Dial(ctx, vmnetbroker.WithSocketPath(socket))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close() // releases the network

	network, err := client.AcquireNetwork(ctx, "shared")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(network.Name, network.Mode, network.Subnet, "gateway", network.Gateway)
	// Output: shared shared 192.168.105.0/24 gateway 192.168.105.1
}

// Errors carry the shared codes; test them with errors.Is.
func ExampleError() {
	socket, stop := exampleBroker()
	defer stop()

	ctx := context.Background()
	client, err := vmnetbroker.Dial(ctx, vmnetbroker.WithSocketPath(socket))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	_, err = client.AcquireNetwork(ctx, "no-such-network")
	fmt.Println(errors.Is(err, vmnetbroker.ErrNotFound))
	var brokerErr *vmnetbroker.Error
	if errors.As(err, &brokerErr) {
		fmt.Println(int(brokerErr.Code), brokerErr.Code)
	}
	// Output:
	// true
	// 5 not found
}

// Open a TAP device with two queues for a hypervisor such as QEMU: pass
// iface.Files to the child with exec.Cmd.ExtraFiles and refer to them as
// -netdev tap,fds=3:4.
func ExampleClient_OpenTAP() {
	socket, stop := exampleBroker()
	defer stop()

	ctx := context.Background()
	client, err := vmnetbroker.Dial(ctx, vmnetbroker.WithSocketPath(socket))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	if _, err := client.AcquireNetwork(ctx, "shared"); err != nil {
		fmt.Println(err)
		return
	}
	iface, err := client.OpenTAP(ctx, "shared", vmnetbroker.TAPOptions{VnetHeader: true, Queues: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer iface.Close()
	fmt.Println(iface.Kind, iface.Name, len(iface.Files), "files")
	// Output: tap vmtap0 2 files
}
