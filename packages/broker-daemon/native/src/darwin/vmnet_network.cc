// SPDX-License-Identifier: Apache-2.0
#include "vmnet_network.h"

#include <Availability.h>
#include <CoreFoundation/CoreFoundation.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <vmnet/vmnet.h>

#include <cstring>
#include <string>

#include "vmnet_options.h"
#include "xpc_value.h"

namespace vmnet_broker_darwin {
namespace {

const napi_type_tag kNetworkTag = {0x3b9f0c27e4d15a88ULL, 0xc6a2715e0f3d9b41ULL};

// Owns one vmnet_network_ref; released once, by vmnetReleaseNetwork or by the
// garbage collector, whichever comes first.
struct NetworkBox {
  CFTypeRef network;
};

void ReleaseBox(NetworkBox* box) {
  if (box->network != nullptr) {
    CFRelease(box->network);
    box->network = nullptr;
  }
}

// Why creation failed: the vmnet call and the status it returned (0 when the
// failure was not a vmnet status, such as an unsupported macOS).
struct Failure {
  std::string call;
  int status = 0;
  std::string detail;
};

std::string IPv4Text(const struct in_addr& addr) {
  char text[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &addr, text, sizeof(text));
  return text;
}

std::string IPv6Text(const struct in6_addr& addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, &addr, text, sizeof(text));
  return text;
}

class CreateNetworkWorker : public Napi::AsyncWorker {
 public:
  CreateNetworkWorker(Napi::Env env, VmnetOptions options)
      : Napi::AsyncWorker(env, "vmnet-broker:vmnet_network_create"),
        deferred_(Napi::Promise::Deferred::New(env)),
        options_(std::move(options)) {}

  ~CreateNetworkWorker() override {
    // Reached only if OnOK never took ownership (for example env teardown).
    if (network_ != nullptr) CFRelease(network_);
    if (serialization_ != nullptr) xpc_release(serialization_);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
#if defined(__MAC_OS_X_VERSION_MAX_ALLOWED) && __MAC_OS_X_VERSION_MAX_ALLOWED >= 260000
    if (__builtin_available(macOS 26.0, *)) {
      Create();
      return;
    }
#endif
    failure_ = {"vmnet_network_create", 0,
                "vmnet networks need macOS 26 or newer (and an SDK that has them)"};
    SetError(failure_.detail);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    auto* box = new NetworkBox{network_};
    network_ = nullptr;
    auto handle =
        Napi::External<NetworkBox>::New(env, box, [](Napi::Env, NetworkBox* b) {
          ReleaseBox(b);
          delete b;
        });
    handle.TypeTag(&kNetworkTag);
    result.Set("network", handle);
    result.Set("serialization", WrapXpcObject(env, serialization_));
    xpc_release(serialization_);  // the handle holds its own reference
    serialization_ = nullptr;
    result.Set("subnet", IPv4Text(subnet_));
    result.Set("mask", IPv4Text(mask_));
    result.Set("ipv6Prefix", IPv6Text(prefix_));
    result.Set("ipv6PrefixLength", Napi::Number::New(env, prefix_length_));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error&) override {
    Napi::Env env = Env();
    Napi::Error error =
        Napi::Error::New(env, failure_.call + " failed: " + failure_.detail);
    error.Set("vmnetCall", Napi::String::New(env, failure_.call));
    error.Set("vmnetStatus", Napi::Number::New(env, failure_.status));
    deferred_.Reject(error.Value());
  }

 private:
#if defined(__MAC_OS_X_VERSION_MAX_ALLOWED) && __MAC_OS_X_VERSION_MAX_ALLOWED >= 260000
  // Records a failed vmnet call; the JavaScript side turns the status into words.
  bool Check(const char* call, vmnet_return_t status) API_AVAILABLE(macos(26.0)) {
    if (status == VMNET_SUCCESS) return true;
    failure_ = {call, static_cast<int>(status),
                "vmnet status " + std::to_string(static_cast<int>(status))};
    SetError(failure_.detail);
    return false;
  }

