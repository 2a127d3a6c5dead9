#!/usr/bin/env bash
# bench/profile.sh - where Sidecache's time and allocations go, case by case.
#
# Starts Sidecache as bin/sidecache starts it (the release launcher's JVM flags, disk tier on,
# pinned to SERVER_CPU) and for each case: prefills the key space, warms up for WARMUPS runs of
# about SECS seconds, then profiles one run of about SECS seconds of redis-benchmark (or kvmix for MIX),
# pinned to CLIENT_CPU. Prints, per case:
#   requests/s and p99 of the profiled run;
#   bytes allocated per request on the event loops (JFR ThreadAllocationStatistics, end - start);
#   GC pauses in the run by collector (count, total, longest and mean, ms);
#   the methods most often on the stack of a CPU sample (inclusive %), the top frames (self %),
#   and the allocation sites by sampled bytes.
# CPU samples come from async-profiler (PROFILER=async, the default: fetched from Maven Central,
# tools.profiler:async-profiler, loaded with -agentpath, started and stopped with jcmd
# JVMTI.agent_load), which samples every thread with the kernel's perf events, Java and kernel
# frames, or from JFR's own sampler (PROFILER=jfr: Java threads only, and on this machine it put
# most of a GET's samples in a Caffeine drain that did not cost that much; docs/benchmarks.md).
# Both with -XX:+DebugNonSafepoints. JFR records the allocations and GC pauses either way.
# Keeps OUT/CASE.jfr (open it in JDK Mission Control, or `jfr print`/`jfr view` on JDK 21+),
# OUT/CASE.collapsed (async-profiler's collapsed stacks, one line per stack: a flame graph's
# input) and OUT/CASE.txt (the reading printed here).
#
# Cases (pipeline PIPELINE, 50 clients, KEYS keys): SET GET INCR (100 B values), MIX (GET:SET
# 9:1 with kvmix), SET16K (16 KiB values, over 16,384 keys as in resp.sh).
# Env: CASES="SET GET INCR MIX SET16K" SECS=10 WARMUPS=2 PIPELINE=16 CLIENTS=50 KEYS=100000 TOP=25
#      PROFILER=async ASYNC_PROFILER_VERSION=4.0
#      OUT=bench/results/profile-<date> PIN=1 SERVER_CPU=0 CLIENT_CPU=1 SIDECACHE_JVM=<launcher's>
set -u
. "$(dirname "$0")/lib.sh"

CASES=${CASES:-"SET GET INCR MIX SET16K"} SECS=${SECS:-10} PIPELINE=${PIPELINE:-16}
CLIENTS=${CLIENTS:-50} KEYS=${KEYS:-100000} TOP=${TOP:-25} WARMUPS=${WARMUPS:-2} PROFILER=${PROFILER:-async}
ASYNC_PROFILER_VERSION=${ASYNC_PROFILER_VERSION:-4.0}
OUT=${OUT:-$ROOT_DIR/bench/results/profile-$(date -u +%F)}
need redis-benchmark redis-tools
need jcmd openjdk-17-jdk-headless
need jfr openjdk-17-jdk-headless
need python3 python3
need ss iproute2
kvmix_build
mkdir -p "$OUT"

# async_profiler_lib: prints the path of libasyncProfiler.so for this machine, fetched once from
# Maven Central into the local Maven repository and unpacked into the run's directory.
async_profiler_lib() {
    local arch jar
    case $(uname -m) in
        x86_64) arch=linux-x64;;
        aarch64) arch=linux-arm64;;
        *) die "no async-profiler build for $(uname -m): run with PROFILER=jfr";;
    esac
    jar=$HOME/.m2/repository/tools/profiler/async-profiler/$ASYNC_PROFILER_VERSION/async-profiler-$ASYNC_PROFILER_VERSION.jar
    if [ ! -f "$jar" ]; then
        (cd "$ROOT_DIR" && ./mvnw -q -B dependency:get \
            -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION") >&2 \
            || die "could not fetch tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION"
    fi
    python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
        "$jar" "$arch/libasyncProfiler.so" "$WORK/libasyncProfiler.so" || die "cannot unpack $jar"
    echo "$WORK/libasyncProfiler.so"
}

# async_profiler CASE start|stop: starts or stops async-profiler's CPU sampling in Sidecache.
# (jcmd takes the options as one quoted word: unquoted, it would split them at "=".)
async_profiler() {
    local options="start,event=cpu,interval=1ms,threads,file=$OUT/$1.collapsed,collapsed"
    [ "$2" = stop ] && options="stop,file=$OUT/$1.collapsed,collapsed"
    jcmd "$SIDECACHE_PID" JVMTI.agent_load "$ASYNC_PROFILER" "\"$options\"" >/dev/null \
        || die "async-profiler $2 failed"
}

# Precise line attribution of samples taken between safepoints (both profilers sample
# asynchronously).
SIDECACHE_EXTRA_JVM="${SIDECACHE_EXTRA_JVM:+$SIDECACHE_EXTRA_JVM }-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"
case $PROFILER in
    # Loaded at start, idle until the first case: attached later, its first start threw away the
    # compiled code, and C2 then took a third of the first case's samples recompiling it.
    async) ASYNC_PROFILER=$(async_profiler_lib) || exit 2
        SIDECACHE_EXTRA_JVM="$SIDECACHE_EXTRA_JVM -agentpath:$ASYNC_PROFILER";;
    jfr) ASYNC_PROFILER=;;
    *) die "PROFILER is async or jfr, not $PROFILER";;
esac
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
    # seconds, then WARMUPS such runs unrecorded.
    # (load runs in a command substitution: a failure there must end the script here.)
    out=$(load "$t" $((CLIENTS * PIPELINE * 1000))) || exit 2
    read -r _ rps _ <<<"$out"
    for _ in $(seq "$WARMUPS"); do
        out=$(load "$t" $((rps * SECS))) || exit 2
        read -r _ rps _ <<<"$out"
    done
    jcmd "$SIDECACHE_PID" JFR.start name="$t" settings=profile filename="$OUT/$t.jfr" >/dev/null \
        || die "JFR.start failed"
    [ "$PROFILER" = async ] && async_profiler "$t" start
    out=$(load "$t" $((rps * SECS))) || exit 2
    read -r requests rps p99 <<<"$out"
    [ "$PROFILER" = async ] && async_profiler "$t" stop
    jcmd "$SIDECACHE_PID" JFR.stop name="$t" >/dev/null || die "JFR.stop failed"
    {
        echo "## $t: $requests requests, $rps requests/s, p99 $p99 ms (pipeline $PIPELINE, $CLIENTS clients, $keys keys, $d B; CPU samples: $PROFILER)"
        python3 "$BENCH_DIR/jfr_reading.py" "$OUT/$t.jfr" "$requests" "$TOP" \
            ${ASYNC_PROFILER:+"$OUT/$t.collapsed"}
    } | tee "$OUT/$t.txt"
done
