// SPDX-License-Identifier: Apache-2.0
/**
 * The one description of the command line: `--help`, the man page and the
 * shell completions are all rendered from it (usage.ts, docs/). Text is
 * plain: paragraphs are reflowed, examples kept as written.
 */
import { SYSTEM_SOCKET } from "./runtime-paths.js";

export interface OptionUsage {
  /** "--socket" */
  readonly name: string;
  /** "PATH" for an option that takes a value. */
  readonly value?: string;
  readonly text: string;
  /** Completion hint for the value. */
  readonly complete?: "file" | "directory" | readonly string[];
}

export interface OptionGroup {
  /** "Options", "Limits" */
  readonly title: string;
  readonly intro?: string;
  readonly options: readonly OptionUsage[];
}

/** A paragraph, or an example shown as written. */
export type Block = string | { readonly example: string };

export interface CommandUsage {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What follows "vmnet-broker NAME" in the synopsis. */
  readonly synopsis: string;
  readonly description: readonly Block[];
  readonly groups: readonly OptionGroup[];
  /** Completion of positional arguments. */
  readonly positionals?: "networks" | "command";
}

const socket: OptionUsage = {
  name: "--socket",
  value: "PATH",
  text: `the broker's Unix socket (Linux; default $VMNET_BROKER_SOCKET, else ${SYSTEM_SOCKET})`,
  complete: "file",
};
const serviceName: OptionUsage = {
  name: "--service-name",
  value: "NAME",
  text: "the broker's Mach service (macOS; default com.github.nirs.vmnet-broker)",
};

