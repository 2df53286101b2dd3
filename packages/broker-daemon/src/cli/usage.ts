/** Help texts, one per command, shown by `--help` and on usage errors. */
export const DEFAULT_SOCKET = "/run/vmnet-broker/broker.sock";

export const USAGE: Record<string, string> = {
  main: `vmnet-broker: one system-wide broker for VM networks

Usage: vmnet-broker <command> [options]

Commands:
  serve         run the broker (in a private network namespace unless --host)
  status        show networks, peers, leases and counters (--json for scripts)
  acquire       hold networks until interrupted (for scripts and tests)
  run           acquire a network and become a VMM (exec) holding a TAP on it
  lease         print (or wait for) the DHCP lease of a guest's MAC
  events        follow networks, interfaces, leases and peers as they change
  check-config  validate the configuration directory without serving
  stop          macOS: stop the launchd job (--force even while VMs hold networks)
  version       print the version

Run 'vmnet-broker <command> --help' for a command's options.
The socket is $VMNET_BROKER_SOCKET, or ${DEFAULT_SOCKET}.
`,
  serve: `Usage: vmnet-broker serve [options]

Runs the broker. By default it runs in a sandbox: a private network (and pid)
namespace made for this run, so it can be tried without touching the machine's
networking; clients still reach it through the socket. --host runs it for real.

Options:
  --host                     create networks in the machine's own namespace
  --socket PATH              socket to listen on (default: $VMNET_BROKER_SOCKET or ${DEFAULT_SOCKET})
  --socket-mode MODE         octal permissions of the socket (default 0660; 0666 in the sandbox)
  --socket-group GROUP       group owning the socket (name or gid)
  --admin-group GROUP        members see all of status, as root does (name or gid;
                             default: root only)
  --config-dir DIR           network definitions, *.json (default /etc/vmnet-broker.d)
  --runtime-dir DIR          dnsmasq and lease files (default /run/vmnet-broker)
  --vhost-net-device PATH    opened for TAPs asked with vhost_net (default /dev/vhost-net;
                             absent: such requests are UNSUPPORTED)
  --idle-delay-ms N          remove a network N ms after its last user left (default 120000)
  --exit-when-idle           exit after the idle delay with no peers (automatic with
                             systemd socket activation)
  --remove-networks-on-stop  Linux --host: remove every network at stop, cutting its
                             VMs off (default: networks with interfaces attached stay
                             for the next broker, which adopts them)
  --log-level LEVEL          debug, info, warn or error (default info)

Limits (a request over one gets LIMIT_EXCEEDED naming it; a connection over one is
closed with a log line naming it; root is exempt from the per-user and
per-network limits and may open 32 connections above --max-connections):
  --max-networks-per-peer N       distinct networks one connection may hold (default 8)
  --max-interfaces-per-peer N     interfaces one connection may have open (default 128)
  --max-interfaces-per-user N     interfaces one uid may have open (default 512)
  --max-interfaces-per-network N  interfaces on one network (default 1000; a bridge
                                  takes at most 1023)
  --max-connections N             connections open at once (default 2048; lowered
                                  to fit RLIMIT_NOFILE)
  --max-connections-per-user N    connections one uid may have open (default 512)
  --max-unsent-reply-bytes N      replies written but not yet read, all peers together;
                                  over it the peer holding the most is disconnected
                                  (default 67108864)
  --frame-timeout-ms N            time to finish a request once started; then the
                                  peer is disconnected (default 10000)
  --max-unsent-event-bytes N      events one subscriber may leave unread; then it
                                  is disconnected (default 262144)
`,
  status: `Usage: vmnet-broker status [--json] [--socket PATH] [--service-name NAME]

--socket is the Unix socket (Linux); --service-name the Mach service (macOS,
default com.github.nirs.vmnet-broker). Shows the broker's networks (with their references and removal countdown), the
connected peers, DHCP leases, interfaces, counters and configuration errors.
Root and members of the broker's --admin-group see everything; everyone else sees
the networks they may acquire, their own connections and interfaces and the
leases of their own interfaces, and the output says the view is filtered.
`,
  acquire: `Usage: vmnet-broker acquire [--socket PATH | --service-name NAME] [--json] [--veth-into NETNS [--ifname IF]] NAME...

Acquires each network and holds it until interrupted (SIGINT/SIGTERM) or until
stdin closes with --until-stdin-closes. Prints each network as it is acquired.
--veth-into attaches a network namespace (a path such as /proc/PID/ns/net or
/run/netns/NAME) to the first network through a veth pair named IF inside it
(default eth0); the pair is removed when this process releases the network.
Except for root, NETNS must belong to a user namespace of your own (for example,
run under unshare --user --map-root-user --net and pass /proc/self/ns/net); IF
must not start with vmbr-, vmtap- or vmveth- (the broker's own names).
On macOS it holds the networks over XPC (the Mach service --service-name,
default com.github.nirs.vmnet-broker) and prints a summary of each vmnet
serialization; --veth-into is Linux only.
`,
  run: `Usage: vmnet-broker run --network NAME [--tap-fd N] [--vnet-hdr] [--queues N] [--wrap]
                         [--tap-name] [--vhost-net] -- COMMAND [ARG...]

Acquires NAME, opens a TAP on it, and runs COMMAND (a VMM) with the TAP's fd as
file descriptor N (default 3); with --queues N > 1 the queue fds are N, N+1, ...

By default run becomes COMMAND: it execs it in its own process (same pid, no
parent left behind), and the TAP itself holds the network (an interface-held
lease) until its last fd closes, that is until the VMM exits or is killed. No
wrapper process can die and leave the VM on a detached TAP.

--wrap keeps run as COMMAND's parent instead: run's connection holds the lease
while COMMAND runs, run exits with COMMAND's status and passes SIGINT/SIGTERM on,
and COMMAND gets SIGKILL if run dies (even by kill -9). Use it with a broker
that does not know interface-held leases, or to tie the lease to run.

--tap-name opens a persistent TAP owned by your user that COMMAND opens by name
({tap}; Firecracker, cloud-hypervisor, crosvm) instead of passing fds; it implies
--wrap (run's connection holds that TAP, which is removed when run exits).

--vhost-net also passes one open /dev/vhost-net fd per queue, numbered after the
TAP fds, for QEMU's vhost=on,vhostfd=N when your user cannot open the device.
The broker refuses it (UNSUPPORTED) on a host without /dev/vhost-net.

In ARGs, {mac} becomes the guest MAC the broker picked (unique per TAP, so VMs
started from one command line do not share QEMU's default), {fd} the first TAP
fd, {fds} every TAP fd joined by ':' (QEMU's fds=), {tap} the TAP's name,
{vhostfd} and {vhostfds} the same for the vhost-net fds.
Example:

  vmnet-broker run --network shared -- \\
      qemu-system-x86_64 -netdev tap,id=n0,fd={fd} \\
      -device virtio-net-pci,netdev=n0,mac={mac} ...

The environment gets VMNET_BROKER_TAP_FDS and VMNET_BROKER_VHOST_FDS (comma
separated), VMNET_BROKER_TAP_NAME,
VMNET_BROKER_GUEST_MAC, VMNET_BROKER_NETWORK, VMNET_BROKER_GATEWAY,
VMNET_BROKER_SUBNET, VMNET_BROKER_MASK. Options go before --; everything after it
(--help included) is COMMAND's. A COMMAND that cannot be found exits 127 (126
when it is not executable), before anything is acquired.
`,
  lease: `Usage: vmnet-broker lease [--socket PATH] [--wait SECONDS] [--json] NETWORK MAC

Prints the DHCP lease of the guest with hardware address MAC on NETWORK: its
IPv4 address first, then the MAC, the network and its attributes. With --wait it
waits up to SECONDS (at most 600) for the guest to take one; the answer comes
as soon as the DHCP server has handed it out. Exits 5 (NOT_FOUND) when the guest
has no lease by then. You may look up networks you may acquire; you need not
hold them, and the network need not exist yet. For example, with run's guest MAC:

  MAC=52:54:00:12:34:56
  vmnet-broker run --network shared -- qemu-system-x86_64 ... mac=$MAC ... &
  vmnet-broker lease shared "$MAC" --wait 60
`,
  events: `Usage: vmnet-broker events [--socket PATH] [--json]

Follows the broker's events until interrupted, one line each, as docker events
does: time, type, network, then attributes (sequence, interface, lease, peer,
user). Types: network-created, network-removed, interface-opened,
interface-removed, lease-added, lease-renewed, lease-expired, peer-connected,
peer-gone. --json prints one JSON object per line. Root and the --admin-group see
every event; everyone else sees the networks they may acquire, their own
connections and interfaces, and the leases of their own interfaces (as status).
A reader that falls too far behind (--max-unsent-event-bytes) is disconnected.
`,
  "check-config": `Usage: vmnet-broker check-config [--config-dir DIR]

Validates every *.json in the configuration directory with the daemon's own
reader (regular files only, size and field limits, overlapping subnets) and
prints each problem with its file and field. Exits 1 when any file is bad, or
when a directory given with --config-dir does not exist.
`,
  stop: `Usage: sudo vmnet-broker stop [--force] [--label LABEL]

macOS only. Asks launchd to send the broker job (default com.github.nirs.vmnet-broker)
SIGTERM, which the broker ignores while any peer holds a network, because stopping
destroys vmnet networks. --force sends SIGUSR2 instead: the broker stops at once and
the VMs lose their networks. Only root may signal a system job.
`,
};
