#!/usr/bin/env bash
# A value larger than the heap against a running sidecar (bin/sidecache): uploads SIZE bytes
# (default 600 MiB) with curl, then reads parts of it with redis-cli GETRANGE and curl Range and
# compares them with the file. Run it with `check` after a restart to read the same value again.
# Needs curl, redis-cli, cmp. Usage: examples/large-values.sh [upload|check]
set -euo pipefail
host=${HOST:-127.0.0.1}
resp=${RESP_PORT:-6379}
http=${HTTP_PORT:-8080}
size=${SIZE:-629145600}
file=${FILE:-${TMPDIR:-/tmp}/sidecache-large-value.bin}

if [ "${1:-upload}" = upload ]; then
  head -c "$size" /dev/urandom >"$file"
  curl -sf -T "$file" "http://$host:$http/cache/large" -o /dev/null
  echo "uploaded $size bytes"
fi
[ "$(redis-cli -h "$host" -p "$resp" strlen large)" = "$size" ] || { echo "STRLEN differs"; exit 1; }
at=$((size / 2 + 12345))
# --raw: the bytes as they are (then a newline, cut off by head).
redis-cli -h "$host" -p "$resp" --raw getrange large "$at" "$((at + 99))" | head -c 100 \
  | cmp - <(tail -c +"$((at + 1))" "$file" | head -c 100) && echo "GETRANGE of 100 bytes: same"
from=$((size - 5000000))
curl -sf -H "Range: bytes=$from-$((from + 1048575))" "http://$host:$http/cache/large" \
  | cmp - <(tail -c +"$((from + 1))" "$file" | head -c 1048576) && echo "Range of 1 MiB: same"
