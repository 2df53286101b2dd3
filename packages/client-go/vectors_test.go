// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// vectorsDir holds the golden vectors shared by every codec.
var vectorsDir = filepath.Join("..", "..", "protocol", "vectors")

type vector struct {
	Name string `json:"name"`
	Type string `json:"type"`
	File string `json:"file"`
	Note string `json:"note"`
}

type loadedVector struct {
	vector
	data []byte
}

// loadVectors reads the manifest and every .bin; a missing manifest is
// reported to the caller, not hidden.
func loadVectors() ([]loadedVector, error) {
	raw, err := os.ReadFile(filepath.Join(vectorsDir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var list []vector
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	out := make([]loadedVector, 0, len(list))
	for _, v := range list {
		data, err := os.ReadFile(filepath.Join(vectorsDir, v.File))
		if err != nil {
			return nil, err
		}
		out = append(out, loadedVector{vector: v, data: data})
	}
	return out, nil
}

func mustVectors(t testing.TB) []loadedVector {
	t.Helper()
	vs, err := loadVectors()
	if os.IsNotExist(err) {
		t.Skipf("NO GOLDEN VECTORS: %s/manifest.json does not exist (tools/vectors writes it)", vectorsDir)
	}
	if err != nil {
		t.Fatalf("golden vectors: %v", err)
	}
	if len(vs) == 0 {
		t.Fatal("golden vectors: the manifest is empty")
	}
	return vs
}

func TestGoldenVectorsRoundTrip(t *testing.T) {
	for _, v := range mustVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(v.Type))
			if err != nil {
				t.Fatalf("type %q: %v", v.Type, err)
			}
			msg := mt.New().Interface()
			if err := proto.Unmarshal(v.data, msg); err != nil {
				t.Fatalf("decode %s as %s: %v", v.File, v.Type, err)
			}
			again, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if !bytes.Equal(again, v.data) {
				t.Fatalf("re-encoding differs (%s)\n want %x\n  got %x", v.Note, v.data, again)
			}
		})
	}
}

// Every message type of the .proto has at least one vector, so a new
// message cannot slip past the cross-language check.
func TestGoldenVectorsCoverEveryMessage(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range mustVectors(t) {
		seen[v.Type] = true
	}
	msgs := brokerpb.File_vmnet_broker_v1_broker_proto.Messages()
	for i := range msgs.Len() {
		name := string(msgs.Get(i).FullName())
		if !seen[name] {
			t.Errorf("no golden vector of type %s", name)
		}
	}
}

// Replies in the vectors go through the client's own interpretation too:
// whatever the result, it must convert or fail with an *Error, never panic.
func TestGoldenReplyVectorsInterpret(t *testing.T) {
	n := 0
	for _, v := range mustVectors(t) {
		if v.Type != "vmnet_broker.v1.Reply" {
			continue
		}
		n++
		r, err := decodeReply(v.data)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if err := interpretAll(r); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%s: error of type %T: %v", v.Name, err, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no Reply vectors")
	}
}

// interpretAll runs every result converter on r and returns the error of
// the one that matches its result (or the last).
func interpretAll(r *brokerpb.Reply) error {
	var last error
	for _, f := range []func() error{
		func() error { _, err := acquireResult(r); return err },
		func() error { _, err := helloResult(r); return err },
		func() error { _, err := statusResult(r); return err },
		func() error {
			n := int(r.GetInterface().GetFdCount())
			_, err := interfaceResult(r, InterfaceKind(r.GetInterface().GetKind()), n, holderFromProto(r.GetInterface().GetHolder()))
			return err
		},
		func() error { return checkFdsAllowed(r, 1) },
	} {
		if err := f(); err != nil {
			last = err
		}
	}
	return last
}
