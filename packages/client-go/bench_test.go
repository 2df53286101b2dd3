// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"context"
	"testing"
)

// Round trips over a real Unix socket to the in-process fake broker:
// serial calls against pipelined ones from many goroutines on one
// connection, compared side by side in one run (ratios, not absolutes).
// go test -run '^$' -bench . -benchtime 2s

func benchClient(b *testing.B) *Client {
	fb, err := startFakeBroker(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fb.Close)
	c, err := Dial(context.Background(), WithSocketPath(fb.path))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

func BenchmarkAcquireSerial(b *testing.B) {
	c := benchClient(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.AcquireNetwork(ctx, "shared"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAcquirePipelined(b *testing.B) {
	c := benchClient(b)
	ctx := context.Background()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.AcquireNetwork(ctx, "shared"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
