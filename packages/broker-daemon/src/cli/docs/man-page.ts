// SPDX-License-Identifier: Apache-2.0
/** vmnet-broker(1) in roff (man(7) macros), rendered from usage-data.ts. */
import { type Block, COMMANDS, ENVIRONMENT, EXIT_INTRO, EXIT_STATUSES, FILES, type OptionUsage } from "../usage-data.js";

/** Escapes text for roff: backslashes, and a leading dot or quote. */
function roff(text: string): string {
  return text
    .replaceAll("\\", "\\e")
    .replaceAll("-", "\\-")
    .replace(/^([.'])/gm, "\\&$1");
}

function block(b: Block): string {
  return typeof b === "string" ? `.PP\n${roff(b)}` : `.PP\n.RS 4\n.nf\n${roff(b.example)}\n.fi\n.RE`;
}

function option(o: OptionUsage): string {
  const label = o.value ? `.BI "${roff(o.name)} " ${o.value}` : `.B ${roff(o.name)}`;
  return `.TP\n${label}\n${roff(o.text)}`;
}

export function manPage(version: string): string {
  const out = [
    `.\\" Generated from src/cli/usage-data.ts by \`nx run broker-daemon:docs\`; do not edit.`,
    `.TH VMNET\\-BROKER 1 "" "vmnet-broker ${version}" "User Commands"`,
    ".SH NAME",
    "vmnet\\-broker \\- one system\\-wide broker for VM networks",
    ".SH SYNOPSIS",
    ...COMMANDS.map((c) => `.B vmnet\\-broker ${roff(c.name)}\n${roff(c.synopsis)}\n.br`),
    ".B vmnet\\-broker version",
    ".SH DESCRIPTION",
    roff(
      "vmnet-broker creates VM networks (Linux bridges with NAT and DHCP, or macOS vmnet networks) and shares them between VM tools: a client acquires a network by name, the broker creates it or hands out the one that exists, and removes it after an idle delay once its last holder is gone. The connection is the lease. Every command takes --help.",
    ),
    ".SH COMMANDS",
  ];
  for (const c of COMMANDS) {
    out.push(`.SS ${roff(c.name)}`, `.B vmnet\\-broker ${roff(c.name)}\n${roff(c.synopsis)}`, ...c.description.map(block));
    for (const group of c.groups) {
      if (group.title !== "Options") out.push(`.PP\n.I ${group.title}`);
      if (group.intro) out.push(`.PP\n${roff(group.intro)}`);
      out.push(...group.options.map(option));
    }
  }
  out.push(".SS version", "Prints the version.", ".SH EXIT STATUS", roff(EXIT_INTRO));
  out.push(...EXIT_STATUSES.map((e) => `.TP\n.B ${roff(e.code)}\n${roff(e.text)}`));
  out.push(".SH ENVIRONMENT", ...ENVIRONMENT.map((e) => `.TP\n.B ${e.name}\n${roff(e.text)}`));
  out.push(".SH FILES", ...FILES.map((f) => `.TP\n.I ${roff(f.path)}\n${roff(f.text)}`));
  out.push(".SH SEE ALSO", "systemctl(1), journalctl(1), dnsmasq(8), unshare(1)");
  return `${out.join("\n")}\n`;
}
