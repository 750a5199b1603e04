#!/usr/bin/env bash
# Three hosts on one machine: network namespaces mk-client, mk-server and mk-helper, each joined by a
# veth link to a bridge in namespace mk-net, with a link profile:
#   lan  no rate limit (veth: several Gbit/s), 0.1 ms added each way per hop where tc netem exists
#   wan  100 Mbit/s each way, 40 ms round trip between any two parties
# Needs root, iproute2 and tc. Kernels without the netem qdisc (some VMs) get the WAN's rate from tbf
# and its latency from scripts/DelayRelay.java, a relay in mk-net that holds each byte 20 ms each way:
# then the others reach the server and the helper through the relay's address (see 'peers').
#
#   scripts/netns.sh up lan|wan      make (or remake) the namespaces with that profile
#   scripts/netns.sh down            remove them (and the relay)
#   scripts/netns.sh exec ROLE CMD   run CMD in ROLE's namespace
#   scripts/netns.sh peers           print the peers-file addresses for the current profile
#   scripts/netns.sh listen ROLE     print the address ROLE binds (--listen)
#   scripts/netns.sh check           exit 0 if this machine can make namespaces (prints why not otherwise)
#
# Addresses: client 10.213.0.1, server 10.213.0.2:7001, helper 10.213.0.3:7002, relay 10.213.0.254.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state=/run/musketeer-netns
roles=(client server helper)
declare -A ip=([client]=10.213.0.1 [server]=10.213.0.2 [helper]=10.213.0.3)
declare -A port=([client]=7000 [server]=7001 [helper]=7002)
relay_ip=10.213.0.254

die() { echo "netns.sh: $*" >&2; exit 1; }

check() {
  [ "$(id -u)" = 0 ] || { echo "netns.sh: needs root (network namespaces)"; return 1; }
  command -v ip >/dev/null && command -v tc >/dev/null || { echo "netns.sh: needs iproute2 (ip, tc)"; return 1; }
  ip netns add mk-probe 2>/dev/null || { echo "netns.sh: cannot create network namespaces here"; return 1; }
  ip netns del mk-probe
}

has_netem() {
  ip netns add mk-probe 2>/dev/null || return 1
  local ok=1
  ip netns exec mk-probe tc qdisc add dev lo root netem delay 1ms 2>/dev/null && ok=0
  ip netns del mk-probe
  return $ok
}

down() {
  if [ -f "$state/relay.pid" ]; then kill "$(cat "$state/relay.pid")" 2>/dev/null || true; fi
  for ns in mk-client mk-server mk-helper mk-net; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$state"
}

# shape DEV in NS for the profile (one egress point; each direction crosses two)
shape() {
  local ns=$1 dev=$2 profile=$3 netem=$4
  ip netns exec "$ns" tc qdisc del dev "$dev" root 2>/dev/null || true
  case "$profile:$netem" in
    lan:yes) ip netns exec "$ns" tc qdisc add dev "$dev" root netem delay 100us limit 100000 ;;
    lan:no) ;;
    wan:yes) ip netns exec "$ns" tc qdisc add dev "$dev" root netem delay 10ms rate 100mbit limit 100000 ;;
    wan:no) ip netns exec "$ns" tc qdisc add dev "$dev" root tbf rate 100mbit burst 256kb latency 100ms ;;
  esac
}

up() {
  local profile=$1
  case "$profile" in lan|wan) ;; *) die "unknown profile '$profile' (lan or wan)";; esac
  check >/dev/null || die "$(check)"
  local netem=no
  has_netem && netem=yes
  down
  mkdir -p "$state"
  ip netns add mk-net
  ip -n mk-net link add br0 type bridge
  ip -n mk-net addr add "$relay_ip/24" dev br0
  ip -n mk-net link set br0 up
  ip -n mk-net link set lo up
  for r in "${roles[@]}"; do
    ip netns add "mk-$r"
    ip link add "mk-$r" netns "mk-$r" type veth peer name "mk-$r-br" netns mk-net
    ip -n "mk-$r" link set "mk-$r" name eth0
    ip -n "mk-$r" addr add "${ip[$r]}/24" dev eth0
    ip -n "mk-$r" link set eth0 up
    ip -n "mk-$r" link set lo up
    ip -n mk-net link set "mk-$r-br" master br0
    ip -n mk-net link set "mk-$r-br" up
    shape "mk-$r" eth0 "$profile" "$netem"
    shape mk-net "mk-$r-br" "$profile" "$netem"
  done
  echo "$profile" > "$state/profile"
  echo "$netem" > "$state/netem"
  if [ "$profile" = wan ] && [ "$netem" = no ]; then
    local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
    ip netns exec mk-net "$java" "$here/DelayRelay.java" 20 \
      "$relay_ip:${port[server]}=${ip[server]}:${port[server]}" "$relay_ip:${port[helper]}=${ip[helper]}:${port[helper]}" \
      >"$state/relay.log" 2>&1 &
    echo $! > "$state/relay.pid"
    for _ in $(seq 1 300); do grep -q '^DelayRelay:' "$state/relay.log" 2>/dev/null && break; sleep 0.1; done
    grep -q '^DelayRelay:' "$state/relay.log" || die "the delay relay did not start: $(cat "$state/relay.log")"
  fi
  local how="tc netem"
  [ "$netem" = no ] && how=$([ "$profile" = wan ] && echo "tc tbf and the delay relay" || echo "unshaped veth")
  echo "netns.sh: $profile profile up ($how)" >&2
}

peers() {
  [ -f "$state/profile" ] || die "no namespaces; run: scripts/netns.sh up lan|wan"
  local via_relay=no
  [ "$(cat "$state/profile")" = wan ] && [ "$(cat "$state/netem")" = no ] && via_relay=yes
  for r in "${roles[@]}"; do
    if [ "$via_relay" = yes ] && [ "$r" != client ]; then echo "$r ${relay_ip}:${port[$r]}"; else echo "$r ${ip[$r]}:${port[$r]}"; fi
  done
}

case "${1:-}" in
  up) up "${2:?profile: lan or wan}" ;;
  down) down ;;
  exec) r="${2:?role}"; shift 2; exec ip netns exec "mk-$r" "$@" ;;
  peers) peers ;;
  listen) r="${2:?role}"; echo "${ip[$r]}:${port[$r]}" ;;
  check) check ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
