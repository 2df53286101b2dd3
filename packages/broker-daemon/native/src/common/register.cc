// SPDX-License-Identifier: Apache-2.0
#include "common/common.h"
#include "platform.h"

namespace vmnet_broker {

void RegisterCommon(Napi::Env env, Napi::Object exports) {
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("exec", Napi::Function::New(env, Exec, "exec"));
  exports.Set("accountUid", Napi::Function::New(env, AccountUid, "accountUid"));
  exports.Set("accountGid", Napi::Function::New(env, AccountGid, "accountGid"));
  exports.Set("releaseFreedMemory",
              Napi::Function::New(env, ReleaseFreedMemory, "releaseFreedMemory"));
  exports.Set("accountName", Napi::Function::New(env, AccountName, "accountName"));
  exports.Set("accountGroups",
              Napi::Function::New(env, AccountGroups, "accountGroups"));
}

}  // namespace vmnet_broker