  bool Configure(vmnet_network_configuration_ref config) API_AVAILABLE(macos(26.0)) {
    const VmnetOptions& o = options_;
    if (o.subnet_gateway && o.subnet_mask &&
        !Check("vmnet_network_configuration_set_ipv4_subnet",
               vmnet_network_configuration_set_ipv4_subnet(config, &*o.subnet_gateway,
                                                           &*o.subnet_mask))) {
      return false;
    }
    if (o.ipv6_prefix && !Check("vmnet_network_configuration_set_ipv6_prefix",
                                vmnet_network_configuration_set_ipv6_prefix(
                                    config, &*o.ipv6_prefix, o.ipv6_prefix_length))) {
      return false;
    }
    if (o.mtu && !Check("vmnet_network_configuration_set_mtu",
                        vmnet_network_configuration_set_mtu(config, *o.mtu))) {
      return false;
    }
    if (!o.external_interface.empty() &&
        !Check("vmnet_network_configuration_set_external_interface",
               vmnet_network_configuration_set_external_interface(
                   config, o.external_interface.c_str()))) {
      return false;
    }
    if (!o.nat44) vmnet_network_configuration_disable_nat44(config);
    if (!o.nat66) vmnet_network_configuration_disable_nat66(config);
    if (!o.dhcp) vmnet_network_configuration_disable_dhcp(config);
    if (!o.dns_proxy) vmnet_network_configuration_disable_dns_proxy(config);
    if (!o.router_advertisement)
      vmnet_network_configuration_disable_router_advertisement(config);
    for (const VmnetPortForward& rule : o.port_forwarding) {
      if (!Check("vmnet_network_configuration_add_port_forwarding_rule",
                 vmnet_network_configuration_add_port_forwarding_rule(
                     config, rule.protocol, AF_INET, rule.internal_port,
                     rule.external_port, &rule.internal))) {
        return false;
      }
    }
    for (const VmnetReservation& reservation : o.dhcp_reservations) {
      ether_addr_t client;
      std::memcpy(client.octet, reservation.mac, sizeof(client.octet));
      if (!Check("vmnet_network_configuration_add_dhcp_reservation",
                 vmnet_network_configuration_add_dhcp_reservation(config, &client,
                                                                  &reservation.ip))) {
        return false;
      }
    }
    return true;
  }

  void Create() API_AVAILABLE(macos(26.0)) {
    vmnet_return_t status = VMNET_FAILURE;
    vmnet_network_configuration_ref config = vmnet_network_configuration_create(
        options_.shared_mode ? VMNET_SHARED_MODE : VMNET_HOST_MODE, &status);
    if (config == nullptr) {
      Check("vmnet_network_configuration_create",
            status == VMNET_SUCCESS ? VMNET_FAILURE : status);
      return;
    }
    bool configured = Configure(config);
    vmnet_network_ref network = nullptr;
    if (configured) {
      network = vmnet_network_create(config, &status);
      if (network == nullptr)
        Check("vmnet_network_create", status == VMNET_SUCCESS ? VMNET_FAILURE : status);
    }
    CFRelease(config);  // the network keeps what it needs
    if (network == nullptr) return;

    xpc_object_t serialization = vmnet_network_copy_serialization(network, &status);
    if (serialization == nullptr) {
      Check("vmnet_network_copy_serialization",
            status == VMNET_SUCCESS ? VMNET_FAILURE : status);
      CFRelease(network);
      return;
    }
    vmnet_network_get_ipv4_subnet(network, &subnet_, &mask_);
    vmnet_network_get_ipv6_prefix(network, &prefix_, &prefix_length_);
    network_ = network;
    serialization_ = serialization;
  }
#endif

  Napi::Promise::Deferred deferred_;
  VmnetOptions options_;
  Failure failure_;
  CFTypeRef network_ = nullptr;
  xpc_object_t serialization_ = nullptr;
  struct in_addr subnet_ {};
  struct in_addr mask_ {};
  struct in6_addr prefix_ {};
  uint8_t prefix_length_ = 0;
};

}  // namespace

Napi::Value VmnetCreateNetwork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  VmnetOptions options;
  if (!ParseVmnetOptions(env, info[0], &options)) return env.Undefined();
  auto* worker = new CreateNetworkWorker(env, std::move(options));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // deletes itself after OnOK/OnError
  return promise;
}

Napi::Value VmnetReleaseNetwork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal() ||
      !info[0].As<Napi::External<NetworkBox>>().CheckTypeTag(&kNetworkTag)) {
    Napi::TypeError::New(env,
                         "usage: vmnetReleaseNetwork(handle from vmnetCreateNetwork)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ReleaseBox(info[0].As<Napi::External<NetworkBox>>().Data());
  return env.Undefined();
}

}  // namespace vmnet_broker_darwin
