// SPDX-License-Identifier: Apache-2.0
/** Help texts, one per command, shown by `--help` and on usage errors; rendered from usage-data.ts. */
import { type Block, COMMANDS, type CommandUsage, ENVIRONMENT, EXIT_INTRO, EXIT_STATUSES, type OptionUsage } from "./usage-data.js";

const WIDTH = 80;
const OPTION_COLUMN = 32;

/** Greedy word wrap; continuation lines start with indent. */
export function wrap(text: string, width: number, indent = ""): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

export function optionLabel(option: OptionUsage): string {
  return option.value ? `${option.name} ${option.value}` : option.name;
}

function block(b: Block): string {
  return typeof b === "string"
    ? wrap(b, WIDTH)
    : b.example
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n");
}

function option(o: OptionUsage): string {
  const label = `  ${optionLabel(o)}`;
  const pad = " ".repeat(OPTION_COLUMN);
  const text = wrap(o.text, WIDTH - OPTION_COLUMN, "").split("\n");
  const first = label.length < OPTION_COLUMN ? `${label.padEnd(OPTION_COLUMN)}${text[0]}` : `${label}\n${pad}${text[0]}`;
  return [first, ...text.slice(1).map((t) => pad + t)].join("\n");
}

function commandHelp(c: CommandUsage): string {
  const parts = [wrap(`Usage: vmnet-broker ${c.name} ${c.synopsis}`, WIDTH, "    "), ...c.description.map(block)];
  for (const group of c.groups) {
    const intro = group.intro ? `\n${wrap(group.intro, WIDTH)}` : "";
    parts.push(`${group.title}:${intro}\n${group.options.map(option).join("\n")}`);
  }
  return `${parts.join("\n\n")}\n`;
}

function mainHelp(): string {
  const names = [...COMMANDS.map((c) => [c.name, c.summary]), ["version", "print the version"]];
  const list = names.map(([name, summary]) => `  ${(name ?? "").padEnd(14)}${summary}`).join("\n");
  const exits = EXIT_STATUSES.map((e) => `  ${e.code.padEnd(10)}${wrap(e.text, WIDTH - 12, " ".repeat(12))}`).join("\n");
  const env = ENVIRONMENT.map((e) => `  ${e.name}\n      ${wrap(e.text, WIDTH - 6, "      ")}`).join("\n");
  return [
    "vmnet-broker: one system-wide broker for VM networks",
    "Usage: vmnet-broker <command> [options]",
    `Commands:\n${list}`,
    "Run 'vmnet-broker <command> --help' for a command's options, or see vmnet-broker(1).",
    `Exit status:\n${wrap(EXIT_INTRO, WIDTH)}\n${exits}`,
    `Environment:\n${env}`,
  ].join("\n\n");
}

export const USAGE: Record<string, string> = {
  main: `${mainHelp()}\n`,
  ...Object.fromEntries(COMMANDS.map((c) => [c.name, commandHelp(c)])),
};
