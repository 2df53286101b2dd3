// SPDX-License-Identifier: Apache-2.0
// The protobuf-c runtime as a system library for SwiftPM: pkg-config
// libprotobuf-c gives CVmnetBroker its header path and link flags (on macOS,
// Homebrew's /opt/homebrew; `brew install protobuf-c`).
#include <protobuf-c/protobuf-c.h>
