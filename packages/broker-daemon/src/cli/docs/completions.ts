// SPDX-License-Identifier: Apache-2.0
/** bash and zsh completion for vmnet-broker, rendered from usage-data.ts. */
import { COMMANDS, type OptionUsage } from "../usage-data.js";

const HEADER = "Generated from src/cli/usage-data.ts by `nx run broker-daemon:docs`; do not edit.";
const names = [...COMMANDS.map((c) => c.name), "version", "help"];
const options = (c: (typeof COMMANDS)[number]): OptionUsage[] => [
  ...c.groups.flatMap((g) => g.options),
  { name: "--help", text: "show help" },
];

export function bashCompletion(): string {
  const cases = COMMANDS.map((c) => {
    const opts = options(c);
    const values = opts
      .filter((o) => o.value)
      .map((o) => {
        const action =
          o.complete === "file"
            ? "compgen -f"
            : o.complete === "directory"
              ? "compgen -d"
              : Array.isArray(o.complete)
                ? `compgen -W '${o.complete.join(" ")}'`
                : "true";
        return `        ${o.name}) COMPREPLY=($(${action} -- "$cur")); return ;;`;
      });
    return [
      `    ${c.name})`,
      ...(c.positionals === "command"
        ? // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, not a template
          ['      if [[ " ${COMP_WORDS[*]:0:COMP_CWORD} " == *" -- "* ]]; then COMPREPLY=($(compgen -c -- "$cur")); return; fi']
        : []),
      '      case "$prev" in',
      ...values,
      "      esac",
      `      COMPREPLY=($(compgen -W '${opts.map((o) => o.name).join(" ")}' -- "$cur"))`,
      "      ;;",
    ].join("\n");
  });
  return `# bash completion for vmnet-broker. ${HEADER}
_vmnet_broker() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W '${names.join(" ")}' -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
  esac
}
complete -F _vmnet_broker vmnet-broker
`;
}

/** zsh's _arguments spec for one option. */
function zshOption(o: OptionUsage): string {
  // The text up to its first aside, without the characters _arguments parses.
  const text = (o.text.split(/ \(|; /)[0] ?? "").replace(/[[\]:'\\]/g, "");
  if (!o.value) return `'${o.name}[${text}]'`;
  const action =
    o.complete === "file"
      ? "_files"
      : o.complete === "directory"
        ? "_files -/"
        : Array.isArray(o.complete)
          ? `(${o.complete.join(" ")})`
          : " ";
  return `'${o.name}=[${text}]:${o.value.toLowerCase()}:${action}'`;
}

export function zshCompletion(): string {
  const cases = COMMANDS.map((c) => {
    const rest = c.positionals === "command" ? ["'*::command:_normal'"] : c.positionals === "networks" ? ["'*:network name: '"] : [];
    return `    ${c.name})\n      _arguments -s ${[...options(c).map(zshOption), ...rest].join(" \\\n        ")}\n      ;;`;
  });
  const list = [...COMMANDS.map((c) => `'${c.name}:${c.summary.replace(/[':]/g, "")}'`), "'version:print the version'"];
  return `#compdef vmnet-broker
# zsh completion for vmnet-broker. ${HEADER}
_vmnet_broker() {
  local -a commands
  commands=(${list.join(" ")})
  if (( CURRENT == 2 )); then
    _describe command commands
    return
  fi
  # From here on the subcommand is the command _arguments completes for.
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases.join("\n")}
  esac
}
_vmnet_broker "$@"
`;
}
