// SPDX-License-Identifier: Apache-2.0
// The Swift client's conformance program (protocol/conformance/README.md):
// JSON-line commands on stdin, one result line each on stdout; exits 0 at end
// of input. Run it in the chroot with packages/client-swift/conformance/run.
#if os(Linux)
  import Glibc

  // A broker that went away must give code 1, not kill the program.
  signal(SIGPIPE, SIG_IGN)
  let client = ConformanceClient()
  while let command = JSONLines.readCommand() {
    JSONLines.write(client.run(command))
  }
#else
  print("the conformance program runs on Linux only")
#endif
