#include "common/common.h"
#include "platform.h"

namespace vmnet_broker {

void RegisterCommon(Napi::Env env, Napi::Object exports) {
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("exec", Napi::Function::New(env, Exec, "exec"));
}

}  // namespace vmnet_broker
