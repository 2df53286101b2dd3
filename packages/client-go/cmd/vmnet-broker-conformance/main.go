// SPDX-License-Identifier: Apache-2.0

//go:build linux

// Command vmnet-broker-conformance is the Go client's conformance program
// (protocol/conformance/README.md): JSON-line commands on stdin, exactly one
// JSON-line result per command on stdout, diagnostics on stderr, exit 0
// when stdin closes.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

func main() {
	s := &session{out: json.NewEncoder(os.Stdout)}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var cmd command
		var res result
		if err := json.Unmarshal(line, &cmd); err != nil {
			res = failure(4, fmt.Sprintf("command is not JSON: %v", err))
		} else {
			res = s.run(cmd)
		}
		if err := s.out.Encode(res); err != nil {
			fmt.Fprintf(os.Stderr, "vmnet-broker-conformance: write result: %v\n", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil && err != io.EOF {
		fmt.Fprintf(os.Stderr, "vmnet-broker-conformance: read stdin: %v\n", err)
	}
	s.closeTAPs()
	s.closeClient()
}
