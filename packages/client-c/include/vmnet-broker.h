// SPDX-License-Identifier: Apache-2.0
//
// vmnet-broker client library.
//
// macOS: the existing vmnet-broker C API, unchanged (XPC to the Mach service),
// plus sessions of their own for lease look-ups and the event stream
// (vmnet_broker_connect, vmnet_broker_session_wait_for_lease,
// vmnet_broker_session_subscribe and vmnet_broker_session_read_event).
// Linux: the same acquire call returning a network description, plus calls that
// open a TAP device or a veth pair on the network (Unix socket transport), the
// broker's status, lease look-ups and the event stream.
//
// Which call exists where:
//   both          vmnet_broker_acquire_network (an xpc_object_t on macOS, a
//                 vmnet_broker_network_t on Linux), vmnet_broker_strerror,
//                 vmnet_broker_last_error, vmnet_broker_connect,
//                 vmnet_broker_session_close, vmnet_broker_event_type_name,
//                 vmnet_broker_session_wait_for_lease, vmnet_broker_session_subscribe,
//                 vmnet_broker_session_fd, vmnet_broker_session_read_event
//   Linux only    everything else (TAP and veth interfaces, which vmnet does
//                 not have; hello, status, timeouts, the default session).
//
// THE CONNECTION IS THE LEASE. Every network a process acquires stays reserved
// for as long as its connection to the broker is open. Closing the connection
// (vmnet_broker_close(), vmnet_broker_session_close(), or the process exiting
// or dying) releases all of them. There is no per-network release call.
//
// One opt-in exception (Linux): an interface opened with
// VMNET_BROKER_HOLDER_INTERFACE (the *_held_by calls) holds its network itself,
// for exactly as long as it exists: a TAP until its last fd closes, in whatever
// process holds it; a veth until its namespace goes. For launchers that hand the
// TAP to a VMM and exit, or exec it.

#ifndef VMNET_BROKER_H
#define VMNET_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __APPLE__
#include <xpc/xpc.h>
#endif

// The version of this header; set from the repository's VERSION file by
// tools/release/set-version.mjs. The library's is in its soname and symbol versions.
#define VMNET_BROKER_VERSION_MAJOR 0
#define VMNET_BROKER_VERSION_MINOR 1
#define VMNET_BROKER_VERSION_PATCH 0
#define VMNET_BROKER_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __APPLE__

// The broker Mach service name.
#define MACH_SERVICE_NAME "com.github.nirs.vmnet-broker"

// Request keys.
#define REQUEST_COMMAND "command"
#define REQUEST_NETWORK_NAME "network_name"

// Request commands.
#define COMMAND_ACQUIRE "acquire"

// Reply keys.
#define REPLY_NETWORK "network"
#define REPLY_ERROR "error"

#endif // __APPLE__

// Status codes: the shared ErrorCode of protocol/vmnet_broker/v1/broker.proto.
// 0-7 are the existing vmnet-broker's values and never change.
typedef enum {
    // Operation was successful.
    VMNET_BROKER_SUCCESS = 0,
    // Failed to reach the broker (XPC on macOS, the Unix socket on Linux), or
    // the connection broke.
    VMNET_BROKER_XPC_FAILURE = 1,
    // Broker returned invalid reply.
    VMNET_BROKER_INVALID_REPLY = 2,
    // The user is not allowed to use the network.
    VMNET_BROKER_NOT_ALLOWED = 3,
    // The request was invalid.
    VMNET_BROKER_INVALID_REQUEST = 4,
    // No network by that name in the broker configuration.
    VMNET_BROKER_NOT_FOUND = 5,
    // The broker failed to create the network or interface.
    VMNET_BROKER_CREATE_FAILURE = 6,
    // Internal or unknown error.
    VMNET_BROKER_INTERNAL_ERROR = 7,
    // The process already holds the maximum number of distinct networks.
    VMNET_BROKER_LIMIT_EXCEEDED = 8,
    // Valid, but not supported by this broker or platform.
    VMNET_BROKER_UNSUPPORTED = 9
} vmnet_broker_return_t;

