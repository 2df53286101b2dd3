// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Glibc
  import VmnetBroker
  import VmnetBrokerProto

  /// A raw Unix-socket connection speaking the framed protocol with the Swift
  /// codec (VmnetBrokerProto), to check the generated code against the live
  /// broker; the client itself goes through the C client.
  final class RawConnection {
    private let fd: Int32

    init(socketPath: String) throws {
      fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
      guard fd >= 0 else { throw Self.transport("socket") }
      var address = sockaddr_un()
      address.sun_family = sa_family_t(AF_UNIX)
      let path = Array(socketPath.utf8)
      guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
        Glibc.close(fd)
        throw VmnetBroker.Error(code: 4, detail: "socket path too long: \(socketPath)")
      }
      withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: path)
      }
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      guard connected == 0 else {
        let error = Self.transport("connect \(socketPath)")
        Glibc.close(fd)
        throw error
      }
    }

    deinit {
      Glibc.close(fd)
    }

    /// Sends `count` acquires of `network` before reading any reply, then
    /// checks that the replies answer them in order; returns the networks.
    func pipelineAcquires(network: String, count: Int) throws -> [VmnetBroker_V1_Network] {
      var networks: [VmnetBroker_V1_Network] = []
      var frames: [UInt8] = []
      for id in 1...UInt32(count) {
        var acquire = VmnetBroker_V1_AcquireRequest()
        acquire.networkName = network
        var request = VmnetBroker_V1_Request()
        request.id = id
        request.command = .acquire(acquire)
        let payload = request.serializedBytes()
        frames += Self.bigEndian(UInt32(payload.count)) + payload
      }
      try sendAll(frames)
      for id in 1...UInt32(count) {
        let payload = try readFrame()
        let reply: VmnetBroker_V1_Reply
        do {
          reply = try VmnetBroker_V1_Reply(serializedBytes: payload)
        } catch {
          throw VmnetBroker.Error(code: 2, detail: "reply \(id) does not decode: \(error)")
        }
        guard reply.id == id else {
          throw VmnetBroker.Error(code: 2, detail: "reply id \(reply.id) answers request \(id)")
        }
        switch reply.result {
        case .network(let network)?: networks.append(network)
        case .error(let error)?:
          throw VmnetBroker.Error(code: error.code.rawValue, detail: error.message)
        default:
          throw VmnetBroker.Error(code: 2, detail: "reply \(id) is not a network")
        }
      }
      return networks
    }

    /// Sends one request and decodes its reply.
    func call(_ request: VmnetBroker_V1_Request) throws -> VmnetBroker_V1_Reply {
      let payload = request.serializedBytes()
      try sendAll(Self.bigEndian(UInt32(payload.count)) + payload)
      return try VmnetBroker_V1_Reply(serializedBytes: try readFrame())
    }

    private func sendAll(_ bytes: [UInt8]) throws {
      var offset = 0
      while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes {
          send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        if sent < 0 && errno == EINTR { continue }
        guard sent > 0 else { throw Self.transport("send") }
        offset += sent
      }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
      var buffer = [UInt8](repeating: 0, count: count)
      var offset = 0
      while offset < count {
        let got = buffer[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if got < 0 && errno == EINTR { continue }
        guard got > 0 else {
          throw got == 0
            ? VmnetBroker.Error(code: 1, detail: "the broker closed the connection")
            : Self.transport("recv")
        }
        offset += got
      }
      return buffer
    }

    private func readFrame() throws -> [UInt8] {
      let header = try readExactly(4)
      let length = header.reduce(0) { $0 << 8 | Int($1) }
      guard length <= 4_194_304 else {
        throw VmnetBroker.Error(code: 2, detail: "reply frame of \(length) bytes is over the maximum")
      }
      return try readExactly(length)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
      [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
    }

    private static func transport(_ call: String) -> VmnetBroker.Error {
      VmnetBroker.Error(code: 1, detail: "\(call) failed: \(String(cString: strerror(errno)))")
    }
  }
#endif
