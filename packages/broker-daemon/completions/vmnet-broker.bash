# bash completion for vmnet-broker. Generated from src/cli/usage-data.ts by `nx run broker-daemon:docs`; do not edit.
_vmnet_broker() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W 'serve status acquire run lease events check-config stop version help' -- "$cur"))
    return
  fi
  case "${COMP_WORDS[1]}" in
    serve)
      case "$prev" in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --socket-mode) COMPREPLY=($(true -- "$cur")); return ;;
        --socket-group) COMPREPLY=($(true -- "$cur")); return ;;
        --admin-group) COMPREPLY=($(true -- "$cur")); return ;;
        --config-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --runtime-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --vhost-net-device) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --idle-delay-ms) COMPREPLY=($(true -- "$cur")); return ;;
        --service-name) COMPREPLY=($(true -- "$cur")); return ;;
        --log-level) COMPREPLY=($(compgen -W 'debug info warn error' -- "$cur")); return ;;
        --max-networks-per-peer) COMPREPLY=($(true -- "$cur")); return ;;
        --max-interfaces-per-peer) COMPREPLY=($(true -- "$cur")); return ;;
        --max-interfaces-per-user) COMPREPLY=($(true -- "$cur")); return ;;
        --max-interfaces-per-network) COMPREPLY=($(true -- "$cur")); return ;;
        --max-connections) COMPREPLY=($(true -- "$cur")); return ;;
        --max-connections-per-user) COMPREPLY=($(true -- "$cur")); return ;;
        --max-unsent-reply-bytes) COMPREPLY=($(true -- "$cur")); return ;;
        --frame-timeout-ms) COMPREPLY=($(true -- "$cur")); return ;;
        --max-unsent-event-bytes) COMPREPLY=($(true -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--host --socket --socket-mode --socket-group --admin-group --config-dir --runtime-dir --vhost-net-device --idle-delay-ms --exit-when-idle --remove-networks-on-stop --service-name --log-level --max-networks-per-peer --max-interfaces-per-peer --max-interfaces-per-user --max-interfaces-per-network --max-connections --max-connections-per-user --max-unsent-reply-bytes --frame-timeout-ms --max-unsent-event-bytes --help' -- "$cur"))
      ;;
    status)
      case "$prev" in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --service-name) COMPREPLY=($(true -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--json --all --socket --service-name --help' -- "$cur"))
      ;;
    acquire)
      case "$prev" in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --service-name) COMPREPLY=($(true -- "$cur")); return ;;
        --veth-into) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --ifname) COMPREPLY=($(true -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--socket --service-name --json --until-stdin-closes --veth-into --ifname --help' -- "$cur"))
      ;;
    run)
      if [[ " ${COMP_WORDS[*]:0:COMP_CWORD} " == *" -- "* ]]; then COMPREPLY=($(compgen -c -- "$cur")); return; fi
      case "$prev" in
        --network) COMPREPLY=($(true -- "$cur")); return ;;
        --tap-fd) COMPREPLY=($(true -- "$cur")); return ;;
        --queues) COMPREPLY=($(true -- "$cur")); return ;;
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--network --tap-fd --vnet-hdr --queues --wrap --tap-name --vhost-net --socket --help' -- "$cur"))
      ;;
    lease)
      case "$prev" in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --service-name) COMPREPLY=($(true -- "$cur")); return ;;
        --wait) COMPREPLY=($(true -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--socket --service-name --wait --json --help' -- "$cur"))
      ;;
    events)
      case "$prev" in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --service-name) COMPREPLY=($(true -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--socket --service-name --json --help' -- "$cur"))
      ;;
    check-config)
      case "$prev" in
        --config-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--config-dir --help' -- "$cur"))
      ;;
    stop)
      case "$prev" in
        --label) COMPREPLY=($(true -- "$cur")); return ;;
      esac
      COMPREPLY=($(compgen -W '--force --label --help' -- "$cur"))
      ;;
  esac
}
complete -F _vmnet_broker vmnet-broker
