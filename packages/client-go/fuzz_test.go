// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"encoding/binary"
	"testing"
)

// FuzzDecodeReply feeds arbitrary payloads to the reply decoder and every
// result converter: an *Error or a value, never a panic.
func FuzzDecodeReply(f *testing.F) {
	vectors, _ := loadVectors()
	for _, v := range vectors {
		f.Add(v.data)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := decodeReply(payload)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("decode error of type %T", err)
			}
			return
		}
		if err := interpretAll(r); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}

// FuzzReadFrame cuts arbitrary streams at fuzzer-chosen points and checks
// the decoder against the one-shot reference parser.
func FuzzReadFrame(f *testing.F) {
	vectors, _ := loadVectors()
	for _, v := range vectors {
		f.Add(appendFrame(nil, v.data), []byte{3, 9})
	}
	f.Add(binary.BigEndian.AppendUint32(nil, MaxReplyPayload+1), []byte{2})
	f.Fuzz(func(t *testing.T, stream []byte, cutBytes []byte) {
		var cuts []int
		for _, c := range cutBytes {
			if len(stream) > 0 {
				cuts = append(cuts, int(c)%(len(stream)+1))
			}
		}
		slicesSort(cuts)
		if msg := checkChunking(stream, cuts, 256); msg != "" {
			t.Fatalf("%s", msg)
		}
	})
}
