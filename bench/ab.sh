#!/usr/bin/env bash
# bench/ab.sh - two (or more) builds of Sidecache side by side, in alternating rounds, with a real
# redis-server in the same run: how docs/benchmarks.md judges one change before the referee.
#
#   bench/ab.sh before=/path/to/old/sidecache.jar after=proxy-core/target/sidecache.jar
#
# Each jar runs as bin/sidecache runs it (the release launcher, its JVM flags, the disk tier on,
# a data directory of its own), all servers pinned to SERVER_CPU and the client to CLIENT_CPU.
# Every server gets the key space prefilled (kvmix -L) and each build a warm-up of WARMUP
# requests per test; then, ROUNDS times, each TEST runs on redis-server and on every build in turn
# (redis-benchmark -c 50 -r KEYS -d 100 -P PIPELINE -n REQUESTS). Prints one line per run:
#   TEST SERVER round R: requests/s p99 ms
# Compare builds only within a round and across rounds; this machine's noise is about 10-20 %.
# Env: TESTS="get set" ROUNDS=3 REQUESTS=3000000 WARMUP=2000000 KEYS=100000 PIPELINE=16
#      SIDECACHE_JVM / SIDECACHE_EXTRA_JVM as for the other scripts (lib.sh)
set -u
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: $0 NAME=JAR [NAME=JAR ...]"
TESTS=${TESTS:-"get set"} ROUNDS=${ROUNDS:-3} REQUESTS=${REQUESTS:-3000000}
WARMUP=${WARMUP:-2000000} KEYS=${KEYS:-100000} PIPELINE=${PIPELINE:-16}
need redis-benchmark redis-tools
kvmix_build

names=()
declare -A PORT
for spec in "$@"; do
    name=${spec%%=*} jar=${spec#*=}
    [ -f "$jar" ] || die "no jar at $jar"
    free_port resp; free_port mc
    SIDECACHE_JAR="$jar" start_sidecache "$resp" "$mc" "$name"
    names+=("$name")
    PORT[$name]=$resp
done
free_port rp
start_redis "$rp"
PORT[redis]=$rp

bench() { # PORT TEST N: prints "rps p99"
    timeout 600 $CLIENT_PIN redis-benchmark -h "$HOST" -p "$1" -c 50 -r "$KEYS" -d 100 \
        -P "$PIPELINE" -t "$2" -n "$3" --csv 2>/dev/null \
        | awk -F'","' '/^"/ && !/^"test"/ {printf "%d %s\n", $2, $7; exit}'
}

for name in redis "${names[@]}"; do
    kvmix -p "${PORT[$name]}" -m resp -L -c 50 -P 32 -r "$KEYS" -d 100 >/dev/null \
        || die "prefill of $name failed"
    if [ "$name" != redis ]; then
        for t in $TESTS; do bench "${PORT[$name]}" "$t" "$WARMUP" >/dev/null; done
    fi
done
machine_info
for r in $(seq "$ROUNDS"); do
    for t in $TESTS; do
        for name in redis "${names[@]}"; do
            echo "$t $name round $r: $(bench "${PORT[$name]}" "$t" "$REQUESTS")"
        done
    done
done
