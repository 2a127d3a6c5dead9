#!/usr/bin/env bash
# bench/chunks.sh - chunked values: range reads that touch only the chunks they need, and large
# values streamed over HTTP and RESP, each next to the real thing in the same run.
#
# Servers (pinned to SERVER_CPU):
#   Sidecache --memory 64m --chunk-memory 0 --disk-size 10g   every chunk read comes from disk
#                                                             (the page cache), heap 256 MiB
#   redis-server --proto-max-bulk-len 5gb                    values in memory
#   nginx (nginx-light) serving the same bytes from files    the HTTP reference
# 1. GETRANGE of 100 bytes at a random offset of values of 1 MiB, 64 MiB, 1 GiB, 4 GiB
#    (SIZES): p50/p99 in ms at depth 1 from a small Python client, REQS requests per size,
#    Sidecache and redis-server alike.
# 2. HTTP GET of the whole 1 GiB value and Range GETs of 1 MiB at random offsets from it: MB/s
#    with wrk (-t1 -c CONNS, SECS seconds), Sidecache and nginx.
# 3. RESP SET and GET of 1 MiB values: redis-benchmark -d 1048576 -c 4, Sidecache (tiered, and
#    memory-only with 384 MiB of chunk memory) and redis.
#
# Env: SECS=10 REQS=2000 CONNS=4 SIZES="1048576 67108864 1073741824 4294967296" PIN=1
#      SERVER_CPU=0 CLIENT_CPU=1 SIDECACHE_JAR=...
set -u
. "$(dirname "$0")/lib.sh"

SECS=${SECS:-10} REQS=${REQS:-2000} CONNS=${CONNS:-4}
SIZES=${SIZES:-"1048576 67108864 1073741824 4294967296"}
need redis-server redis-server
need redis-benchmark redis-tools
need nginx nginx-light
need wrk wrk
need curl curl
need python3 python3
need ss iproute2

free_port SC_RESP; free_port SC_MC; free_port SC_HTTP; free_port REDIS_PORT; free_port NGINX_PORT
free_port MO_RESP; free_port MO_MC
[ -f "$SIDECACHE_JAR" ] || (cd "$ROOT_DIR" && ./mvnw -q -B -DskipTests package) >&2 || die "build failed"
mkdir -p "$WORK/data" "$WORK/www" && chmod 755 "$WORK" "$WORK/www" # nginx's workers
# shellcheck disable=SC2086
$SERVER_PIN java -Xms256m -Xmx256m -Xmn64m -XX:+UseParallelGC -jar "$SIDECACHE_JAR" \
    --bind "$HOST" --resp-port "$SC_RESP" --memcached-port "$SC_MC" --http-port "$SC_HTTP" \
    --memory 64m --chunk-memory 0 --disk-size 10g --data-dir "$WORK/data" \
    --max-http-body 5g >"$WORK/sidecache.log" 2>&1 &
SC_PID=$!; STARTED_PIDS+=("$SC_PID"); wait_port "$SC_RESP" "$SC_PID"; wait_port "$SC_HTTP" "$SC_PID"
# Memory only, for the RESP comparison of section 3 (redis-server keeps no disk copy either).
# shellcheck disable=SC2086
$SERVER_PIN java -Xms1g -Xmx1g -Xmn256m -XX:+UseParallelGC -jar "$SIDECACHE_JAR" \
    --bind "$HOST" --resp-port "$MO_RESP" --memcached-port "$MO_MC" --http-port 0 \
    --memory 64m --chunk-memory 384m --disk-size 0 >"$WORK/sidecache-memory.log" 2>&1 &
MO_PID=$!; STARTED_PIDS+=("$MO_PID"); wait_port "$MO_RESP" "$MO_PID"
$SERVER_PIN redis-server --port "$REDIS_PORT" --bind "$HOST" --save '' --appendonly no \
    --protected-mode no --daemonize no --proto-max-bulk-len 5gb \
    --logfile "$WORK/redis.log" &
REDIS_PID=$!; STARTED_PIDS+=("$REDIS_PID"); wait_port "$REDIS_PORT" "$REDIS_PID"
start_nginx "$NGINX_PORT" "$WORK/www"

# The same bytes everywhere: a file per size, PUT to Sidecache with curl (streamed), SET to
# redis-server piece by piece (SETRANGE, so no client holds a value whole), served by nginx.
cat >"$WORK/client.py" <<'EOF'
import random, socket, sys, time

def connect(port):
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")

def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out

def reply(f):
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return f.read(n + 2)[:-2] if n >= 0 else None
    if line[:1] == b"-":
        raise SystemExit("error: " + line.decode())
    return line

def load(port, key, path):
    s, f = connect(port)
    offset, piece = 0, 64 << 20
    with open(path, "rb") as src:
        while True:
            b = src.read(piece)
            if not b:
                break
            s.sendall(command("SETRANGE", key, offset, b))
            reply(f)
            offset += len(b)

