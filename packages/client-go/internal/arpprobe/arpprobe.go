// SPDX-License-Identifier: Apache-2.0

// Package arpprobe proves a TAP descriptor is wired to a network: it writes
// an ARP request for the gateway and waits for the gateway's ARP reply.
// The integration tests and the conformance program share it.
package arpprobe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"
)

// vnetHeaderSize is sizeof(struct virtio_net_hdr), the kernel's default
// header length on a TAP opened with IFF_VNET_HDR.
const vnetHeaderSize = 10

// hostMAC is a locally administered unicast address for our probe.
var hostMAC = [6]byte{0x02, 0x76, 0x6d, 0x62, 0x67, 0x6f}

// SenderAddr picks the address the probe claims: the last host address of
// the subnet, away from the gateway at the start and the DHCP range.
func SenderAddr(subnet netip.Prefix) (netip.Addr, error) {
	if !subnet.Addr().Is4() || subnet.Bits() > 30 {
		return netip.Addr{}, fmt.Errorf("subnet %s has no room for a probe address", subnet)
	}
	b := subnet.Masked().Addr().As4()
	base := binary.BigEndian.Uint32(b[:])
	last := base | (1<<(32-subnet.Bits()) - 1) - 1
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], last)
	return netip.AddrFrom4(out), nil
}

// Request builds an Ethernet broadcast ARP "who has gateway, tell sender".
func Request(sender, gateway netip.Addr) []byte {
	f := make([]byte, 0, 42)
	f = append(f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	f = append(f, hostMAC[:]...)
	f = append(f, 0x08, 0x06)       // ethertype ARP
	f = append(f, 0x00, 0x01)       // hardware type Ethernet
	f = append(f, 0x08, 0x00, 6, 4) // protocol IPv4, address sizes
	f = append(f, 0x00, 0x01)       // operation: request
	f = append(f, hostMAC[:]...)
	s := sender.As4()
	f = append(f, s[:]...)
	f = append(f, 0, 0, 0, 0, 0, 0)
	g := gateway.As4()
	return append(f, g[:]...)
}

// IsReply reports whether frame is the ARP reply from gateway to sender.
func IsReply(frame []byte, sender, gateway netip.Addr) bool {
	if len(frame) < 42 || frame[12] != 0x08 || frame[13] != 0x06 {
		return false
	}
	arp := frame[14:]
	s, g := sender.As4(), gateway.As4()
	return binary.BigEndian.Uint16(arp[6:]) == 2 &&
		bytes.Equal(arp[14:18], g[:]) && bytes.Equal(arp[24:28], s[:])
}

// resendEvery spaces repeated requests, as a real ARP client retries: a
// frame written while the port is still joining the bridge can be lost.
const resendEvery = 250 * time.Millisecond

// Probe writes the request to the TAP file, repeating it every
// resendEvery, and reads frames until the gateway's reply comes or ctx
// ends (5 s without a deadline). The file must be pollable (the client's
// TAP files are), so that reads honour deadlines.
func Probe(ctx context.Context, tap *os.File, subnet netip.Prefix, gateway netip.Addr, vnetHeader bool) error {
	sender, err := SenderAddr(subnet)
	if err != nil {
		return err
	}
	if !gateway.Is4() {
		return fmt.Errorf("gateway %v is not an IPv4 address", gateway)
	}
	prefix := 0
	if vnetHeader {
		prefix = vnetHeaderSize
	}
	request := append(make([]byte, prefix), Request(sender, gateway)...)
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Second)
	}
	defer tap.SetReadDeadline(time.Time{})
	buf := make([]byte, 65536)
	for sent := 0; ; sent++ {
		if time.Now().After(deadline) {
			return fmt.Errorf("no ARP reply from %s on %s after %d requests", gateway, tap.Name(), sent)
		}
		if _, err := tap.Write(request); err != nil {
			return fmt.Errorf("write ARP request to %s: %w", tap.Name(), err)
		}
		if err := tap.SetReadDeadline(earliest(deadline, time.Now().Add(resendEvery))); err != nil {
			return fmt.Errorf("set a read deadline on %s: %w", tap.Name(), err)
		}
		for {
			n, err := tap.Read(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // resend
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", tap.Name(), err)
			}
			if n >= prefix && IsReply(buf[prefix:n], sender, gateway) {
				return nil
			}
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
