#!/usr/bin/env bash
# bench/resp.sh - RESP throughput and latency of Sidecache next to a real redis-server, same run.
#
# Starts redis-server and Sidecache (proxy-core/target/sidecache.jar) on free loopback ports,
# servers pinned to SERVER_CPU and the client to CLIENT_CPU, and runs each case against redis,
# then Sidecache (ROUNDS times, alternating which goes first). Prints one row per case:
# mean ops/s of both, the ratio Sidecache/redis, and p50/p99 latency in ms (last round).
#
# Cases: redis-benchmark SET GET INCR MSET(10 keys) GETRANGE(key 0 99), and MIX = GET:SET 9:1
# with bench/kvmix (redis-benchmark cannot mix commands), each at pipeline 1 and 16 and for
# 100 B and 16 KiB values (INCR only once: it does not depend on the value size).
# 50 clients. Keys: random over KEYS (100 B) or over 256 MiB / value size (16 KiB: 16,384 keys,
# so the data fits Sidecache's default memory tier), prefilled before each size so reads hit.
# Each redis-benchmark case runs a short probe (also the warm-up), then about SECS seconds.
#
# Env: SECS=5 ROUNDS=1 CLIENTS=50 KEYS=100000 SIZES="100 16384" PIPELINES="1 16"
#      TESTS="SET GET INCR MSET GETRANGE MIX" PIN=1 SERVER_CPU=0 CLIENT_CPU=1
#      SIDECACHE_JVM=<the launcher's flags> SIDECACHE_EXTRA_JVM= SIDECACHE_JAR=...
set -u
. "$(dirname "$0")/lib.sh"

SECS=${SECS:-5} ROUNDS=${ROUNDS:-1} CLIENTS=${CLIENTS:-50} KEYS=${KEYS:-100000}
SIZES=${SIZES:-"100 16384"} PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-"SET GET INCR MSET GETRANGE MIX"}
need redis-benchmark redis-tools
need ss iproute2
kvmix_build

free_port REDIS_PORT; free_port SC_RESP_PORT; free_port SC_MC_PORT
start_redis "$REDIS_PORT"
start_sidecache "$SC_RESP_PORT" "$SC_MC_PORT"

# bench_one PORT SIZE PIPE KEYS TEST: prints "ops p50 p99" or "FAIL <reason>".
bench_one() {
    local port=$1 d=$2 p=$3 keys=$4 t=$5 base cmd out
    base=(-h "$HOST" -p "$port" -c "$CLIENTS" -r "$keys" -d "$d" -P "$p")
    case $t in
        SET|GET|INCR|MSET) cmd=(-t "${t,,}");;
        GETRANGE) cmd=(GETRANGE 'key:__rand_int__' 0 99);;   # options must come before the command
        MIX)
            out=$(kvmix -p "$port" -m resp -c "$CLIENTS" -P "$p" -r "$keys" -d "$d" -s 0.1 \
                -w 1 -t "$SECS" 2>&1) || { echo "FAIL ${out//$'\n'/ }"; return; }
            echo "$(field ops_s "$out") $(field p50_ms "$out") $(field p99_ms "$out")"
            return;;
    esac
    redis_bench "${base[@]}" -- "${cmd[@]}"
}

machine_info
echo "# resp.sh: redis-server :$REDIS_PORT (pid $REDIS_PID) vs Sidecache :$SC_RESP_PORT (pid $SIDECACHE_PID);" \
    "clients=$CLIENTS secs=$SECS rounds=$ROUNDS"
table_header redis
first_size=1
for d in $SIZES; do
    keys=$KEYS
    [ $((d * keys)) -gt $((256 * 1024 * 1024)) ] && keys=$((256 * 1024 * 1024 / d))
    for port in "$REDIS_PORT" "$SC_RESP_PORT"; do
        kvmix -p "$port" -m resp -L -c "$CLIENTS" -P 32 -r "$keys" -d "$d" >/dev/null \
            || die "prefill of $keys keys of $d B on port $port failed"
    done
    for t in $TESTS; do
        [ "$t" = INCR ] && [ $first_size = 0 ] && continue
        for p in $PIPELINES; do
            name="$t/${d}B/P$p"
            [ "$t" = INCR ] && name="INCR/P$p"
            compare "$name" "$REDIS_PORT" "$SC_RESP_PORT" "$d" "$p" "$keys" "$t"
        done
    done
    first_size=0
done
