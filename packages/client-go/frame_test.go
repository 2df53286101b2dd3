// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func framesOf(payloads ...string) []byte {
	var b []byte
	for _, p := range payloads {
		b = appendFrame(b, []byte(p))
	}
	return b
}

func TestFrameDecoderAttachesFdsToLastFrameStartingInChunk(t *testing.T) {
	d := newFrameDecoder(100)
	// Two whole frames and the start of a third in one recvmsg: the
	// descriptors belong to the third, which completes later.
	stream := framesOf("a", "bb", "ccc")
	frames, err := d.feed(stream[:len(stream)-2], []int{7, 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 2 || frames[0].fds != nil || frames[1].fds != nil {
		t.Fatalf("descriptors went to a complete frame: %+v", frames)
	}
	frames, err = d.feed(stream[len(stream)-2:], nil)
	if err != nil || len(frames) != 1 || string(frames[0].payload) != "ccc" || !reflect.DeepEqual(frames[0].fds, []int{7, 8}) {
		t.Fatalf("third frame: %+v %v", frames, err)
	}
}

func TestFrameDecoderFdsWithCompleteLastFrame(t *testing.T) {
	d := newFrameDecoder(100)
	stream := framesOf("first", "second")
	// A chunk that finishes the first frame and carries the whole second.
	frames, err := d.feed(stream[:3], nil)
	if err != nil || len(frames) != 0 {
		t.Fatalf("%+v %v", frames, err)
	}
	frames, err = d.feed(stream[3:], []int{5})
	if err != nil || len(frames) != 2 || frames[0].fds != nil || !reflect.DeepEqual(frames[1].fds, []int{5}) {
		t.Fatalf("%+v %v", frames, err)
	}
}

func TestFrameDecoderRejectsFdsThatStartNoFrame(t *testing.T) {
	d := newFrameDecoder(100)
	stream := framesOf("0123456789")
	if _, err := d.feed(stream[:6], nil); err != nil {
		t.Fatal(err)
	}
	_, err := d.feed(stream[6:], []int{3})
	if err == nil || !strings.Contains(err.Error(), "start no frame") {
		t.Fatalf("want an error about descriptors with no frame start, got %v", err)
	}
}

func TestFrameDecoderLimitsAndEmptyFrames(t *testing.T) {
	d := newFrameDecoder(8)
	frames, err := d.feed(framesOf("", "12345678"), nil)
	if err != nil || len(frames) != 2 || len(frames[0].payload) != 0 || string(frames[1].payload) != "12345678" {
		t.Fatalf("%+v %v", frames, err)
	}
	_, err = d.feed(binary.BigEndian.AppendUint32(nil, 9), nil)
	if err == nil || !strings.Contains(err.Error(), "above the limit") {
		t.Fatalf("want a limit error, got %v", err)
	}
	// A header cut in the middle is not judged until complete.
	d = newFrameDecoder(8)
	if _, err := d.feed([]byte{0, 0}, nil); err != nil || d.pending() != 2 {
		t.Fatalf("pending %d, %v", d.pending(), err)
	}
}

// referenceFrames parses a whole stream at once, the obvious way.
func referenceFrames(stream []byte, limit int) (payloads [][]byte, oversized bool, rest int) {
	for len(stream) >= 4 {
		n := binary.BigEndian.Uint32(stream)
		if uint64(n) > uint64(limit) {
			return payloads, true, len(stream)
		}
		if uint64(len(stream)-4) < uint64(n) {
			break
		}
		payloads = append(payloads, stream[4:4+n])
		stream = stream[4+n:]
	}
	return payloads, false, len(stream)
}

// checkChunking feeds stream in the chunks cut at the given points and
// compares with referenceFrames. It returns a description of any mismatch.
func checkChunking(stream []byte, cuts []int, limit int) string {
	want, oversized, rest := referenceFrames(stream, limit)
	d := newFrameDecoder(limit)
	var got [][]byte
	prev := 0
	var failed error
	for _, cut := range append(cuts, len(stream)) {
		if cut < prev || cut > len(stream) {
			continue
		}
		frames, err := d.feed(stream[prev:cut], nil)
		prev = cut
		for _, f := range frames {
			got = append(got, f.payload)
		}
		if err != nil {
			failed = err
			break
		}
	}
	if len(got) > len(want) {
		return "more frames than the reference"
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			return "frame payload differs from the reference"
		}
	}
	if (failed != nil) != oversized {
		return "limit error disagrees with the reference"
	}
	if failed == nil && (len(got) != len(want) || d.pending() != rest) {
		return "frames or leftover differ from the reference"
	}
	return ""
}

// At least 10,000 garbage inputs in the normal run: random byte streams,
// streams of valid frames, oversized and truncated headers, cut at random
// points; and mutated reply payloads through decode and interpretation.
func TestGarbageInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vectors, _ := loadVectors()
	var seeds [][]byte
	for _, v := range vectors {
		seeds = append(seeds, v.data)
	}
	seeds = append(seeds, []byte{0x0a, 0x03}, []byte{0x12, 0xff, 0xff, 0xff, 0xff, 0x0f})

	const streams, payloads = 6000, 6000
	for i := range streams {
		var stream []byte
		switch i % 4 {
		case 0: // pure noise
			stream = randomBytes(rng, rng.IntN(64))
		case 1: // valid frames
			for range rng.IntN(6) {
				stream = appendFrame(stream, randomBytes(rng, rng.IntN(40)))
			}
		case 2: // valid frames then a hostile header
			stream = appendFrame(nil, randomBytes(rng, rng.IntN(10)))
			stream = binary.BigEndian.AppendUint32(stream, rng.Uint32())
		case 3: // valid frames truncated
			for range 1 + rng.IntN(4) {
				stream = appendFrame(stream, randomBytes(rng, rng.IntN(30)))
			}
			stream = stream[:rng.IntN(len(stream)+1)]
		}
		var cuts []int
		for range rng.IntN(5) {
			cuts = append(cuts, rng.IntN(len(stream)+1))
		}
		slicesSort(cuts)
		if msg := checkChunking(stream, cuts, 48); msg != "" {
			t.Fatalf("stream %d (%x, cuts %v): %s", i, stream, cuts, msg)
		}
	}
	for i := range payloads {
		var p []byte
		if i%5 == 0 || len(seeds) == 0 {
			p = randomBytes(rng, rng.IntN(80))
		} else {
			p = mutate(rng, seeds[rng.IntN(len(seeds))])
		}
		r, err := decodeReply(p)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("decode error of type %T", err)
			}
			continue
		}
		if err := interpretAll(r); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("payload %x: error of type %T: %v", p, err, err)
			}
		}
	}
	t.Logf("%d streams and %d payloads", streams, payloads)
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// mutate flips bits, truncates, or splices random bytes into a copy of b.
func mutate(rng *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	switch rng.IntN(4) {
	case 0:
		if len(out) > 0 {
			i := rng.IntN(len(out))
			out[i] ^= 1 << rng.UintN(8)
		}
	case 1:
		out = out[:rng.IntN(len(out)+1)]
	case 2:
		i := rng.IntN(len(out) + 1)
		out = append(out[:i], append(randomBytes(rng, 1+rng.IntN(8)), out[i:]...)...)
	case 3:
		// A length-delimited field claiming a huge length.
		out = append(out, 0x22, 0xff, 0xff, 0xff, 0xff, 0x07)
	}
	return out
}

func slicesSort(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
