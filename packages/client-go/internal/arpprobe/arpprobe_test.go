// SPDX-License-Identifier: Apache-2.0

package arpprobe

import (
	"net/netip"
	"testing"
)

func TestSenderAddr(t *testing.T) {
	got, err := SenderAddr(netip.MustParsePrefix("192.168.105.0/24"))
	if err != nil || got.String() != "192.168.105.254" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := SenderAddr(netip.MustParsePrefix("10.0.0.0/31")); err == nil {
		t.Fatal("a /31 has no probe address")
	}
}

// A reply built by swapping the request's roles is recognised; the request
// itself is not.
func TestRequestAndReply(t *testing.T) {
	s, g := netip.MustParseAddr("10.1.2.254"), netip.MustParseAddr("10.1.2.1")
	req := Request(s, g)
	if len(req) != 42 || IsReply(req, s, g) {
		t.Fatal("request malformed or taken for a reply")
	}
	reply := append([]byte(nil), req...)
	reply[21] = 2                  // operation: reply
	copy(reply[28:32], req[38:42]) // sender protocol address: gateway
	copy(reply[38:42], req[28:32]) // target protocol address: us
	if !IsReply(reply, s, g) {
		t.Fatal("reply not recognised")
	}
	if IsReply(reply, g, s) {
		t.Fatal("reply for other addresses accepted")
	}
}