export const COMMANDS: readonly CommandUsage[] = [
  {
    name: "serve",
    summary: "run the broker (in a private network namespace unless --host)",
    synopsis: "[options]",
    description: [
      "Runs the broker. By default it runs in a sandbox: a private network namespace made for this run, so it can be tried without touching the machine's networking; clients still reach it through the socket. --host runs it for real.",
    ],
    groups: [
      {
        title: "Options",
        options: [
          { name: "--host", text: "create networks in the machine's own namespace" },
          {
            name: "--socket",
            value: "PATH",
            text: "socket to listen on (default: $VMNET_BROKER_SOCKET, or broker.sock in the runtime directory)",
            complete: "file",
          },
          { name: "--socket-mode", value: "MODE", text: "octal permissions of the socket (default 0660; 0666 in the sandbox)" },
          { name: "--socket-group", value: "GROUP", text: "group owning the socket (name or gid)" },
          { name: "--admin-group", value: "GROUP", text: "members see all of status, as root does (name or gid; default: root only)" },
          {
            name: "--config-dir",
            value: "DIR",
            text: "network definitions, *.json (default /etc/vmnet-broker.d)",
            complete: "directory",
          },
          {
            name: "--runtime-dir",
            value: "DIR",
            text: "dnsmasq and lease files (default /run/vmnet-broker for root; otherwise $XDG_RUNTIME_DIR/vmnet-broker, or /tmp/vmnet-broker-UID without XDG_RUNTIME_DIR)",
            complete: "directory",
          },
          {
            name: "--vhost-net-device",
            value: "PATH",
            text: "opened for TAPs asked with vhost_net (default /dev/vhost-net; absent: such requests are UNSUPPORTED)",
            complete: "file",
          },
          { name: "--idle-delay-ms", value: "N", text: "remove a network N ms after its last user left (default 120000)" },
          {
            name: "--exit-when-idle",
            text: "exit after the idle delay with no peers (automatic with systemd socket activation)",
          },
          {
            name: "--remove-networks-on-stop",
            text: "Linux --host: remove every network at stop, cutting its VMs off (default: networks with interfaces attached stay for the next broker, which adopts them)",
          },
          { name: "--service-name", value: "NAME", text: "macOS: the Mach service to serve (default com.github.nirs.vmnet-broker)" },
          {
            name: "--log-level",
            value: "LEVEL",
            text: "debug, info, warn or error (default info)",
            complete: ["debug", "info", "warn", "error"],
          },
        ],
      },
      {
        title: "Limits",
        intro:
          "A request over a limit gets LIMIT_EXCEEDED naming it; a connection over one is closed with a log line naming it; root is exempt from the per-user and per-network limits and may open 32 connections above --max-connections.",
        options: [
          { name: "--max-networks-per-peer", value: "N", text: "distinct networks one connection may hold (default 8)" },
          { name: "--max-interfaces-per-peer", value: "N", text: "interfaces one connection may have open (default 128)" },
          { name: "--max-interfaces-per-user", value: "N", text: "interfaces one uid may have open (default 512)" },
          {
            name: "--max-interfaces-per-network",
            value: "N",
            text: "interfaces on one network (default 1000; a bridge takes at most 1023)",
          },
          {
            name: "--max-connections",
            value: "N",
            text: "connections open at once (default 2048; lowered to fit RLIMIT_NOFILE)",
          },
          { name: "--max-connections-per-user", value: "N", text: "connections one uid may have open (default 512)" },
          {
            name: "--max-unsent-reply-bytes",
            value: "N",
            text: "replies written but not yet read, all peers together; over it the peer holding the most is disconnected (default 67108864)",
          },
          {
            name: "--frame-timeout-ms",
            value: "N",
            text: "time to finish a request once started; then the peer is disconnected (default 10000)",
          },
          {
            name: "--max-unsent-event-bytes",
            value: "N",
            text: "events one subscriber may leave unread; then it is disconnected (default 262144)",
          },
        ],
      },
    ],
  },
  {
    name: "status",
    summary: "show networks, peers, leases and counters (--json for scripts)",
    synopsis: "[--json] [--all] [--socket PATH | --service-name NAME]",
    description: [
      "Shows the broker's networks (with their references and removal countdown), the connected peers (CLIENT is the name each gave in its hello), DHCP leases, interfaces, counters and configuration errors.",
      'Leases whose expiry has passed (guests long gone; dnsmasq keeps them until they expire) are left out and counted; --all shows them marked "expired". --json prints every lease with its expires_unix.',
      "Root and members of the broker's --admin-group see everything; everyone else sees the networks they may acquire, their own connections and interfaces and the leases of their own interfaces, and the output says the view is filtered.",
    ],
    groups: [
      {
        title: "Options",
        options: [
          { name: "--json", text: "the protocol's Status as JSON, field names in snake_case" },
          { name: "--all", text: "also show expired leases" },
          socket,
          serviceName,
        ],
      },
    ],
  },
  {
    name: "acquire",
    summary: "hold networks until interrupted (for scripts and tests)",
    synopsis: "[--socket PATH | --service-name NAME] [--json] [--until-stdin-closes] [--veth-into NETNS [--ifname IF]] NAME...",
    description: [
      "Acquires each network and holds it until interrupted (SIGINT/SIGTERM), or until stdin closes with --until-stdin-closes. Prints each network as it is acquired.",
      "--veth-into attaches a network namespace (a path such as /proc/PID/ns/net or /run/netns/NAME) to the first network through a veth pair named IF inside it (default eth0); the pair is removed when this process releases the network. Except for root, NETNS must belong to a user namespace of your own (for example, run under unshare --user --map-root-user --net and pass /proc/self/ns/net); IF must not start with vmbr-, vmtap-, vmveth- or vmvx- (the broker's own names).",
      "On macOS it holds the networks over XPC and prints a summary of each vmnet serialization; --veth-into is Linux only.",
    ],
    positionals: "networks",
    groups: [
      {
        title: "Options",
        options: [
          socket,
          serviceName,
          { name: "--json", text: "one JSON object per line" },
          { name: "--until-stdin-closes", text: "release when stdin reaches its end (for a harness that owns the process)" },
          { name: "--veth-into", value: "NETNS", text: "attach this network namespace to the first network", complete: "file" },
          { name: "--ifname", value: "IF", text: "the veth's name inside NETNS (default eth0)" },
        ],
      },
    ],
  },
  {
    name: "run",
    summary: "acquire a network and become a VMM (exec) holding a TAP on it",
    synopsis:
      "--network NAME [--tap-fd N] [--vnet-hdr] [--queues N] [--wrap] [--tap-name] [--vhost-net] [--socket PATH] -- COMMAND [ARG...]",
    description: [
      "Acquires NAME, opens a TAP on it, and runs COMMAND (a VMM) with the TAP's fd as file descriptor N (default 3); with --queues N > 1 the queue fds are N, N+1, ...",
      "By default run becomes COMMAND: it execs it in its own process (same pid, no parent left behind), and the TAP itself holds the network (an interface-held lease) until its last fd closes, that is until the VMM exits or is killed. No wrapper process can die and leave the VM on a detached TAP.",
      "--wrap keeps run as COMMAND's parent instead: run's connection holds the lease while COMMAND runs, run exits with COMMAND's status and passes SIGINT/SIGTERM on, and COMMAND gets SIGKILL if run dies (even by kill -9). Use it with a broker that does not know interface-held leases, or to tie the lease to run.",
      "--tap-name opens a persistent TAP owned by your user that COMMAND opens by name ({tap}; Firecracker, cloud-hypervisor, crosvm) instead of passing fds; it implies --wrap (run's connection holds that TAP, which is removed when run exits).",
      "--vhost-net also passes one open /dev/vhost-net fd per queue, numbered after the TAP fds, for QEMU's vhost=on,vhostfd=N when your user cannot open the device. The broker refuses it (UNSUPPORTED) on a host without /dev/vhost-net.",
      "In ARGs, {mac} becomes the guest MAC the broker picked (unique per TAP, so VMs started from one command line do not share QEMU's default), {fd} the first TAP fd, {fds} every TAP fd joined by ':' (QEMU's fds=), {tap} the TAP's name, {vhostfd} and {vhostfds} the same for the vhost-net fds. Example:",
      {
        example:
          "vmnet-broker run --network shared -- \\\n    qemu-system-x86_64 -netdev tap,id=n0,fd={fd} \\\n    -device virtio-net-pci,netdev=n0,mac={mac} ...",
      },
      "The environment gets VMNET_BROKER_TAP_FDS and VMNET_BROKER_VHOST_FDS (comma separated), VMNET_BROKER_TAP_NAME, VMNET_BROKER_GUEST_MAC, VMNET_BROKER_NETWORK, VMNET_BROKER_GATEWAY, VMNET_BROKER_SUBNET, VMNET_BROKER_MASK. Options go before --; everything after it (--help included) is COMMAND's. Once COMMAND runs, the exit status is COMMAND's; a COMMAND that cannot be found exits 127 (126 when it is not executable), before anything is acquired.",
    ],
    positionals: "command",
    groups: [
      {
        title: "Options",
        options: [
          { name: "--network", value: "NAME", text: "the network to acquire (required)" },
          { name: "--tap-fd", value: "N", text: "the TAP's fd number in COMMAND (default 3)" },
          { name: "--vnet-hdr", text: "open the TAP with IFF_VNET_HDR (QEMU vnet_hdr=on)" },
          { name: "--queues", value: "N", text: "a multi-queue TAP with N fds (default 1)" },
          { name: "--wrap", text: "stay as COMMAND's parent; the connection holds the lease" },
          { name: "--tap-name", text: "a persistent TAP of yours that COMMAND opens by name; implies --wrap" },
          { name: "--vhost-net", text: "also pass one /dev/vhost-net fd per queue, after the TAP fds" },
          socket,
        ],
      },
    ],
  },
  {
    name: "lease",
    summary: "print (or wait for) the DHCP lease of a guest's MAC",
    synopsis: "[--socket PATH | --service-name NAME] [--wait SECONDS] [--json] NETWORK MAC",
    description: [
      "Prints the DHCP lease of the guest with hardware address MAC on NETWORK: its IPv4 address first, then the MAC, the network and its attributes. With --wait it waits up to SECONDS (at most 600) for the guest to take one, and answers as soon as the DHCP server has handed it out. Exits 5 (NOT_FOUND) when the guest has no lease by then.",
      "You may look up the networks you may acquire; you need not hold them, and the network need not exist yet. The host name is shown for the MACs of your own interfaces only. For example, with a MAC you give the guest:",
      {
        example:
          'MAC=52:54:00:12:34:56\nvmnet-broker run --network shared -- qemu-system-x86_64 ... -device virtio-net-pci,netdev=n0,mac=$MAC &\nvmnet-broker lease shared "$MAC" --wait 60',
      },
    ],
    positionals: "networks",
    groups: [
      {
        title: "Options",
        options: [
          socket,
          serviceName,
          { name: "--wait", value: "SECONDS", text: "wait this long for the guest's lease (default 0: answer at once)" },
          { name: "--json", text: "the lease as one JSON object" },
        ],
      },
    ],
  },
  {
    name: "events",
    summary: "follow networks, interfaces, leases and peers as they change",
    synopsis: "[--socket PATH | --service-name NAME] [--json]",
    description: [
      "Follows the broker's events until interrupted, one line each, as docker events does: time, type, network, then attributes (sequence, interface, lease, peer, user). Types: network-created, network-removed, interface-opened, interface-removed, lease-added, lease-renewed, lease-expired, peer-connected, peer-gone.",
      "Root and the broker's --admin-group see every event; everyone else sees the networks they may acquire, their own connections and interfaces, and the leases of their own interfaces, as in status. A reader that falls too far behind (serve --max-unsent-event-bytes) is disconnected. On macOS the events come over XPC, on a connection of their own.",
    ],
    groups: [
      {
        title: "Options",
        options: [socket, serviceName, { name: "--json", text: "one JSON object per line" }],
      },
    ],
  },
  {
    name: "check-config",
    summary: "validate the configuration directory without serving",
    synopsis: "[--config-dir DIR]",
    description: [
      "Validates every *.json in the configuration directory with the daemon's own reader (regular files only, size and field limits, overlapping subnets) and prints each problem with its file and field. Exits 1 when any file is bad, or when a directory given with --config-dir does not exist.",
    ],
    groups: [
      {
        title: "Options",
        options: [{ name: "--config-dir", value: "DIR", text: "the directory (default /etc/vmnet-broker.d)", complete: "directory" }],
      },
    ],
  },
  {
    name: "stop",
    summary: "macOS: stop the launchd job (--force even while VMs hold networks)",
    synopsis: "[--force] [--label LABEL]",
    description: [
      "macOS only; run it as root. Asks launchd to send the broker job (default com.github.nirs.vmnet-broker) SIGTERM, which the broker ignores while any peer holds a network, because stopping destroys vmnet networks. --force sends SIGUSR2 instead: the broker stops at once and the VMs lose their networks. Only root may signal a system job.",
    ],
    groups: [
      {
        title: "Options",
        options: [
          { name: "--force", text: "stop even while VMs hold networks" },
          { name: "--label", value: "LABEL", text: "the launchd job (default com.github.nirs.vmnet-broker)" },
        ],
      },
    ],
  },
];

