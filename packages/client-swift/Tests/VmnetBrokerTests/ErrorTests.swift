// SPDX-License-Identifier: Apache-2.0
import CVmnetBroker
import Testing
import VmnetBroker

@Suite("VmnetBroker.Error")
struct ErrorTests {
  @Test("codes match the shared ErrorCode numbers")
  func codes() {
    let expected: [(VmnetBroker.Error, Int32)] = [
      (.transportFailure, 1), (.invalidReply, 2), (.notAllowed, 3), (.invalidRequest, 4),
      (.notFound, 5), (.createFailure, 6), (.internalError, 7), (.limitExceeded, 8),
      (.unsupported, 9),
    ]
    for (error, code) in expected {
      #expect(error.code == code)
    }
    #expect(VmnetBroker.Error.xpcFailure == .transportFailure)
  }

  @Test("code written for the existing Swift client compiles: Error(status) and .status")
  func upstreamSpelling() {
    let error = VmnetBroker.Error(VMNET_BROKER_NOT_FOUND)
    #expect(error == .notFound)
    #expect(error.status == VMNET_BROKER_NOT_FOUND)
    #expect(VmnetBroker.Error.createFailure.status == VMNET_BROKER_CREATE_FAILURE)
  }

  @Test("equality and catch patterns use the code, not the detail")
  func patternMatching() {
    let thrown = VmnetBroker.Error(code: 5, detail: "no network named \"nope\"")
    #expect(thrown == .notFound)
    #expect(thrown != .notAllowed)
    var caught = false
    do {
      throw thrown
    } catch VmnetBroker.Error.notAllowed {
      Issue.record("matched the wrong code")
    } catch VmnetBroker.Error.notFound {
      caught = true
    } catch {
      Issue.record("did not match: \(error)")
    }
    #expect(caught)
  }

  @Test("descriptions carry the upstream text and the detail")
  func descriptions() {
    #expect(VmnetBroker.Error.notFound.errorDescription == "Network name not found")
    let detailed = VmnetBroker.Error(code: 6, detail: "bridge vb-x: EEXIST")
    #expect(detailed.errorDescription == "Failed to create network: bridge vb-x: EEXIST")
    #expect(VmnetBroker.Error(code: 42).summary == "(unknown status)")
  }
}