// Interface names fit in IFNAMSIZ (16) including the terminating NUL.
#define VMNET_BROKER_IFNAME_SIZE 16

#ifdef __APPLE__

/*!
 * @function vmnet_broker_acquire_network
 *
 * @abstract
 * Acquires a shared lock on a configured network, instantiating it if
 * necessary.
 *
 * @discussion
 * The lock lasts as long as the process's one connection to the broker, which
 * this library keeps open for the life of the process.
 *
 * @param network_name
 * The name of the network as defined in the broker configuration.
 *
 * @param status
 * Optional output parameter. On return, contains the status of the operation.
 *
 * @result
 * A retained xpc_object_t serialization on success, or NULL on failure. The
 * caller releases it with `xpc_release()`.
 */
xpc_object_t _Nullable vmnet_broker_acquire_network(const char *_Nonnull network_name,
                                                    vmnet_broker_return_t *_Nullable status);

/*!
 * @function vmnet_broker_strerror
 *
 * @abstract
 * Returns a static description of a status code.
 */
const char *_Nonnull vmnet_broker_strerror(vmnet_broker_return_t status);

/*!
 * @function vmnet_broker_last_error
 *
 * @abstract
 * A description of the last failure of a session call on the calling thread
 * (the broker's message, or what was wrong with a reply); "" when there is none.
 * Valid until the thread's next call into this library. The acquire call above
 * does not set it.
 */
const char *_Nonnull vmnet_broker_last_error(void);

// ---- Sessions (macOS) --------------------------------------------------------
// A session is an XPC connection of its own to the broker's Mach service,
// separate from the process-wide one vmnet_broker_acquire_network() keeps. It
// carries the protocol's requests ({command: "request", request: <data>},
// protocol/README.md), which need protobuf-c (Homebrew: brew install protobuf-c).
// On macOS a session serves lease look-ups and the event stream; networks are
// acquired with vmnet_broker_acquire_network(). Blocking calls on a session are
// serialized; calls cannot time out on macOS (XPC's synchronous send has no
// deadline; a lease look-up ends by its wait_ms on the broker's side).

// One connection to the broker. Thread-safe.
typedef struct vmnet_broker_session vmnet_broker_session_t;

// Opens a session on the Mach service service_name (NULL: MACH_SERVICE_NAME).
// XPC connects on the first request, so a broker that is not there shows as
// VMNET_BROKER_XPC_FAILURE from that request. Returns NULL and sets *status
// (if not NULL) on failure.
vmnet_broker_session_t *_Nullable vmnet_broker_connect(const char *_Nullable service_name,
                                                       vmnet_broker_return_t *_Nullable status);

// Cancels the connection (the broker releases whatever it held) and frees the
// session. The fd of vmnet_broker_session_fd() is closed too. NULL is ignored.
void vmnet_broker_session_close(vmnet_broker_session_t *_Nullable session);

#else // Linux and other Unix systems: the Unix socket transport.

// Linux name for code 1, which is about the Unix socket, not XPC.
#define VMNET_BROKER_TRANSPORT_FAILURE VMNET_BROKER_XPC_FAILURE

// The broker's socket when VMNET_BROKER_SOCKET is not set.
#define VMNET_BROKER_DEFAULT_SOCKET "/run/vmnet-broker/broker.sock"
// Environment variable naming the broker's socket.
#define VMNET_BROKER_SOCKET_ENV "VMNET_BROKER_SOCKET"

// vmnet_broker_open_tap() flags (every open_tap call takes them).
#define VMNET_BROKER_TAP_VNET_HDR 0x1u // IFF_VNET_HDR: virtio-net header on every frame
// A persistent TAP that a VMM opens by name (Firecracker, cloud-hypervisor,
// crosvm), owned by the caller's uid and gid: no TAP fd comes back, info->name
// is the device, and it is removed when the session closes. Only with
// VMNET_BROKER_HOLDER_CONNECTION (the broker refuses the interface as holder).
#define VMNET_BROKER_TAP_NAMED 0x2u
// Also one open /dev/vhost-net fd per queue, after the TAP fds in fds[] (which
// then needs room for 2 * queues, or queues with VMNET_BROKER_TAP_NAMED), for
// QEMU's vhost=on,vhostfd=N. VMNET_BROKER_UNSUPPORTED on a host without
// /dev/vhost-net.
#define VMNET_BROKER_TAP_VHOST_NET 0x4u

