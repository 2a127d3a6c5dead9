#!/usr/bin/env bash
# bench/memcached.sh - memcached-protocol throughput of Sidecache next to a real memcached, same run.
#
# Starts memcached (-t 1, 1 GiB; -u nobody when root) and Sidecache on free loopback ports,
# servers pinned to SERVER_CPU and the client to CLIENT_CPU, and runs each case against
# memcached, then Sidecache (ROUNDS times, alternating which goes first).
# Workload: get:set 9:1, 100 B values, 16-byte keys over KEYS keys (prefilled, so gets hit),
# 50 connections, SECS seconds per case.
#
# Cases:
#   memaslap/text/P1     memaslap (libmemcached-tools' memcaslap), text protocol; it keeps one
#   memaslap/binary/P1   request in flight per connection, so depth 1 only; latency: its average
#   kvmix/text/P1,P16    bench/kvmix, batches of 1 or 16 requests per connection; p50/p99
#   kvmix/binary/P1,P16  the same over the binary protocol
# A server that does not speak a protocol gets "unsupported" in its column.
#
# Env: SECS=5 ROUNDS=1 CONNS=50 KEYS=100000 VALUE=100 SET_RATIO=0.1 PIN=1 SERVER_CPU=0 CLIENT_CPU=1
#      CASES="memaslap/text/P1 memaslap/binary/P1 kvmix/text/P1 kvmix/text/P16 kvmix/binary/P1 kvmix/binary/P16"
#      SIDECACHE_JVM=<the launcher's flags> SIDECACHE_EXTRA_JVM= SIDECACHE_JAR=...
set -u
. "$(dirname "$0")/lib.sh"

SECS=${SECS:-5} ROUNDS=${ROUNDS:-1} CONNS=${CONNS:-50} KEYS=${KEYS:-100000} VALUE=${VALUE:-100}
SET_RATIO=${SET_RATIO:-0.1}
CASES=${CASES:-"memaslap/text/P1 memaslap/binary/P1 kvmix/text/P1 kvmix/text/P16 kvmix/binary/P1 kvmix/binary/P16"}
need memcaslap libmemcached-tools
need ss iproute2
kvmix_build

free_port MC_PORT; free_port SC_RESP_PORT; free_port SC_MC_PORT
start_memcached "$MC_PORT"
start_sidecache "$SC_RESP_PORT" "$SC_MC_PORT"

cat >"$WORK/memaslap.cnf" <<EOF
key
16 16 1
value
$VALUE $VALUE 1
cmd
0 $SET_RATIO
1 $(awk -v s="$SET_RATIO" 'BEGIN { print 1 - s }')
EOF

# bench_one PORT CASE: prints "ops p50 p99" (memaslap: "ops avg=<ms> -") or "FAIL <reason>".
bench_one() {
    local port=$1 tool=${2%%/*} rest=${2#*/} out rc ops avg proto depth
    proto=${rest%%/*} depth=${rest##*/P}
    if [ "$tool" = memaslap ]; then
        local binary=()
        [ "$proto" = binary ] && binary=(-B)
        out=$(timeout $((SECS + 30)) $CLIENT_PIN memcaslap -s "$HOST:$port" -T 1 -c "$CONNS" \
            -t "${SECS}s" -S "${SECS}s" -F "$WORK/memaslap.cnf" -X "$VALUE" "${binary[@]}" 2>&1)
        ops=$(awk '/^Run time:/ { for (i = 1; i <= NF; i++) if ($i == "TPS:") print $(i + 1) }' <<<"$out")
        avg=$(awk '/^Total Statistics/ { f = 1 } f && /Avg:/ { printf "%.3f", $2 / 1000; exit }' <<<"$out")
        # Without latency statistics memaslap got (almost) no replies: the protocol failed.
        if [ -z "$ops" ] || [ "$ops" = 0 ] || [ -z "$avg" ]; then
            echo "FAIL unsupported or failed: $(grep -v '^\s*$' <<<"$out" | tail -n 1)"
            return
        fi
        echo "$ops avg=$avg -"
        return
    fi
    out=$(kvmix -p "$port" -m "$proto" -c "$CONNS" -P "$depth" -r "$KEYS" -d "$VALUE" \
        -s "$SET_RATIO" -w 1 -t "$SECS" 2>&1)
    rc=$?
    case $rc in
        0) echo "$(field ops_s "$out") $(field p50_ms "$out") $(field p99_ms "$out")";;
        4) echo "FAIL unsupported";;
        *) echo "FAIL ${out//$'\n'/ }";;
    esac
}

machine_info
echo "# memcached.sh: memcached -t 1 :$MC_PORT (pid $MEMCACHED_PID) vs Sidecache :$SC_MC_PORT" \
    "(pid $SIDECACHE_PID); conns=$CONNS secs=$SECS rounds=$ROUNDS value=$VALUE set_ratio=$SET_RATIO keys=$KEYS"
for port in "$MC_PORT" "$SC_MC_PORT"; do
    kvmix -p "$port" -m text -L -c "$CONNS" -P 32 -r "$KEYS" -d "$VALUE" >/dev/null \
        || die "prefill of $KEYS keys on port $port failed"
done
table_header memcached
for c in $CASES; do
    compare "$c" "$MC_PORT" "$SC_MC_PORT" "$c"
done
