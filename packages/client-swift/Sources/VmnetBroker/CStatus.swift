// SPDX-License-Identifier: Apache-2.0
import CVmnetBroker

extension VmnetBroker.Error {
  /// The error for a failed C call: its status and the thread's last error text.
  static func fromC(_ status: vmnet_broker_return_t) -> VmnetBroker.Error {
    let code = Int32(bitPattern: status.rawValue)
    return VmnetBroker.Error(
      code: code == 0 ? VmnetBroker.Error.internalError.code : code,
      detail: String(cString: vmnet_broker_last_error()))
  }
}

/// A NUL-terminated C `char` array (imported as a tuple) as a String.
func string<Tuple>(fromCArray tuple: Tuple) -> String {
  withUnsafeBytes(of: tuple) { raw in
    let bytes = raw.prefix { $0 != 0 }
    return String(decoding: bytes, as: UTF8.self)
  }
}