// Largest number of TAP queues one call may ask for.
#define VMNET_BROKER_MAX_QUEUES 64u

// HelloReply.features, as bits.
#define VMNET_BROKER_FEATURE_STATUS 0x1u
#define VMNET_BROKER_FEATURE_TAP 0x2u
#define VMNET_BROKER_FEATURE_VETH 0x4u

// How a network reaches the outside (NetworkMode).
typedef enum {
    VMNET_BROKER_MODE_UNSPECIFIED = 0,
    VMNET_BROKER_MODE_SHARED = 1, // NAT to the host's uplinks, DHCP and DNS
    VMNET_BROKER_MODE_HOST = 2    // host-only
} vmnet_broker_mode_t;

// One connection to the broker: the lease. Thread-safe (calls on one session
// are serialized by its mutex).
typedef struct vmnet_broker_session vmnet_broker_session_t;

// An acquired network's description. Freeing it frees memory only: the network
// stays acquired until the connection closes.
typedef struct vmnet_broker_network vmnet_broker_network_t;

// A snapshot of the broker's state (StatusRequest).
typedef struct vmnet_broker_status vmnet_broker_status_t;

// The broker's answer to hello. Strings are truncated to fit, always NUL
// terminated.
typedef struct {
    uint32_t protocol_version;
    char broker_version[128];
    char platform[16];
    unsigned features; // VMNET_BROKER_FEATURE_* bits
} vmnet_broker_hello_t;

// An opened interface.
typedef struct {
    char name[VMNET_BROKER_IFNAME_SIZE];        // host side: the TAP, or the bridge end of the veth
    char peer_ifname[VMNET_BROKER_IFNAME_SIZE]; // veth: the name inside the namespace
    char mac[18];                               // "aa:bb:cc:dd:ee:ff", or "" if unknown
    unsigned fd_count;                          // TAP: queues whose fds were returned
} vmnet_broker_interface_t;

// What holds an opened interface and its reference on the network (LeaseHolder).
typedef enum {
    // The connection that opened it: closing the connection removes it (the
    // default of vmnet_broker_open_tap() and friends).
    VMNET_BROKER_HOLDER_CONNECTION = 1,
    // The interface itself: a TAP holds its network until its last fd closes, a
    // veth until its namespace goes, whether or not the connection stays open.
    VMNET_BROKER_HOLDER_INTERFACE = 2
} vmnet_broker_holder_t;

// An opened interface, as the *_held_by calls describe it (vmnet_broker_interface_t
// keeps its layout for existing callers).
typedef struct {
    char name[VMNET_BROKER_IFNAME_SIZE];        // host side: the TAP, or the bridge end of the veth
    char peer_ifname[VMNET_BROKER_IFNAME_SIZE]; // veth: the name inside the namespace
    char mac[18];                               // "aa:bb:cc:dd:ee:ff", or "" if unknown
    unsigned fd_count;                          // TAP: queues whose fds were returned
    char guest_mac[18];                         // TAP: a unique MAC the broker picked for the guest (QEMU
                                                // -device virtio-net-pci,mac=...); "" for veth
    vmnet_broker_holder_t holder;               // what holds it
} vmnet_broker_interface_info_t;

// Static description of a status code ("(unknown status)" for unknown codes).
const char *vmnet_broker_strerror(vmnet_broker_return_t status);

// A description of the last failure on the calling thread: the broker's error
// message, or the failing syscall and errno. Valid until the thread's next call
// into this library; "" when there is none.
const char *vmnet_broker_last_error(void);

