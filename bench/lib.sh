# bench/lib.sh - shared helpers for resp.sh, memcached.sh and memory.sh; sourced, not run.
# Starts Sidecache and the reference servers on free loopback ports, pins servers and client to
# different cores, builds kvmix, and stops everything it started when the script exits.
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
SIDECACHE_JAR=${SIDECACHE_JAR:-$ROOT_DIR/proxy-core/target/sidecache.jar}
# Empty: the release launcher's JVM flags, as bin/sidecache starts it (start_sidecache).
SIDECACHE_JVM=${SIDECACHE_JVM:-}
LAUNCHER=$ROOT_DIR/proxy-core/src/dist/bin/sidecache
HOST=127.0.0.1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sidecache-bench.XXXXXX")
STARTED_PIDS=()
USED_PORTS=" "

die() { echo "${0##*/}: $*" >&2; exit 2; }
log() { echo "# $*" >&2; }

# need CMD PACKAGE...: fail with the Debian package to install when CMD is missing.
need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found: apt-get install ${*:2}"
}

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Servers on SERVER_CPU, clients on CLIENT_CPU (defaults 0 and 1), when taskset is there and the
# machine has two cores or more; PIN=0 turns pinning off.
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    SERVER_PIN="taskset -c ${SERVER_CPU:-0}"
    CLIENT_PIN="taskset -c ${CLIENT_CPU:-1}"
else
    SERVER_PIN=""
    CLIENT_PIN=""
fi

# free_port VAR: sets VAR to a TCP port that nothing listens on and that this script has not
# handed out yet.
free_port() {
    local p listening
    local low
    # Below the kernel's ephemeral range, so no client socket of another process holds the port.
    low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    [ "$low" -gt 12000 ] || low=32768
    listening=$(ss -Hltn 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}')
    for _ in $(seq 200); do
        p=$((10000 + RANDOM % (low - 10000)))
        case "$USED_PORTS" in *" $p "*) continue;; esac
        if ! grep -qx "$p" <<<"$listening"; then
            USED_PORTS="$USED_PORTS$p "
            printf -v "$1" '%s' "$p"
            return
        fi
    done
    die "no free port found"
}

# wait_port PORT PID: wait up to 30 s until PORT accepts connections; fail if PID died.
wait_port() {
    for _ in $(seq 300); do
        if (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; then return 0; fi
        kill -0 "$2" 2>/dev/null || die "server (pid $2) exited: $(grep -h -m3 -iE 'error|exception|fail' "$WORK"/*.log 2>/dev/null)"
        sleep 0.1
    done
    die "port $1 did not open in 30 s"
}

# start_sidecache RESP_PORT MC_PORT [NAME]: sets SIDECACHE_PID. Starts Sidecache ($SIDECACHE_JAR)
# as bin/sidecache does: through the release launcher, with its JVM flags (SIDECACHE_JVM, when
# set, replaces them and SIDECACHE_EXTRA_JVM adds to them) and its defaults (disk tier on, here
# under the run's directory, in data-NAME with a log NAME.log when NAME is given). Builds the jar
# when missing.
start_sidecache() {
    local name=${3:-sidecache} data="$WORK/data${3:+-$3}"
    need java openjdk-17-jre-headless
    if [ ! -f "$SIDECACHE_JAR" ]; then
        log "building $SIDECACHE_JAR"
        (cd "$ROOT_DIR" && ./mvnw -q -B -DskipTests package) >&2 || die "build failed"
    fi
    # shellcheck disable=SC2086
    SIDECACHE_JAR="$SIDECACHE_JAR" JAVA_OPTS="$SIDECACHE_JVM" JAVA_EXTRA_OPTS="${SIDECACHE_EXTRA_JVM:-}" \
        $SERVER_PIN "$LAUNCHER" --bind "$HOST" --resp-port "$1" --memcached-port "$2" \
        --http-port 0 --data-dir "$data" >"$WORK/$name.log" 2>&1 &
    SIDECACHE_PID=$!
    STARTED_PIDS+=("$SIDECACHE_PID")
    wait_port "$1" "$SIDECACHE_PID"
    wait_port "$2" "$SIDECACHE_PID"
}

# start_redis PORT: a real redis-server, no persistence; sets REDIS_PID.
start_redis() {
    need redis-server redis-server
    $SERVER_PIN redis-server --port "$1" --bind "$HOST" --save '' --appendonly no \
        --protected-mode no --daemonize no --logfile "$WORK/redis.log" &
    REDIS_PID=$!
    STARTED_PIDS+=("$REDIS_PID")
    wait_port "$1" "$REDIS_PID"
}

# start_memcached PORT: a real memcached with one worker thread and 1 GiB; sets MEMCACHED_PID.
start_memcached() {
    need memcached memcached
    local user=()
    [ "$(id -u)" = 0 ] && user=(-u nobody)
    $SERVER_PIN memcached -l "$HOST" -p "$1" -U 0 -t 1 -m 1024 "${user[@]}" >"$WORK/memcached.log" 2>&1 &
    MEMCACHED_PID=$!
    STARTED_PIDS+=("$MEMCACHED_PID")
    wait_port "$1" "$MEMCACHED_PID"
}

# start_nginx PORT ROOT: nginx (nginx-light) with one worker serving files under ROOT with
# sendfile, the HTTP reference; sets NGINX_PID. ROOT and its parents must be readable by nginx's
# worker user.
start_nginx() {
    need nginx nginx-light
    mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    server { listen $HOST:$1; root $2; }
}
EOF
    $SERVER_PIN nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
    NGINX_PID=$!
    STARTED_PIDS+=("$NGINX_PID")
    wait_port "$1" "$NGINX_PID"
}

