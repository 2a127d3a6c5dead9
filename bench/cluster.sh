#!/usr/bin/env bash
# bench/cluster.sh - a 3-node Sidecache cluster on this machine (docs/cluster.md, issue 10
# "Performance"), next to one redis-server in the same run:
#
#   * SET and GET of 100 B values at pipeline 1 and 16 through node A, for keys A owns (local)
#     and for keys node B owns (forwarded): the keys share a hash tag owned by A or by B, found by
#     watching A's cluster_forwarded counter;
#   * the same with --replicas 1, for the cost of R = 2 on writes;
#   * the time from kill -9 of B until a GET of one of B's keys through A succeeds again.
#
# All servers share SERVER_CPU (one core for three JVMs: the ratios, not the absolute numbers,
# are the result), the client runs on CLIENT_CPU.
#
# Each cluster is warmed up first (WARMUP seconds per case and tag, both pipelines).
#
# Env: SECS=5 WARMUP=3 CLIENTS=50 KEYS=100000 PIPELINES="1 16" PIN=1 SERVER_CPU=0 CLIENT_CPU=1
#      NODE_JVM="-Xms256m -Xmx256m -Xmn64m -XX:+UseParallelGC" SIDECACHE_JAR=...
set -u
. "$(dirname "$0")/lib.sh"

SECS=${SECS:-5} CLIENTS=${CLIENTS:-50} KEYS=${KEYS:-100000} PIPELINES=${PIPELINES:-"1 16"}
WARMUP=${WARMUP:-3}
NODE_JVM=${NODE_JVM:-"-Xms256m -Xmx256m -Xmn64m -XX:+UseParallelGC"}
SIDECACHE_JVM=$NODE_JVM # what machine_info reports
need redis-benchmark redis-tools
need redis-cli redis-tools
need ss iproute2
need java openjdk-17-jre-headless
[ -f "$SIDECACHE_JAR" ] || (cd "$ROOT_DIR" && ./mvnw -q -B -DskipTests package) >&2 \
    || die "build failed"

# start_cluster REPLICAS: starts nodes a, b, c; sets RESP_{a,b,c} and PID_{a,b,c}.
start_cluster() {
    local id cport seeds="" ports=() i=0
    for id in a b c; do
        free_port cport
        ports+=("$cport")
        seeds="$seeds${seeds:+,}$HOST:$cport"
    done
    for id in a b c; do
        local resp mc http peer
        free_port resp; free_port mc; free_port http; free_port peer
        # shellcheck disable=SC2086
        $SERVER_PIN java $NODE_JVM -jar "$SIDECACHE_JAR" --bind "$HOST" --resp-port "$resp" \
            --memcached-port "$mc" --http-port "$http" --disk-size 0 --memory 96m \
            --cluster --cluster-name "bench-$$-$1" --cluster-port "${ports[$i]}" \
            --peer-port "$peer" --join "$seeds" --node-id "$id" --cluster-secret bench \
            --replicas "$1" >"$WORK/node-$id-r$1.log" 2>&1 &
        STARTED_PIDS+=("$!")
        printf -v "PID_$id" '%s' "$!"
        printf -v "RESP_$id" '%s' "$resp"
        i=$((i + 1))
    done
    for id in a b c; do
        local pv="PID_$id" rv="RESP_$id"
        wait_port "${!rv}" "${!pv}"
    done
    local deadline=$((SECONDS + 60))
    until [ "$(redis-cli -h "$HOST" -p "$RESP_a" info cluster | tr -d '\r' \
        | awk -F: '/^cluster_ring_members:/ {print $2}')" = 3 ]; do
        [ $SECONDS -lt $deadline ] || die "the ring did not reach 3 members"
        sleep 0.2
    done
}

stop_cluster() {
    kill "$PID_a" "$PID_b" "$PID_c" 2>/dev/null
    wait "$PID_a" "$PID_b" "$PID_c" 2>/dev/null
}

forwarded() {
    redis-cli -h "$HOST" -p "$RESP_a" info cluster | tr -d '\r' \
        | awk -F: '/^cluster_forwarded:/ {print $2}'
}

