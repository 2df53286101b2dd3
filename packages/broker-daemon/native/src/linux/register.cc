// SPDX-License-Identifier: Apache-2.0
#include "linux/linux.h"
#include "platform.h"

namespace vmnet_broker {

void RegisterLinux(Napi::Env env, Napi::Object exports) {
  exports.Set("openTap", Napi::Function::New(env, OpenTap, "openTap"));
  exports.Set("addToBridge", Napi::Function::New(env, AddToBridge, "addToBridge"));
  exports.Set("setUp", Napi::Function::New(env, SetUp, "setUp"));
  exports.Set("setMtu", Napi::Function::New(env, SetMtu, "setMtu"));
  exports.Set("mtuOf", Napi::Function::New(env, MtuOf, "mtuOf"));
  exports.Set("createVxlan", Napi::Function::New(env, CreateVxlan, "createVxlan"));
  exports.Set("fdbAppend", Napi::Function::New(env, FdbAppend, "fdbAppend"));
  exports.Set("macAddress", Napi::Function::New(env, MacAddress, "macAddress"));
  exports.Set("interfaceIndex",
              Napi::Function::New(env, InterfaceIndex, "interfaceIndex"));
  exports.Set("setUpInNetns", Napi::Function::New(env, SetUpInNetns, "setUpInNetns"));
  exports.Set("ipv4AddressesAndRoutes", Napi::Function::New(env, Ipv4AddressesAndRoutes,
                                                            "ipv4AddressesAndRoutes"));
  exports.Set("createVeth", Napi::Function::New(env, CreateVeth, "createVeth"));
  exports.Set("createBridge", Napi::Function::New(env, CreateBridge, "createBridge"));
  exports.Set("addAddress", Napi::Function::New(env, AddAddress, "addAddress"));
  exports.Set("nftCreateTable",
              Napi::Function::New(env, NftCreateTable, "nftCreateTable"));
  exports.Set("nftDeleteTable",
              Napi::Function::New(env, NftDeleteTable, "nftDeleteTable"));
  exports.Set("nftListTables",
              Napi::Function::New(env, NftListTables, "nftListTables"));
  exports.Set("muteRouteEvents",
              Napi::Function::New(env, MuteRouteEvents, "muteRouteEvents"));
  exports.Set("udpBound", Napi::Function::New(env, UdpBound, "udpBound"));
  exports.Set("listLinks", Napi::Function::New(env, ListLinks, "listLinks"));
  exports.Set("deleteLink", Napi::Function::New(env, DeleteLink, "deleteLink"));
  exports.Set("watchLinks", Napi::Function::New(env, WatchLinks, "watchLinks"));
  exports.Set("netnsInfo", Napi::Function::New(env, NetnsInfo, "netnsInfo"));
  exports.Set("enterNetns", Napi::Function::New(env, EnterNetns, "enterNetns"));
  exports.Set("enterNewNetns",
              Napi::Function::New(env, EnterNewNetns, "enterNewNetns"));
}

}  // namespace vmnet_broker
