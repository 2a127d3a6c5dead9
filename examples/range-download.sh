#!/usr/bin/env bash
# A ranged download with curl against a running sidecar (bin/sidecache), as a download manager
# does it: uploads SIZE bytes (default 600 MiB, more than the default heap) with curl, asks for the
# length with HEAD, fetches the value in PARTS parallel `curl -r` ranges (each reads only the
# chunks it covers), joins them and compares with the file; then reads 100 bytes with redis-cli
# GETRANGE. `check` skips the upload (after a restart, to read the same value again from disk).
# Needs curl, redis-cli, cmp. Usage: examples/range-download.sh [upload|check]
# Run by RangeDownloadScriptTest (examples/).
set -euo pipefail
host=${CACHE_HOST:-127.0.0.1}
resp=${RESP_PORT:-6379}
http=${HTTP_PORT:-8080}
size=${SIZE:-629145600}
parts=${PARTS:-4}
work=${WORKDIR:-${TMPDIR:-/tmp}}
file="$work/sidecache-range-download.bin"
url="http://$host:$http/cache/large"

if [ "${1:-upload}" = upload ]; then
  head -c "$size" /dev/urandom >"$file"
  curl -sf -T "$file" "$url" -o /dev/null
  echo "uploaded $size bytes"
fi

length=$(curl -sfI "$url" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
[ "$length" = "$size" ] || { echo "HEAD says $length bytes, expected $size"; exit 1; }
step=$(( (length + parts - 1) / parts ))
pids=()
for ((i = 0; i < parts; i++)); do
  from=$((i * step))
  to=$((from + step - 1 < length - 1 ? from + step - 1 : length - 1))
  curl -sf -r "$from-$to" "$url" -o "$work/part.$i" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
for ((i = 0; i < parts; i++)); do cat "$work/part.$i"; done | cmp - "$file"
rm -f "$work"/part.*
echo "downloaded in $parts ranges: same"

[ "$(redis-cli -h "$host" -p "$resp" strlen large)" = "$size" ] || { echo "STRLEN differs"; exit 1; }
at=$((size / 2 + 12345))
# --raw: the bytes as they are (then a newline, cut off by head).
redis-cli -h "$host" -p "$resp" --raw getrange large "$at" "$((at + 99))" | head -c 100 \
  | cmp - <(tail -c +"$((at + 1))" "$file" | head -c 100)
echo "GETRANGE of 100 bytes: same"
