// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"encoding/binary"
	"fmt"
)

// Frame limits of the Unix transport (protocol/README.md).
const (
	// MaxRequestPayload is the largest request payload the broker accepts.
	MaxRequestPayload = 65536
	// MaxReplyPayload is the largest reply payload a client accepts.
	MaxReplyPayload = 4194304
	// frameHeaderSize is the 4-byte big-endian length before every payload.
	frameHeaderSize = 4
)

// frame is one complete message off the wire with the descriptors that
// arrived with its first byte.
type frame struct {
	payload []byte
	fds     []int
}

// appendFrame appends the length header and payload to dst.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// frameDecoder splits a byte stream into frames and applies the descriptor
// rule: descriptors from one recvmsg belong to the last frame that starts in
// that recvmsg's bytes. It holds no descriptors itself except those of a
// frame still incomplete, which the caller closes through takeFds on error.
type frameDecoder struct {
	maxPayload int
	// buf holds the bytes not yet emitted; it always begins at a frame start.
	buf []byte
	// bufFds are the descriptors of the frame that begins at buf[0].
	bufFds []int
}

func newFrameDecoder(maxPayload int) *frameDecoder {
	return &frameDecoder{maxPayload: maxPayload}
}

// feed adds the bytes and descriptors of one recvmsg and returns the frames
// completed by them. On error (an oversized header, or descriptors with no
// frame starting in the chunk) the stream cannot be trusted any more; the
// descriptors passed in are not owned by the decoder then, and the caller
// should close them and those from takeFds.
func (d *frameDecoder) feed(chunk []byte, fds []int) ([]frame, error) {
	if len(chunk) == 0 && len(fds) > 0 {
		return nil, fmt.Errorf("%d descriptors arrived with no data", len(fds))
	}
	oldLen := len(d.buf)
	d.buf = append(d.buf, chunk...)

	// Walk the frame starts in the buffer to find complete frames and the
	// last frame that starts inside the new chunk.
	lastStart := -1
	pos := 0
	var ends []int
	for pos < len(d.buf) {
		if pos >= oldLen {
			lastStart = pos
		}
		if len(d.buf)-pos < frameHeaderSize {
			break
		}
		n := binary.BigEndian.Uint32(d.buf[pos:])
		if uint64(n) > uint64(d.maxPayload) {
			return nil, fmt.Errorf("frame header announces %d bytes, above the limit of %d", n, d.maxPayload)
		}
		end := pos + frameHeaderSize + int(n)
		if end > len(d.buf) {
			break
		}
		ends = append(ends, end)
		pos = end
	}
	if len(fds) > 0 {
		if lastStart < 0 {
			return nil, fmt.Errorf("%d descriptors arrived with bytes that start no frame", len(fds))
		}
		if lastStart == 0 && len(d.bufFds) > 0 {
			// Cannot happen: buf[0] began in an earlier chunk then.
			return nil, fmt.Errorf("descriptors arrived twice for one frame")
		}
	}

	frames := make([]frame, 0, len(ends))
	start := 0
	for _, end := range ends {
		f := frame{payload: append([]byte(nil), d.buf[start+frameHeaderSize:end]...)}
		if start == 0 {
			f.fds, d.bufFds = d.bufFds, nil
		}
		if start == lastStart {
			f.fds = fds
			fds = nil
		}
		frames = append(frames, f)
		start = end
	}
	// What remains is at most one incomplete frame.
	rest := d.buf[start:]
	if start > 0 {
		d.buf = append(d.buf[:0], rest...)
	}
	if fds != nil {
		// lastStart was the incomplete trailing frame, now at buf[0].
		d.bufFds = fds
	}
	return frames, nil
}

// takeFds returns and forgets the descriptors of the incomplete frame.
func (d *frameDecoder) takeFds() []int {
	fds := d.bufFds
	d.bufFds = nil
	return fds
}

// pending reports how many bytes of an incomplete frame are buffered.
func (d *frameDecoder) pending() int { return len(d.buf) }
