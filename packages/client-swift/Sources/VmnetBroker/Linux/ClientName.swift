// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
  extension VmnetBroker {
    /// The name every connection gives in its hello: `vmnet-broker status`
    /// shows it in CLIENT.
    public static let clientName = "client-swift"
    /// This library's version, sent with ``clientName``.
    public static let clientVersion = "0.1.0"
  }
#endif
