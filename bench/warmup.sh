#!/usr/bin/env bash
# bench/warmup.sh - how fast a cold Sidecache reaches its steady state, beside redis-server.
#
# For each JVM flag set in VARIANTS (";"-separated; "default" = the launcher's flags) and for
# redis-server: starts the server cold, pinned to SERVER_CPU, fills KEYS keys of 100 B with one
# pipelined redis-benchmark run, then runs SLICES back-to-back slices of N requests of TEST
# (redis-benchmark, 50 clients, pipeline PIPELINE, pinned to CLIENT_CPU) and prints each slice's
# requests/s on one line. A referee that starts the candidate cold and measures its first case
# for a few seconds sees the first slices; a long-running server lives in the last ones.
# Env: VARIANTS="default;-XX:TieredStopAtLevel=1" TEST=set PIPELINE=1 N=20000 SLICES=15
#      KEYS=100000 JAVA_HOME (the JDK the launcher uses)
set -u
. "$(dirname "$0")/lib.sh"

VARIANTS=${VARIANTS:-"default;-XX:TieredStopAtLevel=1"}
TEST=${TEST:-set} PIPELINE=${PIPELINE:-1} N=${N:-20000} SLICES=${SLICES:-15} KEYS=${KEYS:-100000}
need redis-benchmark redis-tools

# slices PORT: fills the key space, then prints the slices' requests/s.
slices() {
    local out="" i rps
    timeout 120 $CLIENT_PIN redis-benchmark -h "$HOST" -p "$1" -c 50 -P 16 -r "$KEYS" -d 100 \
        -t set -n "$KEYS" -q >/dev/null || die "fill failed"
    for i in $(seq 1 "$SLICES"); do
        rps=$(timeout 120 $CLIENT_PIN redis-benchmark -h "$HOST" -p "$1" -c 50 -P "$PIPELINE" \
            -r "$KEYS" -d 100 -t "$TEST" -n "$N" --csv | awk -F'"' 'NR==2 {print int($4)}')
        out="$out ${rps:-FAIL}"
    done
    echo "$out"
}

machine_info
log "$TEST, pipeline $PIPELINE, $SLICES slices of $N requests after a fill of $KEYS keys"
IFS=';' read -r -a variants <<<"$VARIANTS"
for v in "${variants[@]}"; do
    free_port RESP; free_port MC
    SIDECACHE_EXTRA_JVM="$([ "$v" = default ] || echo "$v")" start_sidecache "$RESP" "$MC" "warm$RESP"
    printf '%-40s%s\n' "sidecache ${v}" "$(slices "$RESP")"
    kill "$SIDECACHE_PID"; wait "$SIDECACHE_PID" 2>/dev/null
done
free_port RP
start_redis "$RP"
printf '%-40s%s\n' "redis-server" "$(slices "$RP")"
