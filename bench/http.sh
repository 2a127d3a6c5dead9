#!/usr/bin/env bash
# bench/http.sh - the HTTP endpoint beside nginx serving the same bytes from files, one run.
#
# Servers (pinned to SERVER_CPU):
#   Sidecache --memory 256m --chunk-memory 256m --disk-size 4g, heap 1 GiB: the 1 KiB and 1 MiB
#     values are in the memory tier (1 MiB = 17 chunks in chunk memory), the 1 GiB value's
#     chunks mostly on disk (the page cache)
#   nginx (nginx-light), one worker, sendfile on                   the reference
# Cases, wrk -t1 -c CONNS for SECS seconds each (requests/s and p99 latency), every case warmed
# up once for 3 s first (the JVM compiles its hot paths), nginx and Sidecache interleaved:
#   GET of a 1 KiB value; GET of a 1 MiB value; Range GETs of 4 KiB at random offsets of a 1 GiB
#   value.
# Targets (issue 11): at least 0.8x nginx for 1 KiB GETs, 0.7x for 1 MiB.
#
# Env: SECS=10 CONNS=16 PIN=1 SERVER_CPU=0 CLIENT_CPU=1 SIDECACHE_JAR=...
set -u
. "$(dirname "$0")/lib.sh"

SECS=${SECS:-10} CONNS=${CONNS:-16}
SIDECACHE_JVM="-Xms1g -Xmx1g -Xmn128m -XX:+UseParallelGC"
need wrk wrk
need curl curl
need ss iproute2

free_port SC_RESP; free_port SC_MC; free_port SC_HTTP; free_port NGINX_PORT
[ -f "$SIDECACHE_JAR" ] || (cd "$ROOT_DIR" && ./mvnw -q -B -DskipTests package) >&2 || die "build failed"
mkdir -p "$WORK/data" "$WORK/www" && chmod 755 "$WORK" "$WORK/www" # nginx's workers read it
# shellcheck disable=SC2086
$SERVER_PIN java $SIDECACHE_JVM -jar "$SIDECACHE_JAR" \
    --bind "$HOST" --resp-port "$SC_RESP" --memcached-port "$SC_MC" --http-port "$SC_HTTP" \
    --memory 256m --chunk-memory 256m --disk-size 4g --data-dir "$WORK/data" \
    --max-http-body 2g >"$WORK/sidecache.log" 2>&1 &
SC_PID=$!; STARTED_PIDS+=("$SC_PID"); wait_port "$SC_HTTP" "$SC_PID"
start_nginx "$NGINX_PORT" "$WORK/www"

for size in 1024 1048576 1073741824; do
    head -c "$size" /dev/urandom >"$WORK/www/v$size"
    curl -sf -T "$WORK/www/v$size" "http://$HOST:$SC_HTTP/cache/v$size" -o /dev/null \
        || die "PUT of $size bytes failed: $(tail -3 "$WORK/sidecache.log")"
    cmp -s <(curl -sf "http://$HOST:$SC_HTTP/cache/v$size") "$WORK/www/v$size" \
        || die "Sidecache's v$size differs from the file nginx serves"
done
cat >"$WORK/range.lua" <<'EOF'
math.randomseed(7)
request = function()
    local o = math.random(0, 1073741824 - 4096)
    return wrk.format("GET", nil, { ["Range"] = "bytes=" .. o .. "-" .. (o + 4095) })
end
response = function(status, headers, body)
    if status ~= 206 then error("status " .. status) end
end
EOF

# wrk_run URL [SCRIPT]: prints "requests/s p99_ms"; fails on socket errors or non-2xx answers.
wrk_run() {
    local out rps p99
    out=$($CLIENT_PIN wrk -t1 -c"$CONNS" -d"${SECS}s" --latency ${2:+-s "$2"} "$1" 2>&1)
    grep -qE 'Non-2xx|Socket errors' <<<"$out" && die "wrk reported errors on $1: $out"
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p99=$(awk '$1 == "99%" { v = $2 + 0; if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /[^m]s$/) v *= 1000;
        printf "%.2f", v }' <<<"$out")
    echo "$rps $p99"
}

machine_info
echo "# http.sh: Sidecache :$SC_HTTP (memory 256m, chunk memory 256m, disk 4g, heap 1g), nginx :$NGINX_PORT;" \
    "wrk -t1 -c$CONNS -d${SECS}s; warm-up 3 s per case, unmeasured"
printf '%-18s %10s %10s %10s %10s %7s\n' case nginx_rps sc_rps nginx_p99 sc_p99 ratio
run_case() { # NAME NGINX_URL SIDECACHE_URL [SCRIPT]
    $CLIENT_PIN wrk -t1 -c"$CONNS" -d3s ${4:+-s "$4"} "$2" >/dev/null 2>&1
    $CLIENT_PIN wrk -t1 -c"$CONNS" -d3s ${4:+-s "$4"} "$3" >/dev/null 2>&1
    read -r nr np <<<"$(wrk_run "$2" "${4:-}")"
    read -r sr sp <<<"$(wrk_run "$3" "${4:-}")"
    printf '%-18s %10s %10s %10s %10s %7s\n' "$1" "$nr" "$sr" "$np" "$sp" "$(ratio "$sr" "$nr")"
}
run_case "GET 1KiB" "http://$HOST:$NGINX_PORT/v1024" "http://$HOST:$SC_HTTP/cache/v1024"
run_case "GET 1MiB" "http://$HOST:$NGINX_PORT/v1048576" "http://$HOST:$SC_HTTP/cache/v1048576"
run_case "Range 4KiB of 1GiB" "http://$HOST:$NGINX_PORT/v1073741824" \
    "http://$HOST:$SC_HTTP/cache/v1073741824" "$WORK/range.lua"
