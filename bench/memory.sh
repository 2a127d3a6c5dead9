#!/usr/bin/env bash
# bench/memory.sh - memory per key of Sidecache next to a real redis-server and memcached, same
# run.
#
# Starts redis-server, memcached (-t 1 -m 1024) and Sidecache on free loopback ports, loads KEYS
# keys ("key:%012u", 16 B) of VALUE bytes into each with bench/kvmix (pipelined sets; RESP, and
# the text protocol for memcached), counts the keys that are there afterwards by reading every
# one back (redis' DBSIZE is printed too), and reports, per key loaded:
#   self B/key  redis: growth of INFO memory used_memory; memcached: growth of stats bytes (the
#               items' own bytes, without slab overhead);
#               Sidecache: growth of the Java heap in use after a full GC (jcmd GC.run, then
#               jstat -gc: S0U+S1U+EU+OU)
#   RSS B/key   growth of the process' resident set (VmRSS)
# The heap is reserved up front (-Xmx), but pages only become resident when first used,
# so RSS growth follows the old generation as it fills.
#
# Env: KEYS=1000000 VALUE=100 PIN=1 SERVER_CPU=0 CLIENT_CPU=1
#      SIDECACHE_JVM=<the launcher's flags> SIDECACHE_EXTRA_JVM= SIDECACHE_JAR=...
set -u
. "$(dirname "$0")/lib.sh"

KEYS=${KEYS:-1000000} VALUE=${VALUE:-100}
need redis-cli redis-tools
need jcmd openjdk-17-jdk-headless
need jstat openjdk-17-jdk-headless
need ss iproute2
kvmix_build

free_port REDIS_PORT; free_port MEMCACHED_PORT; free_port SC_RESP_PORT; free_port SC_MC_PORT
start_redis "$REDIS_PORT"
start_memcached "$MEMCACHED_PORT"
start_sidecache "$SC_RESP_PORT" "$SC_MC_PORT"

redis_used() {
    redis-cli -h "$HOST" -p "$REDIS_PORT" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'
}

memcached_bytes() {
    exec 3<>"/dev/tcp/$HOST/$MEMCACHED_PORT" || die "cannot reach memcached"
    printf 'stats\r\nquit\r\n' >&3
    tr -d '\r' <&3 | awk '$1 == "STAT" && $2 == "bytes" {print $3}'
    exec 3<&-
}

# heap_used: bytes of Java heap in use after a full GC of Sidecache.
heap_used() {
    jcmd "$SIDECACHE_PID" GC.run >/dev/null || die "jcmd GC.run failed"
    jstat -gc "$SIDECACHE_PID" | awk '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { printf "%.0f\n", ($col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]) * 1024 }'
}

# measure NAME PORT PID SELF_FUNCTION MODE: loads the keys over kvmix's MODE (resp, text) and
# prints the row.
measure() {
    local name=$1 port=$2 pid=$3 self=$4 mode=$5 rss0 rss1 self0 self1 load found extra=""
    self0=$($self); rss0=$(rss_bytes "$pid")
    load=$(kvmix -p "$port" -m "$mode" -L -c 50 -P 64 -r "$KEYS" -d "$VALUE") || die "load into $name failed"
    found=$(kvmix -p "$port" -m "$mode" -V -c 50 -P 64 -r "$KEYS" -d "$VALUE") || die "read-back from $name failed"
    sleep 1
    self1=$($self); rss1=$(rss_bytes "$pid")
    [ "$name" = redis-server ] && extra="dbsize=$(redis-cli -h "$HOST" -p "$port" DBSIZE)"
    awk -v n="$name" -v k="$KEYS" -v found="$(field hits "$found")" -v s0="$self0" -v s1="$self1" \
        -v r0="$rss0" -v r1="$rss1" -v rate="$(field ops_s "$load")" -v x="$extra" 'BEGIN {
        printf "%-14s %9d %9d %12.1f %12.1f %10.1f %10.1f %10s  %s\n", n, k, found,
            (s1 - s0) / k, (r1 - r0) / k, s1 / 1048576, r1 / 1048576, rate, x }'
}

machine_info
echo "# memory.sh: keys=$KEYS value=$VALUE B; redis-server :$REDIS_PORT (pid $REDIS_PID)," \
    "memcached :$MEMCACHED_PORT (pid $MEMCACHED_PID), Sidecache :$SC_RESP_PORT (pid $SIDECACHE_PID)"
echo "# self: redis used_memory; memcached stats bytes; Sidecache heap in use after a full GC." \
    "MB columns: after the load"
printf '%-14s %9s %9s %12s %12s %10s %10s %10s  %s\n' server loaded found self_B/key RSS_B/key \
    self_MB RSS_MB load_ops/s notes
measure redis-server "$REDIS_PORT" "$REDIS_PID" redis_used resp
measure memcached "$MEMCACHED_PORT" "$MEMCACHED_PID" memcached_bytes text
measure sidecache "$SC_RESP_PORT" "$SIDECACHE_PID" heap_used resp