/** Exit statuses of every command but run's COMMAND and check-config's findings. */
export const EXIT_STATUSES: readonly { readonly code: string; readonly text: string }[] = [
  { code: "0", text: "success" },
  { code: "1", text: "TRANSPORT_FAILURE: the broker cannot be reached (no socket, refused) or the connection broke" },
  { code: "2", text: "INVALID_REPLY: the broker's answer made no sense" },
  { code: "3", text: "NOT_ALLOWED: the broker refused this user" },
  { code: "4", text: "INVALID_REQUEST: the broker rejected the request" },
  { code: "5", text: "NOT_FOUND: no network of that name" },
  { code: "6", text: "CREATE_FAILURE: the network or interface could not be made" },
  { code: "7", text: "INTERNAL_ERROR in the broker" },
  { code: "8", text: "LIMIT_EXCEEDED: a named limit was hit" },
  { code: "9", text: "UNSUPPORTED on this platform or by this broker" },
  { code: "64", text: "usage error (EX_USAGE): a bad command, option or value; not 2, which is INVALID_REPLY" },
  { code: "70", text: "any other failure of vmnet-broker itself (EX_SOFTWARE), e.g. a file it could not open" },
  { code: "126, 127", text: "run: COMMAND is not executable, or not found; otherwise run exits with COMMAND's status" },
];

