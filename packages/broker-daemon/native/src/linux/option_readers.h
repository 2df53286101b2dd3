// SPDX-License-Identifier: Apache-2.0
// Readers of an options object's fields for the link-making calls: each throws
// the call's usage with what is wrong and returns false, or stores the value.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace vmnet_broker {

// A string field; an interface name (is_ifname) must have 1 to IFNAMSIZ-1 bytes.
bool ReadTextOption(Napi::Object options, const char* key, bool is_ifname,
                    const char* usage, std::string* out);

// An integer field in [min, max].
bool ReadUnsignedOption(Napi::Object options, const char* key, double min, double max,
                        const char* usage, uint32_t* out);

}  // namespace vmnet_broker