// The socket path used when none is given: $VMNET_BROKER_SOCKET if set and not
// empty, else VMNET_BROKER_DEFAULT_SOCKET.
const char *vmnet_broker_socket_path(void);

// ---- Explicit sessions (no global state) ----------------------------------

// Connects to the broker at socket_path (NULL: vmnet_broker_socket_path()).
// Returns NULL and sets *status (if not NULL) on failure.
vmnet_broker_session_t *vmnet_broker_connect(const char *socket_path, vmnet_broker_return_t *status);

// Closes the connection, releasing every network and interface it holds, and
// frees the session. NULL is ignored.
void vmnet_broker_session_close(vmnet_broker_session_t *session);

// Names the client in the hello the session sends ahead of its first request
// (the broker's status shows it as CLIENT): default "client-c" and this
// library's version. Call it before the first request; libraries built on this
// one (client-swift) give their own name.
void vmnet_broker_session_set_client(vmnet_broker_session_t *session, const char *name, const char *version);

// Bounds every later wait for a reply on this session; 0 (the default) waits
// as long as the broker takes. A timeout breaks the connection (code 1).
void vmnet_broker_session_set_timeout_ms(vmnet_broker_session_t *session, unsigned timeout_ms);

// Interrupts the session from any thread: a call waiting on it fails at once
// with VMNET_BROKER_XPC_FAILURE, later calls fail the same way, and the broker
// releases everything the session held. The session still has to be closed
// with vmnet_broker_session_close() (never at the same time as this call).
void vmnet_broker_session_shutdown(vmnet_broker_session_t *session);

// Exchanges versions. Returns 0 and fills *out, or -1 and sets *status.
int vmnet_broker_session_hello(vmnet_broker_session_t *session, vmnet_broker_hello_t *out,
                               vmnet_broker_return_t *status);

// Acquires a network by name, creating it if needed. Returns a description to
// free with vmnet_broker_network_free(), or NULL and sets *status.
vmnet_broker_network_t *vmnet_broker_session_acquire_network(vmnet_broker_session_t *session, const char *network_name,
                                                             vmnet_broker_return_t *status);

// Opens a TAP device on an acquired network, with `queues` queues (0 means 1,
// at most VMNET_BROKER_MAX_QUEUES). On success returns 0 and stores one fd per
// queue in fds[0..queues-1] (close-on-exec; the caller owns and closes them;
// the TAP disappears when the last one closes); info, if not NULL, describes
// the device. On failure returns -1, sets *status, and leaves no fd open.
int vmnet_broker_session_open_tap(vmnet_broker_session_t *session, const vmnet_broker_network_t *network,
                                  unsigned flags, unsigned queues, int *fds, vmnet_broker_interface_t *info,
                                  vmnet_broker_return_t *status);

// Creates a veth pair on an acquired network and moves one end, named ifname
// (NULL or "": "eth0"), into the network namespace netns_fd refers to (for
// example an open /proc/self/ns/net). The caller keeps netns_fd. Returns 0, or
// -1 and sets *status.
int vmnet_broker_session_open_veth(vmnet_broker_session_t *session, const vmnet_broker_network_t *network, int netns_fd,
                                   const char *ifname, vmnet_broker_interface_t *info, vmnet_broker_return_t *status);

// vmnet_broker_session_open_tap() with a choice of holder. With
// VMNET_BROKER_HOLDER_INTERFACE the TAP outlives the session and holds the network
// until its last fd closes (in this process or one it passed the fds to). A broker
// that does not honour the holder gives VMNET_BROKER_UNSUPPORTED (and no fd).
int vmnet_broker_session_open_tap_held_by(vmnet_broker_session_t *session, const vmnet_broker_network_t *network,
                                          unsigned flags, unsigned queues, vmnet_broker_holder_t holder, int *fds,
                                          vmnet_broker_interface_info_t *info, vmnet_broker_return_t *status);