export const EXIT_INTRO =
  "A broker error exits with its protocol code (ErrorCode, the same in every client), so a script can tell a refusal from a dead socket. check-config exits 1 when the configuration has problems.";

export const ENVIRONMENT: readonly { readonly name: string; readonly text: string }[] = [
  {
    name: "VMNET_BROKER_SOCKET",
    text: `the broker's socket, when --socket is not given; empty means unset. Default ${SYSTEM_SOCKET}; a user other than root without that socket talks to their own sandbox broker's, if it runs ($XDG_RUNTIME_DIR/vmnet-broker/broker.sock).`,
  },
  { name: "XDG_RUNTIME_DIR", text: "where serve keeps its socket and runtime files when not run as root" },
  { name: "JOURNAL_STREAM", text: "set by systemd: when it names stderr, log lines carry <N> syslog priorities for journalctl -p" },
];

export const FILES: readonly { readonly path: string; readonly text: string }[] = [
  { path: SYSTEM_SOCKET, text: "the system broker's socket" },
  {
    path: "/run/vmnet-broker/linux/",
    text: "one directory per live network: dnsmasq configuration, leases, the record a restarted broker adopts",
  },
  { path: "/etc/vmnet-broker.d/*.json", text: "network definitions beyond the built-in shared and host" },
];
