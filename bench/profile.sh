#!/usr/bin/env bash
# bench/profile.sh - where Sidecache's time and allocations go, case by case.
#
# Starts Sidecache as bin/sidecache starts it (the release launcher's JVM flags, disk tier on,
# pinned to SERVER_CPU) with JFR's precise attribution flags, and for each case: prefills the key
# space, warms up for about SECS seconds, then records JFR (settings=profile) over one run of about
# SECS seconds of redis-benchmark (or kvmix for MIX), pinned to CLIENT_CPU. Prints, per case:
#   requests/s and p99 of the recorded run;
#   bytes allocated per request on the event loops (JFR ThreadAllocationStatistics, end - start);
#   GC pauses in the run by collector (count, total, longest and mean, ms);
#   the methods most often on the stack of a CPU sample (inclusive %), the top frames (self %),
#   and the allocation sites by sampled bytes.
# Keeps OUT/CASE.jfr (open it in JDK Mission Control, or `jfr print`/`jfr view` on JDK 21+) and
# OUT/CASE.txt (the reading printed here).
#
# Cases (pipeline PIPELINE, 50 clients, KEYS keys): SET GET INCR (100 B values), MIX (GET:SET
# 9:1 with kvmix), SET16K (16 KiB values, over 16,384 keys as in resp.sh).
# Env: CASES="SET GET INCR MIX SET16K" SECS=10 PIPELINE=16 CLIENTS=50 KEYS=100000 TOP=25
#      OUT=bench/results/profile-<date> PIN=1 SERVER_CPU=0 CLIENT_CPU=1 SIDECACHE_JVM=<launcher's>
set -u
. "$(dirname "$0")/lib.sh"

CASES=${CASES:-"SET GET INCR MIX SET16K"} SECS=${SECS:-10} PIPELINE=${PIPELINE:-16}
CLIENTS=${CLIENTS:-50} KEYS=${KEYS:-100000} TOP=${TOP:-25}
OUT=${OUT:-$ROOT_DIR/bench/results/profile-$(date -u +%F)}
need redis-benchmark redis-tools
need jcmd openjdk-17-jdk-headless
need jfr openjdk-17-jdk-headless
need python3 python3
need ss iproute2
kvmix_build
mkdir -p "$OUT"

# Precise line attribution of samples taken between safepoints (JFR samples asynchronously).
SIDECACHE_EXTRA_JVM="${SIDECACHE_EXTRA_JVM:+$SIDECACHE_EXTRA_JVM }-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"
free_port SC_RESP_PORT; free_port SC_MC_PORT
start_sidecache "$SC_RESP_PORT" "$SC_MC_PORT"

# load CASE REQUESTS: runs CASE's load over $keys keys; prints "requests ops/s p99_ms".
load() {
    local t=$1 n=$2 d=100 cmd out
    case $t in
        SET16K) d=16384; cmd=(-t set);;
        SET|GET|INCR) cmd=(-t "${t,,}");;
        MIX)
            out=$(kvmix -p "$SC_RESP_PORT" -m resp -c "$CLIENTS" -P "$PIPELINE" -r "$keys" -d "$d" \
                -s 0.1 -w 0 -t "$SECS" 2>&1) || die "kvmix: $out"
            echo "$(field ops "$out") $(field ops_s "$out") $(field p99_ms "$out")"
            return;;
        *) die "unknown case $t";;
    esac
    out=$(timeout $((SECS * 6 + 60)) $CLIENT_PIN redis-benchmark -h "$HOST" -p "$SC_RESP_PORT" \
        -c "$CLIENTS" -P "$PIPELINE" -r "$keys" -d "$d" -n "$n" --csv "${cmd[@]}" 2>/dev/null)
    awk -F'","' -v n="$n" '/^"/ && !/^"test"/ {printf "%d %d %s\n", n, $2, $7; exit}' <<<"$out" \
        | grep . || die "redis-benchmark $t gave no result"
}

machine_info
for t in $CASES; do
    d=100; [ "$t" = SET16K ] && d=16384
    # As resp.sh: at most 256 MiB of values (16,384 keys of 16 KiB), so they fit the memory tier.
    keys=$KEYS
    [ $((d * keys)) -gt $((256 * 1024 * 1024)) ] && keys=$((256 * 1024 * 1024 / d))
    kvmix -p "$SC_RESP_PORT" -m resp -L -c "$CLIENTS" -P 32 -r "$keys" -d "$d" >/dev/null \
        || die "prefill of $keys keys of $d B failed"
    # Warm-up (the JIT takes several seconds): a probe that sizes the runs to about SECS
    # seconds, then one such run unrecorded.
    # (load runs in a command substitution: a failure there must end the script here.)
    out=$(load "$t" $((CLIENTS * PIPELINE * 1000))) || exit 2
    read -r _ rps _ <<<"$out"
    out=$(load "$t" $((rps * SECS))) || exit 2
    read -r _ rps _ <<<"$out"
    jcmd "$SIDECACHE_PID" JFR.start name="$t" settings=profile filename="$OUT/$t.jfr" >/dev/null \
        || die "JFR.start failed"
    out=$(load "$t" $((rps * SECS))) || exit 2
    read -r requests rps p99 <<<"$out"
    jcmd "$SIDECACHE_PID" JFR.stop name="$t" >/dev/null || die "JFR.stop failed"
    {
        echo "## $t: $requests requests, $rps requests/s, p99 $p99 ms (pipeline $PIPELINE, $CLIENTS clients, $keys keys, $d B)"
        python3 "$BENCH_DIR/jfr_reading.py" "$OUT/$t.jfr" "$requests" "$TOP"
    } | tee "$OUT/$t.txt"
done