// vmnet_broker_session_open_veth() with a choice of holder; with
// VMNET_BROKER_HOLDER_INTERFACE the pair holds the network until the namespace goes.
int vmnet_broker_session_open_veth_held_by(vmnet_broker_session_t *session, const vmnet_broker_network_t *network,
                                           int netns_fd, const char *ifname, vmnet_broker_holder_t holder,
                                           vmnet_broker_interface_info_t *info, vmnet_broker_return_t *status);

// Reads the broker's state. Free with vmnet_broker_status_free().
vmnet_broker_status_t *vmnet_broker_session_get_status(vmnet_broker_session_t *session, vmnet_broker_return_t *status);

// ---- The process-wide default session --------------------------------------
// Opened on first use at vmnet_broker_socket_path() and kept open until
// vmnet_broker_close(). If it breaks (the broker went away), every call returns
// VMNET_BROKER_XPC_FAILURE until vmnet_broker_close(): the networks it held are
// gone, and the caller must know. The next call after vmnet_broker_close()
// connects again.

vmnet_broker_network_t *vmnet_broker_acquire_network(const char *network_name, vmnet_broker_return_t *status);
int vmnet_broker_hello(vmnet_broker_hello_t *out, vmnet_broker_return_t *status);
int vmnet_broker_open_tap(const vmnet_broker_network_t *network, unsigned flags, unsigned queues, int *fds,
                          vmnet_broker_return_t *status);
int vmnet_broker_open_veth(const vmnet_broker_network_t *network, int netns_fd, const char *ifname,
                           vmnet_broker_return_t *status);
// The same two with a choice of holder, also describing the interface in *info
// (name, guest MAC, holder) when info is not NULL; see the session calls.
int vmnet_broker_open_tap_held_by(const vmnet_broker_network_t *network, unsigned flags, unsigned queues,
                                  vmnet_broker_holder_t holder, int *fds, vmnet_broker_interface_info_t *info,
                                  vmnet_broker_return_t *status);
int vmnet_broker_open_veth_held_by(const vmnet_broker_network_t *network, int netns_fd, const char *ifname,
                                   vmnet_broker_holder_t holder, vmnet_broker_interface_info_t *info,
                                   vmnet_broker_return_t *status);
vmnet_broker_status_t *vmnet_broker_get_status(vmnet_broker_return_t *status);
// Closes the default session: releases everything this process acquired
// through the calls above.
void vmnet_broker_close(void);

// ---- Network description ----------------------------------------------------
// Strings are owned by the network and live until vmnet_broker_network_free();
// absent values are "".

const char *vmnet_broker_network_name(const vmnet_broker_network_t *network);
vmnet_broker_mode_t vmnet_broker_network_mode(const vmnet_broker_network_t *network);
const char *vmnet_broker_network_description(const vmnet_broker_network_t *network);
const char *vmnet_broker_network_subnet(const vmnet_broker_network_t *network);      // "192.168.105.0"
const char *vmnet_broker_network_mask(const vmnet_broker_network_t *network);        // "255.255.255.0"
const char *vmnet_broker_network_gateway(const vmnet_broker_network_t *network);     // host address, DNS
const char *vmnet_broker_network_ipv6_prefix(const vmnet_broker_network_t *network); // CIDR or ""
uint32_t vmnet_broker_network_mtu(const vmnet_broker_network_t *network);
const char *vmnet_broker_network_bridge(const vmnet_broker_network_t *network);
bool vmnet_broker_network_dhcp(const vmnet_broker_network_t *network);
bool vmnet_broker_network_dns(const vmnet_broker_network_t *network);
// Frees memory only; the network stays acquired (the connection is the lease).
void vmnet_broker_network_free(vmnet_broker_network_t *network);

// ---- Broker state -----------------------------------------------------------