# tag_owned_by WANT: a hash tag whose keys A serves itself (WANT=local) or forwards (remote).
tag_owned_by() {
    local i before after
    for i in $(seq 0 200); do
        before=$(forwarded)
        redis-cli -h "$HOST" -p "$RESP_a" get "{t$i}probe" >/dev/null
        after=$(forwarded)
        if [ "$1" = local ] && [ "$after" = "$before" ]; then echo "t$i"; return; fi
        if [ "$1" = remote ] && [ "$after" != "$before" ]; then echo "t$i"; return; fi
    done
    die "no $1 tag found"
}

VALUE=$(head -c 100 /dev/zero | tr '\0' x)

# bench_one PORT PIPE TEST TAG: TEST is SET or GET over keys {TAG}:<rand>; "ops p50 p99".
bench_one() {
    local port=$1 p=$2 t=$3 tag=$4
    if [ "$t" = SET ]; then
        redis_bench -h "$HOST" -p "$port" -c "$CLIENTS" -P "$p" -r "$KEYS" -- \
            SET "{$tag}:__rand_int__" "$VALUE"
    else
        redis_bench -h "$HOST" -p "$port" -c "$CLIENTS" -P "$p" -r "$KEYS" -- \
            GET "{$tag}:__rand_int__"
    fi
}

row() {
    local res
    res=$(bench_one "$@")
    printf '%-28s %s\n' "$NAME" "$res"
}

machine_info
free_port REDIS_PORT
start_redis "$REDIS_PORT"
echo "# cluster.sh: 3 nodes ($NODE_JVM) and redis-server :$REDIS_PORT; clients=$CLIENTS secs=$SECS"
printf '%-28s %s\n' case "ops/s p50_ms p99_ms"
for r in 2 1; do
    start_cluster "$r"
    LOCAL=$(tag_owned_by local)
    REMOTE=$(tag_owned_by remote)
    echo "# replicas=$r: tag {$LOCAL} owned by a, {$REMOTE} by another node"
    # Warm-up (the JIT of every node and the peer paths): SET and GET on both tags through a.
    for tag in "$LOCAL" "$REMOTE"; do
        for t in SET GET; do
            SECS=$WARMUP bench_one "$RESP_a" 16 "$t" "$tag" >/dev/null
            SECS=$WARMUP bench_one "$RESP_a" 1 "$t" "$tag" >/dev/null
        done
    done
    for p in $PIPELINES; do
        for t in SET GET; do
            [ "$r" = 1 ] && [ "$t" = GET ] && continue
            if [ "$r" = 2 ]; then
                NAME="redis $t P$p"; row "$REDIS_PORT" "$p" "$t" "$LOCAL"
            fi
            NAME="R=$r local $t P$p"; row "$RESP_a" "$p" "$t" "$LOCAL"
            NAME="R=$r forwarded $t P$p"; row "$RESP_a" "$p" "$t" "$REMOTE"
        done
    done
    if [ "$r" = 2 ]; then
        # The failover time: kill -9 the owner of {REMOTE}, read one of its keys through a.
        redis-cli -h "$HOST" -p "$RESP_a" set "{$REMOTE}:failover" v >/dev/null
        victim=""
        for id in b c; do
            rv="RESP_$id"
            before=$(redis-cli -h "$HOST" -p "${!rv}" info cluster | tr -d '\r' \
                | awk -F: '/^cluster_forwarded:/ {print $2}')
            redis-cli -h "$HOST" -p "${!rv}" get "{$REMOTE}:failover" >/dev/null
            after=$(redis-cli -h "$HOST" -p "${!rv}" info cluster | tr -d '\r' \
                | awk -F: '/^cluster_forwarded:/ {print $2}')
            [ "$before" = "$after" ] && victim=$id
        done
        [ -n "$victim" ] || die "no owner of {$REMOTE} found"
        pv="PID_$victim"
        start_ns=$(date +%s%N)
        kill -9 "${!pv}"
        until [ "$(redis-cli -h "$HOST" -p "$RESP_a" get "{$REMOTE}:failover" 2>/dev/null)" = v ]; do
            sleep 0.01
        done
        echo "# failover: GET through a succeeded $(( ($(date +%s%N) - start_ns) / 1000000 )) ms after kill -9 of $victim"
    fi
    stop_cluster
done