# kvmix_build: compiles bench/kvmix.c once per source version; sets KVMIX.
kvmix_build() {
    need gcc gcc libc6-dev
    local dir="${XDG_CACHE_HOME:-$HOME/.cache}/sidecache-bench" sum
    sum=$(cksum <"$BENCH_DIR/kvmix.c" | awk '{print $1}')
    KVMIX="$dir/kvmix-$sum"
    if [ ! -x "$KVMIX" ]; then
        mkdir -p "$dir" && gcc -O2 -o "$KVMIX.tmp" "$BENCH_DIR/kvmix.c" -lm && mv "$KVMIX.tmp" "$KVMIX" \
            || die "cannot build kvmix"
    fi
}

# kvmix ARGS...: runs the client pinned, with a time limit.
kvmix() {
    # shellcheck disable=SC2086
    timeout 600 $CLIENT_PIN "$KVMIX" -h "$HOST" "$@"
}

# redis_bench OPTIONS... -- COMMAND...: redis-benchmark with OPTIONS (which must hold -c and -P
# as "-c N" and "-P N") and COMMAND (e.g. -t set, or a custom command), as a short probe (also the
# warm-up) and then about SECS seconds; prints "ops p50 p99" (ms) or "FAIL <reason>".
redis_bench() {
    local opts=() cmd=() seen=0 c=1 p=1 prev="" probe rps n out a
    for a in "$@"; do
        if [ "$seen" = 0 ]; then
            [ "$a" = -- ] && { seen=1; continue; }
            opts+=("$a")
            [ "$prev" = -c ] && c=$a
            [ "$prev" = -P ] && p=$a
            prev=$a
        else
            cmd+=("$a")
        fi
    done
    probe=$((c * p * 40))
    out=$(timeout 60 $CLIENT_PIN redis-benchmark "${opts[@]}" --csv -n "$probe" "${cmd[@]}" 2>&1)
    rps=$(awk -F'","' '/^"/ && !/^"test"/ {print int($2); exit}' <<<"$out")
    if [ -z "$rps" ] || [ "$rps" -le 0 ]; then
        echo "FAIL $(grep -m1 -o 'ERR[^,]*' <<<"$out" || echo "no result")"
        return
    fi
    n=$((rps * ${SECS:-5}))
    [ "$n" -lt $((c * p * 10)) ] && n=$((c * p * 10))
    out=$(timeout $((${SECS:-5} * 4 + 60)) $CLIENT_PIN redis-benchmark "${opts[@]}" --csv -n "$n" \
        "${cmd[@]}" 2>/dev/null)
    # CSV columns: test, rps, avg, min, p50, p95, p99, max (latencies in ms)
    awk -F'","' '/^"/ && !/^"test"/ {printf "%d %s %s\n", $2, $5, $7; exit}' <<<"$out" | grep . \
        || echo "FAIL no result"
}