const char *vmnet_broker_status_broker_version(const vmnet_broker_status_t *st);
uint32_t vmnet_broker_status_pid(const vmnet_broker_status_t *st);
size_t vmnet_broker_status_peer_count(const vmnet_broker_status_t *st);
// The name a peer gave in its hello ("" when it sent none); index <
// vmnet_broker_status_peer_count(), NULL when out of range.
const char *vmnet_broker_status_peer_client_name(const vmnet_broker_status_t *st, size_t index);
size_t vmnet_broker_status_network_count(const vmnet_broker_status_t *st);
// index < vmnet_broker_status_network_count(); NULL / 0 when out of range.
const char *vmnet_broker_status_network_name(const vmnet_broker_status_t *st, size_t index);
uint32_t vmnet_broker_status_network_references(const vmnet_broker_status_t *st, size_t index);
// Interfaces holding the network (VMNET_BROKER_HOLDER_INTERFACE), beside the
// connections counted in references.
uint32_t vmnet_broker_status_network_interface_references(const vmnet_broker_status_t *st, size_t index);
// Whether this broker took the network over from a previous one (restart).
bool vmnet_broker_status_network_adopted(const vmnet_broker_status_t *st, size_t index);
// False for a configured network that does not exist now.
bool vmnet_broker_status_network_live(const vmnet_broker_status_t *st, size_t index);
// The interfaces open on network `index`; iface < that count. NULL / 0 when out of range.
size_t vmnet_broker_status_interface_count(const vmnet_broker_status_t *st, size_t index);
const char *vmnet_broker_status_interface_name(const vmnet_broker_status_t *st, size_t index, size_t iface);
vmnet_broker_holder_t vmnet_broker_status_interface_holder(const vmnet_broker_status_t *st, size_t index, size_t iface);
uint32_t vmnet_broker_status_interface_owner_uid(const vmnet_broker_status_t *st, size_t index, size_t iface);
// True when the asker is not an admin and sees only its own part of the state.
bool vmnet_broker_status_view_filtered(const vmnet_broker_status_t *st);
void vmnet_broker_status_free(vmnet_broker_status_t *st);

#endif // __APPLE__

// ---- Leases and events (macOS and Linux) -------------------------------------

// Nullability, as the macOS half of this header spells it (clang wants it on
// every pointer of a header once one has it); nothing on Linux.
#if defined(__APPLE__) && defined(__clang__)
#define VMNET_BROKER_NONNULL _Nonnull
#define VMNET_BROKER_NULLABLE _Nullable
#else
#define VMNET_BROKER_NONNULL
#define VMNET_BROKER_NULLABLE
#endif

// The longest the broker waits for a lease (longer waits are capped to it).
#define VMNET_BROKER_MAX_LEASE_WAIT_MS 600000u

// macOS: the most encoded event bytes a session keeps unread (see read_event).
#define VMNET_BROKER_MAX_UNREAD_EVENT_BYTES (1024u * 1024u)

// A guest's DHCP lease. Strings are NUL terminated.
typedef struct {
    char network[64];
    char mac[18];         // "aa:bb:cc:dd:ee:ff"
    char ip[16];          // the leased IPv4 address
    char hostname[64];    // "" unless the MAC is on one of this user's interfaces (or an admin asks)
    int64_t expires_unix; // when the lease ends, seconds since the epoch; 0 for never
    char ipv6[4][46];     // IPv6 addresses the broker knows for the MAC (often none)
    unsigned ipv6_count;
} vmnet_broker_lease_t;

// What an event reports (the protocol's EventType values).
typedef enum {
    VMNET_BROKER_EVENT_NETWORK_CREATED = 1,
    VMNET_BROKER_EVENT_NETWORK_REMOVED = 2,
    VMNET_BROKER_EVENT_INTERFACE_OPENED = 3,
    VMNET_BROKER_EVENT_INTERFACE_REMOVED = 4,
    VMNET_BROKER_EVENT_LEASE_ADDED = 5,
    VMNET_BROKER_EVENT_LEASE_RENEWED = 6,
    VMNET_BROKER_EVENT_LEASE_EXPIRED = 7,
    VMNET_BROKER_EVENT_PEER_CONNECTED = 8,
    VMNET_BROKER_EVENT_PEER_GONE = 9
} vmnet_broker_event_type_t;

