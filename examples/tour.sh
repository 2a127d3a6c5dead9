#!/usr/bin/env bash
# The README's tour against a running sidecar (bin/sidecache). Needs redis-cli, curl and nc.
set -euo pipefail
host=${HOST:-127.0.0.1}
resp=${RESP_PORT:-6379}
mc=${MEMCACHED_PORT:-11211}
http=${HTTP_PORT:-8080}

set -x
redis-cli -h "$host" -p "$resp" set k hello
redis-cli -h "$host" -p "$resp" getrange k 0 3
curl -s "http://$host:$http/cache/k"; echo
printf 'get k\r\n' | nc -q1 "$host" "$mc"
curl -s -H 'Range: bytes=1-3' "http://$host:$http/cache/k"; echo
curl -s -X PUT --data-binary 'from http' "http://$host:$http/cache/greeting"
redis-cli -h "$host" -p "$resp" get greeting
printf 'set n 0 0 2\r\n41\r\nincr n 1\r\n' | nc -q1 "$host" "$mc"
