// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Glibc

  /// Checks that a TAP device really sits on a network: sends an ARP request
  /// for the gateway through the TAP and waits for the gateway's ARP reply.
  /// Traffic stays on the broker's own bridge.
  public enum ARPProbe {
    /// Why a probe failed, naming the failing call.
    public struct Failure: Error, CustomStringConvertible {
      public let description: String
    }

    /// Sends the request on the first of `fds` (a TAP's queues) and returns
    /// the replying IPv4 address, which is `gateway` on success. The reply may
    /// come back on any queue, so every fd is read. `vnetHeaderSize` is 10 for
    /// a TAP opened with a vnet header (the kernel's default size), else 0.
    public static func probe(
      fds: [Int32], gateway: String, subnet: String, mask: String, vnetHeaderSize: Int = 0,
      timeoutMilliseconds: Int32 = 5_000
    ) throws -> String {
      guard let fd = fds.first else {
        throw Failure(description: "no TAP file descriptor to probe")
      }
      guard let gatewayIP = ipv4(gateway), let subnetIP = ipv4(subnet), let maskIP = ipv4(mask) else {
        throw Failure(description: "bad address: gateway \(gateway), subnet \(subnet), mask \(mask)")
      }
      // A sender address inside the subnet that is neither the gateway nor
      // the broadcast: the last host address, or the one below it.
      let broadcast = subnetIP | ~maskIP
      let sender = broadcast &- 1 == gatewayIP ? broadcast &- 2 : broadcast &- 1
      let senderMAC: [UInt8] = [0x02, 0x76, 0x62, 0x73, 0x77, 0x01]  // locally administered
      // An all-zero virtio-net header means "no offloads" for this frame.
      var frame = [UInt8](repeating: 0, count: vnetHeaderSize)
      frame += [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + senderMAC + [0x08, 0x06]
      frame += [0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01]  // Ethernet/IPv4, request
      frame += senderMAC + bytes(sender) + [0, 0, 0, 0, 0, 0] + bytes(gatewayIP)
      let written = frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      guard written == frame.count else {
        throw Failure(description: "write to TAP fd \(fd) failed: \(String(cString: strerror(errno)))")
      }
      var buffer = [UInt8](repeating: 0, count: 65_536)
      var remaining = timeoutMilliseconds
      while remaining > 0 {
        var pollFDs = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let step: Int32 = min(remaining, 100)
        let ready = poll(&pollFDs, nfds_t(pollFDs.count), step)
        if ready < 0 && errno != EINTR {
          throw Failure(description: "poll on TAP fds \(fds) failed: \(String(cString: strerror(errno)))")
        }
        remaining -= step
        guard ready > 0 else { continue }
        for entry in pollFDs where entry.revents & Int16(POLLIN) != 0 {
          let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
          guard count >= 0 else {
            if errno == EAGAIN || errno == EINTR { continue }
            throw Failure(description: "read from TAP fd \(entry.fd) failed: \(String(cString: strerror(errno)))")
          }
          guard count > vnetHeaderSize else { continue }
          if let replier = arpReplier(Array(buffer[vnetHeaderSize..<count]), to: senderMAC) {
            return replier
          }
        }
      }
      throw Failure(description: "no ARP reply from \(gateway) within \(timeoutMilliseconds) ms")
    }

    /// The sender IPv4 of an ARP reply addressed to `mac`, or nil for any other frame.
    static func arpReplier(_ frame: [UInt8], to mac: [UInt8]) -> String? {
      guard frame.count >= 42, frame[12] == 0x08, frame[13] == 0x06, frame[20] == 0, frame[21] == 2,
        Array(frame[32..<38]) == mac
      else { return nil }
      return frame[28..<32].map(String.init).joined(separator: ".")
    }

    static func ipv4(_ text: String) -> UInt32? {
      let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
      guard parts.count == 4 else { return nil }
      return parts.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func bytes(_ address: UInt32) -> [UInt8] {
      [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: address >> $0) }
    }
  }
#endif
