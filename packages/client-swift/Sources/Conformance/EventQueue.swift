// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  import Dispatch
  import Foundation
  import VmnetBroker

  /// Events of a subscription, read by a task from the Swift API's stream and
  /// taken one at a time by the (synchronous) conformance loop.
  final class EventQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<VmnetBroker.Event, any Error>] = []
    private let available = DispatchSemaphore(value: 0)
    private var reader: Task<Void, Never>?

    init(_ stream: AsyncThrowingStream<VmnetBroker.Event, any Error>) {
      reader = Task { [self] in
        do {
          for try await event in stream { push(.success(event)) }
          push(.failure(VmnetBroker.Error(code: 1, detail: "the event stream ended")))
        } catch {
          push(.failure(error))
        }
      }
    }

    /// The next event within `deadline`, or `nil` when none came.
    func next(before deadline: DispatchTime) throws -> VmnetBroker.Event? {
      guard available.wait(timeout: deadline) == .success else { return nil }
      lock.lock()
      let item = items.removeFirst()
      lock.unlock()
      return try item.get()
    }

    /// Ends the subscription (the stream's connection closes).
    func cancel() {
      reader?.cancel()
    }

    private func push(_ item: Result<VmnetBroker.Event, any Error>) {
      lock.lock()
      items.append(item)
      lock.unlock()
      available.signal()
    }
  }
#endif