def ranges(port, key, size, reqs):
    s, f = connect(port)
    rnd, lat = random.Random(7), []
    for _ in range(reqs):
        o = rnd.randrange(0, size - 100)
        t = time.perf_counter()
        s.sendall(command("GETRANGE", key, o, o + 99))
        got = reply(f)
        lat.append(time.perf_counter() - t)
        assert len(got) == 100, len(got)
    lat.sort()
    print("%.3f %.3f" % (lat[len(lat) // 2] * 1e3, lat[len(lat) * 99 // 100] * 1e3))

if sys.argv[1] == "load":
    load(*sys.argv[2:])
else:
    ranges(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
EOF

machine_info
echo "# chunks.sh: Sidecache :$SC_RESP/:$SC_HTTP (memory 64m, chunk memory 0, disk 10g, heap 256m)," \
    "redis-server :$REDIS_PORT, nginx :$NGINX_PORT; reqs=$REQS secs=$SECS conns=$CONNS"
echo "# 1. GETRANGE 100 B at random offsets, depth 1 (ms)"
printf '%-12s %12s %12s %12s %12s\n' size redis_p50 redis_p99 sidecache_p50 sidecache_p99
for size in $SIZES; do
    head -c "$size" /dev/urandom >"$WORK/www/v$size.bin"
    curl -sf -T "$WORK/www/v$size.bin" "http://$HOST:$SC_HTTP/cache/v$size" -o /dev/null \
        || die "PUT of $size bytes failed: $(tail -3 "$WORK/sidecache.log")"
    $CLIENT_PIN python3 "$WORK/client.py" load "$REDIS_PORT" "v$size" "$WORK/www/v$size.bin"
    # The chunks the PUT left in the page cache are read like any other: from the disk tier.
    read -r rp50 rp99 <<<"$($CLIENT_PIN python3 "$WORK/client.py" ranges "$REDIS_PORT" "v$size" "$size" "$REQS")"
    read -r sp50 sp99 <<<"$($CLIENT_PIN python3 "$WORK/client.py" ranges "$SC_RESP" "v$size" "$size" "$REQS")"
    printf '%-12s %12s %12s %12s %12s\n' "$size" "$rp50" "$rp99" "$sp50" "$sp99"
    [ "$size" = 1073741824 ] || { rm -f "$WORK/www/v$size.bin"; redis-cli -p "$REDIS_PORT" del "v$size" >/dev/null; }
done

# wrk_mbps URL [HEADER]: transfer rate in MB/s.
wrk_mbps() {
    local out rate
    out=$($CLIENT_PIN wrk -t1 -c"$CONNS" -d"${SECS}s" ${3:+-s "$3"} "$1" 2>&1)
    rate=$(awk '/Transfer\/sec/ {print $2}' <<<"$out")
    awk -v r="$rate" 'BEGIN { n = r + 0; u = substr(r, length(r) - 1);
        if (u == "GB") n *= 1024; else if (u == "KB") n /= 1024; printf "%.0f", n }'
}
cat >"$WORK/range.lua" <<'EOF'
math.randomseed(7)
request = function()
    local o = math.random(0, 1073741824 - 1048576)
    return wrk.format("GET", nil, { ["Range"] = "bytes=" .. o .. "-" .. (o + 1048575) })
end
EOF
# The JVM compiles its hot paths in the first seconds; each case is warmed up once, unmeasured.
$CLIENT_PIN wrk -t1 -c"$CONNS" -d3s "http://$HOST:$SC_HTTP/cache/v1073741824" >/dev/null 2>&1
$CLIENT_PIN wrk -t1 -c"$CONNS" -d3s -s "$WORK/range.lua" "http://$HOST:$SC_HTTP/cache/v1073741824" \
    >/dev/null 2>&1
echo "# 2. HTTP, 1 GiB value (MB/s, wrk -t1 -c$CONNS; one unmeasured 3 s run first)"
printf '%-16s %10s %10s %7s\n' case nginx sidecache ratio
n=$(wrk_mbps "http://$HOST:$NGINX_PORT/v1073741824.bin"); s=$(wrk_mbps "http://$HOST:$SC_HTTP/cache/v1073741824")
printf '%-16s %10s %10s %7s\n' "GET 1GiB" "$n" "$s" "$(ratio "$s" "$n")"
n=$(wrk_mbps "http://$HOST:$NGINX_PORT/v1073741824.bin" "" "$WORK/range.lua")
s=$(wrk_mbps "http://$HOST:$SC_HTTP/cache/v1073741824" "" "$WORK/range.lua")
printf '%-16s %10s %10s %7s\n' "Range 1MiB" "$n" "$s" "$(ratio "$s" "$n")"

echo "# 3. RESP, 1 MiB values (ops/s, redis-benchmark -d 1048576 -c 4 -n 2000): Sidecache with"
echo "#    its disk tier (chunks written through to disk) and memory-only (--disk-size 0)"
printf '%-8s %10s %12s %7s %12s %7s\n' op redis sc-tiered ratio sc-memory ratio
rb() {
    $CLIENT_PIN redis-benchmark -p "$1" -t "$2" -d 1048576 -c 4 -n 2000 --csv \
        | awk -F, 'NR > 1 {gsub(/"/, ""); print $2}'
}
for port in "$REDIS_PORT" "$SC_RESP" "$MO_RESP"; do
    rb "$port" set >/dev/null; rb "$port" get >/dev/null # warm-up, unmeasured
done
for op in set get; do
    r=$(rb "$REDIS_PORT" "$op"); s=$(rb "$SC_RESP" "$op"); m=$(rb "$MO_RESP" "$op")
    # redis-benchmark does not check replies: a GET of a missing key would count as fast.
    for port in "$REDIS_PORT" "$SC_RESP" "$MO_RESP"; do
        [ "$(redis-cli -h "$HOST" -p "$port" strlen key:__rand_int__)" = 1048576 ] \
            || die "port $port: the benchmark's key is not 1 MiB long after the ${op}s"
    done
    printf '%-8s %10s %12s %7s %12s %7s\n' "$op" "$r" "$s" "$(ratio "$s" "$r")" "$m" "$(ratio "$m" "$r")"
done
