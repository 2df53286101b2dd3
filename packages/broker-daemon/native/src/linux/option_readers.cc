// SPDX-License-Identifier: Apache-2.0
#include "linux/option_readers.h"

#include <net/if.h>

#include "errors.h"

namespace vmnet_broker {

bool ReadTextOption(Napi::Object options, const char* key, bool is_ifname,
                    const char* usage, std::string* out) {
  Napi::Value value = options.Get(key);
  if (!value.IsString()) {
    ThrowUsage(options.Env(), usage, std::string(key) + " must be a string");
    return false;
  }
  *out = value.As<Napi::String>().Utf8Value();
  if (is_ifname && (out->empty() || out->size() >= IFNAMSIZ)) {
    ThrowUsage(options.Env(), usage,
               std::string(key) + " '" + *out + "' must have 1 to " +
                   std::to_string(IFNAMSIZ - 1) + " bytes");
    return false;
  }
  return true;
}

bool ReadUnsignedOption(Napi::Object options, const char* key, double min, double max,
                        const char* usage, uint32_t* out) {
  Napi::Value value = options.Get(key);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (number < min || number > max ||
      number != static_cast<double>(static_cast<uint32_t>(number))) {
    ThrowUsage(options.Env(), usage,
               std::string(key) + " must be an integer in [" +
                   std::to_string(static_cast<long>(min)) + ", " +
                   std::to_string(static_cast<long>(max)) + "]");
    return false;
  }
  *out = static_cast<uint32_t>(number);
  return true;
}

}  // namespace vmnet_broker
