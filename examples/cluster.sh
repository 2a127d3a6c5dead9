#!/usr/bin/env bash
# A 3-node Sidecache cluster on this machine (docs/cluster.md, "Running a cluster"): starts nodes
# a, b and c with bin/sidecache, waits until each has all three on its ring, writes a key through
# a over RESP, reads it through b over memcached and through c over HTTP, prints c's /cluster,
# then stops the nodes (SIGTERM). With --keep the nodes run on until Ctrl-C.
#
# Ports (override with space-separated lists): RESP_PORTS "6379 6380 6381", MEMCACHED_PORTS
# "11211 11212 11213", HTTP_PORTS "8080 8081 8082", CLUSTER_PORTS "5701 5702 5703", PEER_PORTS
# "7380 7381 7382". Logs and data directories go to WORKDIR (default: a new temporary directory).
# Other options as environment variables (SIDECACHE_MEMORY=64m). Needs redis-cli, curl and nc.
# Run by ClusterScriptIT (conformance-tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a resp <<<"${RESP_PORTS:-6379 6380 6381}"
read -r -a mc <<<"${MEMCACHED_PORTS:-11211 11212 11213}"
read -r -a http <<<"${HTTP_PORTS:-8080 8081 8082}"
read -r -a cport <<<"${CLUSTER_PORTS:-5701 5702 5703}"
read -r -a pport <<<"${PEER_PORTS:-7380 7381 7382}"
work="${WORKDIR:-$(mktemp -d)}"
export SIDECACHE_CLUSTER_SECRET="${SIDECACHE_CLUSTER_SECRET:-s3cret}"
ids=(a b c)
join="127.0.0.1:${cport[0]},127.0.0.1:${cport[1]},127.0.0.1:${cport[2]}"

# Build the jar once, if it is stale, before three launchers would race to.
"$root/bin/sidecache" --version >/dev/null

pids=()
stop() {
  [ "${#pids[@]}" -eq 0 ] || { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" || true; }
}
trap stop EXIT
for i in 0 1 2; do
  "$root/bin/sidecache" --resp-port "${resp[$i]}" --memcached-port "${mc[$i]}" \
    --http-port "${http[$i]}" --data-dir "$work/data-${ids[$i]}" \
    --cluster --cluster-port "${cport[$i]}" --peer-port "${pport[$i]}" --node-id "${ids[$i]}" \
    --join "$join" >"$work/${ids[$i]}.log" 2>&1 &
  pids+=($!)
done

# Ready when every node has the three members on its ring (INFO cluster), within 60 s.
for i in 0 1 2; do
  for _ in $(seq 1 600); do
    redis-cli -p "${resp[$i]}" info cluster 2>/dev/null | grep -q '^cluster_ring_members:3' && break
    kill -0 "${pids[$i]}" 2>/dev/null || { cat "$work/${ids[$i]}.log"; exit 1; }
    sleep 0.1
  done
  redis-cli -p "${resp[$i]}" info cluster | grep -q '^cluster_ring_members:3' \
    || { echo "node ${ids[$i]} did not see 3 members"; exit 1; }
done
echo "3 nodes up: logs in $work"

set -x
redis-cli -p "${resp[0]}" set greeting hello
printf 'get greeting\r\n' | nc -q1 127.0.0.1 "${mc[1]}"
curl -s -w '\n' "localhost:${http[2]}/cache/greeting"
curl -s -w '\n' "localhost:${http[2]}/cluster"
set +x

if [ "${1:-}" = --keep ]; then
  echo "running; Ctrl-C stops the nodes"
  wait
fi