// One thing that happened in the broker, as far as this user may see it.
typedef struct {
    uint64_t sequence;    // +1 per broker event; a gap means events this user may not see
    int64_t time_unix_ms; // when it happened
    vmnet_broker_event_type_t type;
    char network[64]; // "" when the event concerns no network
    char interface_name[VMNET_BROKER_IFNAME_SIZE];
    bool has_lease; // lease events: lease is filled in
    vmnet_broker_lease_t lease;
    uint64_t peer_id; // peer and interface events
    uint32_t uid;     // the peer's (or the interface owner's) uid
} vmnet_broker_event_t;

// The event type's name as `vmnet-broker events` prints it ("lease-added"), or "unknown".
const char *VMNET_BROKER_NONNULL vmnet_broker_event_type_name(vmnet_broker_event_type_t type);

// The DHCP lease of the guest with hardware address mac on a network this user
// may acquire (it need not be held), waiting up to wait_ms (capped at
// VMNET_BROKER_MAX_LEASE_WAIT_MS; 0 answers at once) for the guest to take one.
// Returns 0 and fills *out, or -1 and sets *status: VMNET_BROKER_NOT_FOUND when
// there is no lease by then. The broker answers a connection's requests one at
// a time: the session is busy until the answer comes (use a second session to
// do other things meanwhile). Linux: a session timeout shorter than the wait
// is stretched for this call.
int vmnet_broker_session_wait_for_lease(vmnet_broker_session_t *VMNET_BROKER_NONNULL session,
                                        const char *VMNET_BROKER_NONNULL network, const char *VMNET_BROKER_NONNULL mac,
                                        unsigned wait_ms, vmnet_broker_lease_t *VMNET_BROKER_NONNULL out,
                                        vmnet_broker_return_t *VMNET_BROKER_NULLABLE status);

// Turns the session into a stream of events (every other call on it then
// fails with VMNET_BROKER_INVALID_REQUEST); use a session of its own for it.
// Returns 0 and sets *next_sequence (if not NULL) to the sequence number the
// first event carries, or -1 and sets *status.
int vmnet_broker_session_subscribe(vmnet_broker_session_t *VMNET_BROKER_NONNULL session,
                                   uint64_t *VMNET_BROKER_NULLABLE next_sequence,
                                   vmnet_broker_return_t *VMNET_BROKER_NULLABLE status);

// The fd to poll (POLLIN) for events in an event loop. Owned by the session:
// never read, write or close it. Linux: the session's socket, -1 once the
// session broke. macOS: the read end of a pipe that the XPC connection's event
// handler makes readable when an event or the stream's end is waiting; it stays
// open until vmnet_broker_session_close().
int vmnet_broker_session_fd(vmnet_broker_session_t *VMNET_BROKER_NULLABLE session);

// Reads the next event of a subscribed session, waiting up to timeout_ms for
// one (0: only what is already buffered or readable now, for a caller that
// polls the fd). Returns 1 and fills *out, 0 when none came in time (the
// stream stays usable), or -1 and sets *status (VMNET_BROKER_XPC_FAILURE when
// the broker dropped the stream, for example a reader too slow;
// VMNET_BROKER_INVALID_REPLY for an event that does not decode, and
// vmnet_broker_last_error() says what). A failure ends the stream: later reads
// fail the same way. Several events may arrive in one read: call it until it
// returns 0 before polling the fd again. Close the session to end the
// subscription. macOS: events pushed over XPC wait in the session, up to
// VMNET_BROKER_MAX_UNREAD_EVENT_BYTES of them; a reader that leaves more unread
// loses the stream (VMNET_BROKER_XPC_FAILURE after the events before it), as
// the broker drops a slow reader.
int vmnet_broker_session_read_event(vmnet_broker_session_t *VMNET_BROKER_NONNULL session, unsigned timeout_ms,
                                    vmnet_broker_event_t *VMNET_BROKER_NONNULL out,
                                    vmnet_broker_return_t *VMNET_BROKER_NULLABLE status);

#ifdef __cplusplus
}
#endif

#endif // VMNET_BROKER_H