# field NAME LINE: the value of NAME=value in a kvmix output line.
field() { grep -o "$1=[0-9.]*" <<<"$2" | head -1 | cut -d= -f2; }

# ratio CANDIDATE REFERENCE: candidate / reference with two decimals, "-" when not numbers.
ratio() {
    awk -v c="$1" -v r="$2" 'BEGIN { if (c + 0 > 0 && r + 0 > 0) printf "%.2f", c / r; else print "-" }'
}

rss_bytes() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status" 2>/dev/null; }

# machine_info: one comment block describing the run, for the results file.
machine_info() {
    echo "# $(date -u +%FT%TZ) $(uname -sr) cores=$(nproc) pinning=$([ -n "$SERVER_PIN" ] && echo "servers:cpu${SERVER_CPU:-0},client:cpu${CLIENT_CPU:-1}" || echo off)"
    echo "# commit $(git -C "$ROOT_DIR" describe --always --dirty 2>/dev/null || echo -) jvm: $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1) flags: ${SIDECACHE_JVM:-launcher defaults}${SIDECACHE_EXTRA_JVM:+ + $SIDECACHE_EXTRA_JVM}"
    echo "# $(redis-server --version 2>/dev/null | cut -d' ' -f1-3); $(memcached -V 2>/dev/null); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# table_header REF: the column header of compare's rows; REF names the reference server.
table_header() {
    printf '%-20s %14s %16s %6s %9s %9s %9s %9s  %s\n' case "$1_ops/s" sidecache_ops/s ratio \
        ref_p50 sc_p50 ref_p99 sc_p99 notes
}

# compare NAME REF_PORT CAND_PORT ARGS...: runs the calling script's "bench_one PORT ARGS..."
# (which prints "ops p50 p99" or "FAIL reason") against the reference and Sidecache, ROUNDS
# times with alternating order, and prints one row: mean ops/s of each, ratio Sidecache /
# reference, and the latencies (ms) of the last round.
compare() {
    local name=$1 ref_port=$2 cand_port=$3 r port res ops p50 p99 order
    shift 3
    local -A sum=() ok=() lat=() note=() mean=()
    for r in $(seq "${ROUNDS:-1}"); do
        order="$ref_port $cand_port"
        [ $((r % 2)) = 0 ] && order="$cand_port $ref_port"
        for port in $order; do
            res=$(bench_one "$port" "$@")
            if [ "${res%% *}" = FAIL ]; then
                note[$port]="${res#FAIL }"
                continue
            fi
            read -r ops p50 p99 <<<"$res"
            sum[$port]=$((${sum[$port]:-0} + ${ops%.*}))
            ok[$port]=$((${ok[$port]:-0} + 1))
            lat[$port]="$p50 $p99"
        done
    done
    for port in "$ref_port" "$cand_port"; do
        mean[$port]=-
        [ "${ok[$port]:-0}" -gt 0 ] && mean[$port]=$((sum[$port] / ok[$port]))
    done
    local notes=""
    [ -n "${note[$ref_port]:-}" ] && notes="reference: ${note[$ref_port]} "
    [ -n "${note[$cand_port]:-}" ] && notes="${notes}sidecache: ${note[$cand_port]}"
    read -r rp50 rp99 <<<"${lat[$ref_port]:-- -}"
    read -r cp50 cp99 <<<"${lat[$cand_port]:-- -}"
    printf '%-20s %14s %16s %6s %9s %9s %9s %9s  %s\n' "$name" "${mean[$ref_port]}" \
        "${mean[$cand_port]}" "$(ratio "${mean[$cand_port]}" "${mean[$ref_port]}")" \
        "$rp50" "$cp50" "$rp99" "$cp99" "${notes:0:90}"
}
