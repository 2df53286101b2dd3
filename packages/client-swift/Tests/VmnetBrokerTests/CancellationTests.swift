// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Foundation
  import Testing
  @testable import VmnetBroker

  /// Calls on a broker that never answers end by timeout, cancellation or
  /// close(), never by waiting forever.
  @Suite("timeouts and cancellation")
  struct CancellationTests {
    @Test("a call times out with transportFailure, and the connection stays broken")
    func timeout() throws {
      let broker = try SilentBroker()
      let connection = try VmnetBroker.Connection(socketPath: broker.socketPath, timeout: .milliseconds(100))
      defer { connection.close() }
      #expect(connection.timeout == .milliseconds(100))
      #expect(throws: VmnetBroker.Error.transportFailure) { try connection.hello() }
      #expect(throws: VmnetBroker.Error.transportFailure) { try connection.acquireNetwork(named: "shared") }
    }

    @Test("an async call with a timeout fails instead of hanging")
    func asyncTimeout() async throws {
      let broker = try SilentBroker()
      let connection = try await VmnetBroker.Connection.connect(
        socketPath: broker.socketPath, timeout: .milliseconds(100))
      defer { connection.close() }
      await #expect(throws: VmnetBroker.Error.transportFailure) { try await connection.status() }
    }

    @Test("cancelling a waiting async call throws CancellationError and closes the connection")
    func cancellation() async throws {
      let broker = try SilentBroker()
      let connection = try VmnetBroker.Connection(socketPath: broker.socketPath)
      defer { connection.close() }
      let call = Task { try await connection.acquireNetwork(named: "shared") }
      try await Task.sleep(for: .milliseconds(100))  // let it reach the wait
      call.cancel()
      await #expect(throws: CancellationError.self) { try await call.value }
      #expect(throws: VmnetBroker.Error.transportFailure) { try connection.hello() }
    }

    @Test("a task cancelled before the call starts does not reach the broker")
    func cancelledBeforehand() async throws {
      let broker = try SilentBroker()
      let connection = try VmnetBroker.Connection(socketPath: broker.socketPath, timeout: .seconds(30))
      defer { connection.close() }
      let call = Task {
        withUnsafeCurrentTask { $0?.cancel() }
        return try await connection.hello()
      }
      await #expect(throws: CancellationError.self) { try await call.value }
    }

    @Test("close() from another thread ends a waiting call")
    func closeInterrupts() async throws {
      let broker = try SilentBroker()
      let connection = try VmnetBroker.Connection(socketPath: broker.socketPath)
      let call = Task.detached { try connection.status() }
      try await Task.sleep(for: .milliseconds(100))
      connection.close()
      await #expect(throws: VmnetBroker.Error.transportFailure) { try await call.value }
    }

    @Test("timeouts round up to whole milliseconds")
    func milliseconds() {
      #expect(VmnetBroker.Connection.milliseconds(.microseconds(1)) == 1)
      #expect(VmnetBroker.Connection.milliseconds(.milliseconds(1500)) == 1500)
      #expect(VmnetBroker.Connection.milliseconds(.seconds(1) + .nanoseconds(1)) == 1001)
      #expect(VmnetBroker.Connection.milliseconds(.seconds(Int64.max / 2)) == UInt32.max)
    }
  }
#endif
