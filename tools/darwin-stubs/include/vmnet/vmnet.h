/*
 * STUB FOR CHECKING ONLY. Not Apple's header and not usable to build or run
 * anything: the vmnet declarations this repository's macOS sources use, with
 * the signatures, constants and availability Apple documents (vmnet network
 * API: macOS 26.0+), so tools/darwin-check.sh can compile them with Debian's
 * clang. vmnet_network_ref and vmnet_network_configuration_ref are
 * CoreFoundation-style objects, released with CFRelease.
 */
#ifndef VMNET_BROKER_STUB_VMNET_H
#define VMNET_BROKER_STUB_VMNET_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <dispatch/dispatch.h>
#include <net/ethernet.h>
#include <os/availability.h>
#include <xpc/xpc.h>
#include <Availability.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  VMNET_SUCCESS = 1000,
  VMNET_FAILURE = 1001,
  VMNET_MEM_FAILURE = 1002,
  VMNET_INVALID_ARGUMENT = 1003,
  VMNET_SETUP_INCOMPLETE = 1004,
  VMNET_INVALID_ACCESS = 1005,
  VMNET_PACKET_TOO_BIG = 1006,
  VMNET_BUFFER_EXHAUSTED = 1007,
  VMNET_TOO_MANY_PACKETS = 1008,
  VMNET_SHARING_SERVICE_BUSY = 1009,
  VMNET_NOT_AUTHORIZED = 1010,
} vmnet_return_t;

typedef enum {
  VMNET_HOST_MODE = 1000,
  VMNET_SHARED_MODE = 1001,
  VMNET_BRIDGED_MODE = 1002,
} operating_modes_t;
typedef operating_modes_t vmnet_mode_t;

typedef struct vmnet_interface *interface_ref;
typedef struct vmnet_network_configuration_s *vmnet_network_configuration_ref;
typedef struct vmnet_network_s *vmnet_network_ref;
typedef void (^vmnet_start_interface_completion_handler_t)(vmnet_return_t status, xpc_object_t interface_param);
typedef void (^vmnet_interface_completion_handler_t)(vmnet_return_t status);

/* Only an SDK for macOS 26 or newer declares the network API: the check with an
 * older SDK (VMNET_BROKER_STUB_SDK=150000) proves the code compiles it out. */
#if __MAC_OS_X_VERSION_MAX_ALLOWED >= 260000
vmnet_network_configuration_ref vmnet_network_configuration_create(vmnet_mode_t mode, vmnet_return_t *status)
    API_AVAILABLE(macos(26.0));
void vmnet_network_configuration_disable_nat44(vmnet_network_configuration_ref config) API_AVAILABLE(macos(26.0));
void vmnet_network_configuration_disable_nat66(vmnet_network_configuration_ref config) API_AVAILABLE(macos(26.0));
void vmnet_network_configuration_disable_dhcp(vmnet_network_configuration_ref config) API_AVAILABLE(macos(26.0));
void vmnet_network_configuration_disable_dns_proxy(vmnet_network_configuration_ref config) API_AVAILABLE(macos(26.0));
void vmnet_network_configuration_disable_router_advertisement(vmnet_network_configuration_ref config)
    API_AVAILABLE(macos(26.0));
vmnet_return_t vmnet_network_configuration_set_external_interface(vmnet_network_configuration_ref config,
                                                                  const char *ifname) API_AVAILABLE(macos(26.0));
vmnet_return_t vmnet_network_configuration_set_ipv4_subnet(vmnet_network_configuration_ref config,
                                                           const struct in_addr *subnet_addr,
                                                           const struct in_addr *subnet_mask)
    API_AVAILABLE(macos(26.0));
vmnet_return_t vmnet_network_configuration_set_ipv6_prefix(vmnet_network_configuration_ref config,
                                                           const struct in6_addr *prefix, uint8_t prefix_len)
    API_AVAILABLE(macos(26.0));
vmnet_return_t vmnet_network_configuration_set_mtu(vmnet_network_configuration_ref config, uint32_t mtu)
    API_AVAILABLE(macos(26.0));
vmnet_return_t vmnet_network_configuration_add_port_forwarding_rule(vmnet_network_configuration_ref config,
                                                                    uint8_t protocol, sa_family_t address_family,
                                                                    uint16_t internal_port, uint16_t external_port,
                                                                    const void *internal_address)
    API_AVAILABLE(macos(26.0));
vmnet_return_t vmnet_network_configuration_add_dhcp_reservation(vmnet_network_configuration_ref config,
                                                                const ether_addr_t *client,
                                                                const struct in_addr *reservation)
    API_AVAILABLE(macos(26.0));

vmnet_network_ref vmnet_network_create(vmnet_network_configuration_ref configuration, vmnet_return_t *status)
    API_AVAILABLE(macos(26.0));
xpc_object_t vmnet_network_copy_serialization(vmnet_network_ref network, vmnet_return_t *status)
    API_AVAILABLE(macos(26.0));
vmnet_network_ref vmnet_network_create_with_serialization(xpc_object_t serialization, vmnet_return_t *status)
    API_AVAILABLE(macos(26.0));
void vmnet_network_get_ipv4_subnet(vmnet_network_ref network, struct in_addr *subnet, struct in_addr *mask)
    API_AVAILABLE(macos(26.0));
void vmnet_network_get_ipv6_prefix(vmnet_network_ref network, struct in6_addr *prefix, uint8_t *prefix_len)
    API_AVAILABLE(macos(26.0));

interface_ref vmnet_interface_start_with_network(vmnet_network_ref network, xpc_object_t interface_desc,
                                                 dispatch_queue_t queue,
                                                 vmnet_start_interface_completion_handler_t handler)
    API_AVAILABLE(macos(26.0));
#endif

vmnet_return_t vmnet_stop_interface(interface_ref interface, dispatch_queue_t queue,
                                    vmnet_interface_completion_handler_t handler);

#ifdef __cplusplus
}
#endif

#endif
