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
#   scripts/netns.sh sweep           remove the sets whose owner process (MUSKETEER_NETNS_OWNER at 'up') is gone
#
# Addresses: client 10.213.0.1, server 10.213.0.2:7001, helper 10.213.0.3:7002, relay 10.213.0.254.
# The namespaces have no route anywhere else: nothing sent in them leaves the bridge.
# MUSKETEER_NETNS=NAME (default mk) names another, independent set (NAME-client, ...; same addresses,
# its own bridge), so that several runs (bench, a CI test) can use namespaces at the same time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
set_name="${MUSKETEER_NETNS:-mk}"
[[ "$set_name" =~ ^[a-z][a-z0-9]{0,15}$ ]] || { echo "netns.sh: MUSKETEER_NETNS must be 1-16 lower-case letters and digits, got '$set_name'" >&2; exit 1; }
state_root=/run/musketeer-netns
state="$state_root/$set_name"
roles=(client server helper)
declare -A ip=([client]=10.213.0.1 [server]=10.213.0.2 [helper]=10.213.0.3)
declare -A port=([client]=7000 [server]=7001 [helper]=7002)
relay_ip=10.213.0.254

die() { echo "netns.sh: $*" >&2; exit 1; }

check() {
  [ "$(id -u)" = 0 ] || { echo "netns.sh: needs root (network namespaces)"; return 1; }
  command -v ip >/dev/null && command -v tc >/dev/null || { echo "netns.sh: needs iproute2 (ip, tc)"; return 1; }
  ip netns add "$set_name-probe$$" 2>/dev/null || { echo "netns.sh: cannot create network namespaces here"; return 1; }
  ip netns del "$set_name-probe$$"
}

has_netem() {
  ip netns add "$set_name-probe$$" 2>/dev/null || return 1
  local ok=1
  ip netns exec "$set_name-probe$$" tc qdisc add dev lo root netem delay 1ms 2>/dev/null && ok=0
  ip netns del "$set_name-probe$$"
  return $ok
}

down() {
  if [ -f "$state/relay.pid" ]; then kill "$(cat "$state/relay.pid")" 2>/dev/null || true; fi
  for ns in "$set_name-client" "$set_name-server" "$set_name-helper" "$set_name-net"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$state"
}

sweep() {
  local d owner
  for d in "$state_root"/*/; do
    [ -f "$d/owner" ] || continue
    owner=$(cat "$d/owner")
    kill -0 "$owner" 2>/dev/null && continue
    MUSKETEER_NETNS="$(basename "$d")" "$0" down
  done
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
  [ -n "${MUSKETEER_NETNS_OWNER:-}" ] && echo "$MUSKETEER_NETNS_OWNER" > "$state/owner"
  local net="$set_name-net"
  ip netns add "$net"
  ip -n "$net" link add br0 type bridge
  ip -n "$net" addr add "$relay_ip/24" dev br0
  ip -n "$net" link set br0 up
  ip -n "$net" link set lo up
  for r in "${roles[@]}"; do
    local ns="$set_name-$r"
    ip netns add "$ns"
    # both ends are made inside their namespaces: their names never meet those of another set
    ip link add eth0 netns "$ns" type veth peer name "$r-br" netns "$net"
    ip -n "$ns" addr add "${ip[$r]}/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip -n "$net" link set "$r-br" master br0
    ip -n "$net" link set "$r-br" up
    shape "$ns" eth0 "$profile" "$netem"
    shape "$net" "$r-br" "$profile" "$netem"
  done
  echo "$profile" > "$state/profile"
  echo "$netem" > "$state/netem"
  if [ "$profile" = wan ] && [ "$netem" = no ]; then
    local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
    ip netns exec "$net" "$java" "$here/DelayRelay.java" 20 \
      "$relay_ip:${port[server]}=${ip[server]}:${port[server]}" "$relay_ip:${port[helper]}=${ip[helper]}:${port[helper]}" \
      >"$state/relay.log" 2>&1 &
    echo $! > "$state/relay.pid"
    for _ in $(seq 1 300); do grep -q '^DelayRelay:' "$state/relay.log" 2>/dev/null && break; sleep 0.1; done
    grep -q '^DelayRelay:' "$state/relay.log" || die "the delay relay did not start: $(cat "$state/relay.log")"
  fi
  local how="tc netem"
  [ "$netem" = no ] && how=$([ "$profile" = wan ] && echo "tc tbf and the delay relay" || echo "unshaped veth")
  echo "netns.sh: $profile profile up ($how) in $set_name-client, $set_name-server, $set_name-helper" >&2
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
  exec) r="${2:?role}"; shift 2; [ -n "${ip[$r]:-}" ] || die "unknown role '$r'"; exec ip netns exec "$set_name-$r" "$@" ;;
  peers) peers ;;
  listen) r="${2:?role}"; echo "${ip[$r]}:${port[$r]}" ;;
  check) check ;;
  sweep) sweep ;;
  *) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
