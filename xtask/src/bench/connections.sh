#!/bin/bash
# The cost of `mptcp connection show` against `ss -tiM` on the same sockets: 1,000 MPTCP
# connections of 2 subflows each (the client's second path an endpoint `subflow`), in
# two throw-away namespaces joined by two veth pairs. Prints, for each tool, the median
# wall time of RUNS runs, the system calls of one run (`strace -f -c`, execve included)
# and the peak resident memory (`/usr/bin/time -f %M`), as the BENCHMARKS.md table.
#
# Usage, as root from the workspace root:
#   xtask/src/bench/connections.sh [MPTCP_BINARY] [RUNS]
# MPTCP_BINARY defaults to the static release build of `cargo xtask dist`
# (target/dist/x86_64-unknown-linux-musl/release/mptcp when present), else
# target/release/mptcp (built here). Needs iproute2 (ss, ip), strace, python3 and
# GNU time; installs the Debian packages it lacks.
set -eu
N=1000
RUNS=${2:-21}
BIN=${1:-}
if [ -z "$BIN" ]; then
  for b in target/x86_64-unknown-linux-musl/release/mptcp target/release/mptcp; do
    [ -x "$b" ] && { BIN=$b; break; }
  done
fi
if [ -z "$BIN" ]; then cargo build -q --release -p mptcp-cli; BIN=target/release/mptcp; fi
for tool in ss strace python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get install -y -q iproute2 strace python3 time >/dev/null; break; }
done
C=bconn-c-$$; S=bconn-s-$$
cleanup() {
  kill $SRV $CLI 2>/dev/null || true; wait 2>/dev/null || true
  ip netns del $C 2>/dev/null || true; ip netns del $S 2>/dev/null || true
}
trap cleanup EXIT
ip netns add $C; ip netns add $S
ip -n $C link set lo up; ip -n $S link set lo up
for i in 1 2; do
  ip -n $C link add e$i type veth peer name p$i netns $S
  ip -n $C addr add 10.0.$i.2/24 dev e$i; ip -n $S addr add 10.0.$i.1/24 dev p$i
  ip -n $C link set e$i up; ip -n $S link set p$i up
done
for ns in $C $S; do ip -n $ns mptcp limits set subflows 2 add_addr_accepted 2; done
ip -n $C mptcp endpoint add 10.0.2.2 dev e2 id 2 subflow
# The server accepts N connections and holds them; the client opens N, each sends one
# byte (so that the connection is fully established and the join follows), and holds.
ip netns exec $S python3 -c "
import socket, resource, time
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('0.0.0.0', 7000)); l.listen(4096)
held = [l.accept()[0] for _ in range($N)]
time.sleep(3600)" & SRV=$!
sleep 0.5
ip netns exec $C python3 -c "
import socket, resource, time
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
held = []
for _ in range($N):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
    s.connect(('10.0.1.1', 7000)); s.send(b'x'); held.append(s)
time.sleep(3600)" & CLI=$!
for _ in $(seq 600); do
  subs=$(ip netns exec $C ss -tiH state established 2>/dev/null | grep -c tcp-ulp-mptcp || true)
  [ "$subs" -ge $((2 * N)) ] && break
  sleep 0.1
done
conns=$(ip netns exec $C ss -MH state established | wc -l)
echo "connections $conns, subflows $subs (client namespace)"; echo
[ "$conns" -eq $N ] && [ "$subs" -eq $((2 * N)) ] || { echo "setup incomplete" >&2; exit 1; }
lines=$(ip netns exec $C "$BIN" connection show | grep -c '^    subflow ')
[ "$lines" -eq $((2 * N)) ] || { echo "mptcp connection show listed $lines subflows" >&2; exit 1; }
# Each tool enters the namespace itself (`mptcp -n`, `ss -N`): `ip netns exec` would add
# its own mount-namespace set-up (tens of ms) to both.
measure() { # NAME CMD...
  local name=$1; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0=$(date +%s%N)
    "$@" >/dev/null
    times+=($(( ($(date +%s%N) - t0) / 1000 )))
  done
  local med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  strace -f -c -o /tmp/bconn.$$ "$@" >/dev/null 2>&1
  local calls=$(awk '$NF=="total" {print $4}' /tmp/bconn.$$)
  local heap=$(awk '$NF ~ /^(brk|mmap|munmap|mremap)$/ {n += $4} END {print n + 0}' /tmp/bconn.$$)
  local rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
  local bytes=$("$@" | wc -c)
  printf '| `%s` | %s ms | %s | %s | %s KiB | %s |\n' "$name" "$(awk "BEGIN {printf \"%.2f\", $med / 1000}")" "$calls" "$heap" "$rss" "$bytes"
  rm -f /tmp/bconn.$$
}
echo "| command | wall time (median of $RUNS) | system calls | of which heap (brk/mmap/munmap/mremap) | peak RSS | output bytes |"
echo "|---|---|---|---|---|---|"
measure "mptcp connection show" "$BIN" -n $C connection show
measure "mptcp -j connection show" "$BIN" -n $C -j connection show
measure "ss -tiM" ss -N $C -tiM
