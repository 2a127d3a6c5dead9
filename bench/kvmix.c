/*
 * kvmix - a small closed-loop GET/SET load generator for RESP and memcached (text and binary),
 * written for Sidecache's bench/ scripts because Debian packages no tool that mixes GET and SET
 * over RESP (redis-benchmark runs one command per test; memtier_benchmark is not packaged) or
 * pipelines memcached requests (memaslap keeps one request in flight per connection).
 *
 * Model: one thread, epoll, CONNS connections. Each connection sends a batch of DEPTH requests
 * (each a SET with probability SET_RATIO, else a GET of a random key: uniform, or with -z THETA
 * Zipfian, YCSB's "scrambled zipfian": ranks drawn with Gray et al.'s method, then hashed onto
 * the key space so the hot keys are spread over it), waits for all
 * DEPTH replies, then sends the next batch, as redis-benchmark -P does. A request's latency is
 * from the write of its batch to the arrival of its reply (1 us buckets up to 1 s).
 * Keys: "key:%012u" (redis-benchmark's key:__rand_int__ form), values: VALUE bytes of 'x'.
 *
 * Modes:  (default) timed mix: WARMUP s not counted, then SECS s measured;
 *         -L load:   SET every key 0..KEYS-1 once (pipelined) and exit;
 *         -V verify: GET every key 0..KEYS-1 once and report hits (a key count for servers
 *                    without DBSIZE).
 * Output: one line "ops_s=N p50_ms=X p99_ms=Y ops=N sets=N gets=N hits=N misses=N errors=N".
 * Exit: 0 ok, 2 usage/connect error, 3 error replies seen, 4 server does not speak the protocol.
 *
 * Build: gcc -O2 -o kvmix kvmix.c -lm      Linux only (epoll).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum proto { RESP, TEXT, BINARY };
enum { HIST_US = 1000000 };

struct conn {
    int fd;
    char *out; size_t out_len, out_off, out_cap;
    char *in; size_t in_len, in_cap;
    int pending;          /* replies still expected for the current batch */
    int *ops;             /* per request in batch: 1 = SET, 0 = GET */
    int next_reply;
    double batch_start;
};

static enum proto proto = RESP;
static const char *host = "127.0.0.1";
static int port = 6379, conns = 50, depth = 1, load_mode = 0, verify_mode = 0;
static double secs = 5, warmup = 1, set_ratio = 0.1;
static unsigned keys = 100000, value_len = 100;
static char *value;
static unsigned long long n_ops, n_sets, n_gets, n_hits, n_misses, n_errors;
static unsigned long long *hist;
static unsigned long long n_replies;   /* all replies, counted or not */
static unsigned next_key;   /* load / verify modes: next key to send */
static double zipf_theta;   /* 0: uniform keys */
static double zipf_zetan, zipf_alpha, zipf_eta;
static int measuring;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(int code, const char *msg) {
    fprintf(stderr, "kvmix: %s%s%s\n", msg, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(code);
}

static void ensure(char **buf, size_t *cap, size_t need) {
    if (need <= *cap) return;
    size_t c = *cap ? *cap : 4096;
    while (c < need) c *= 2;
    if (!(*buf = realloc(*buf, c))) die(2, "out of memory");
    *cap = c;
}

static void put(struct conn *c, const void *p, size_t n) {
    ensure(&c->out, &c->out_cap, c->out_len + n);
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

static void put_be(struct conn *c, uint64_t v, int bytes) {
    unsigned char b[8];
    for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    put(c, b, bytes);
}

/* Appends one request for key number k. */
static void request(struct conn *c, int set, unsigned k) {
    char key[32], head[96];
    int kl = snprintf(key, sizeof key, "key:%012u", k), n;
    switch (proto) {
    case RESP:
        if (set) {
            n = snprintf(head, sizeof head, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%u\r\n", kl, key, value_len);
            put(c, head, n); put(c, value, value_len); put(c, "\r\n", 2);
        } else {
            n = snprintf(head, sizeof head, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, key);
            put(c, head, n);
        }
        break;
    case TEXT:
        if (set) {
            n = snprintf(head, sizeof head, "set %s 0 0 %u\r\n", key, value_len);
            put(c, head, n); put(c, value, value_len); put(c, "\r\n", 2);
        } else {
            n = snprintf(head, sizeof head, "get %s\r\n", key);
            put(c, head, n);
        }
        break;
    case BINARY: { /* memcached binary protocol: 24-byte header, SET has 8 bytes of extras */
        int extras = set ? 8 : 0;
        uint32_t body = extras + kl + (set ? value_len : 0);
        put_be(c, 0x80, 1); put_be(c, set ? 0x01 : 0x00, 1); put_be(c, kl, 2);
        put_be(c, extras, 1); put_be(c, 0, 1); put_be(c, 0, 2); put_be(c, body, 4);
        put_be(c, 0, 4); put_be(c, 0, 8);
        if (set) { put_be(c, 0, 4); put_be(c, 0, 4); }
        put(c, key, kl);
        if (set) put(c, value, value_len);
        break;
    }
    }
}

/* Finds "\r\n" in p[0..n); returns the index of '\r' or -1. */
static long line_end(const char *p, size_t n) {
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n') return (long)i;
    return -1;
}

/*
 * Parses one reply at the start of p[0..n). Returns its length, 0 if incomplete, -1 if the bytes
 * are not this protocol. Sets *hit (GET found a value) and *err (error reply).
 */
static long parse_reply(const char *p, size_t n, int *hit, int *err) {
    long e;
    *hit = 0; *err = 0;
    if (n == 0) return 0;
    switch (proto) {
    case RESP:
        if ((e = line_end(p, n)) < 0) return 0;
        if (p[0] == '+') return e + 2;
        if (p[0] == '-') { *err = 1; return e + 2; }
        if (p[0] == '$') {
            long len = strtol(p + 1, NULL, 10);
            if (len < 0) return e + 2;
            if ((size_t)(e + 2 + len + 2) > n) return 0;
            *hit = 1;
            return e + 2 + len + 2;
        }
        return -1;
    case TEXT:
        if ((e = line_end(p, n)) < 0) return 0;
        if (n >= 6 && memcmp(p, "VALUE ", 6) == 0) {
            const char *sp = memrchr(p, ' ', e);
            long len = strtol(sp + 1, NULL, 10);
            size_t total = e + 2 + len + 2 + 5;
            if (total > n) return 0;
            if (memcmp(p + total - 5, "END\r\n", 5) != 0) return -1;
            *hit = 1;
            return (long)total;
        }
        if (e == 3 && memcmp(p, "END", 3) == 0) return e + 2;
        if (e == 6 && memcmp(p, "STORED", 6) == 0) return e + 2;
        *err = 1;
        return e + 2;
    case BINARY: {
        if ((unsigned char)p[0] != 0x81) return -1;
        if (n < 24) return 0;
        const unsigned char *u = (const unsigned char *)p;
        uint32_t body = (uint32_t)u[8] << 24 | u[9] << 16 | u[10] << 8 | u[11];
        if (n < 24 + body) return 0;
        unsigned status = u[6] << 8 | u[7];
        if (status == 0 && u[1] == 0x00) *hit = 1;
        else if (status != 0 && status != 1) *err = 1;   /* 1 = key not found */
        return 24 + body;
    }
    }
    return -1;
}

/* Gray et al., "Quickly generating billion-record synthetic databases" (SIGMOD 1994), as YCSB. */
static void zipf_init(void) {
    double zeta2 = 1 + pow(0.5, zipf_theta);
    zipf_zetan = 0;
    for (unsigned i = 1; i <= keys; i++) zipf_zetan += 1 / pow(i, zipf_theta);
    zipf_alpha = 1 / (1 - zipf_theta);
    zipf_eta = (1 - pow(2.0 / keys, 1 - zipf_theta)) / (1 - zeta2 / zipf_zetan);
}

static unsigned random_key(void) {
    unsigned long long r = (unsigned long long)rand() * RAND_MAX + rand();
    if (zipf_theta <= 0) return (unsigned)(r % keys);
    double u = (double)rand() / ((double)RAND_MAX + 1), uz = u * zipf_zetan;
    unsigned long long rank = uz < 1 ? 0 : uz < 1 + pow(0.5, zipf_theta) ? 1
        : (unsigned long long)(keys * pow(zipf_eta * u - zipf_eta + 1, zipf_alpha));
    /* FNV-1a over the rank's bytes spreads hot ranks over the key space. */
    unsigned long long h = 1469598103934665603ULL;
    for (int i = 0; i < 8; i++) { h ^= (rank >> (8 * i)) & 0xff; h *= 1099511628211ULL; }
    return (unsigned)(h % keys);
}

static void send_batch(struct conn *c) {
    c->out_len = c->out_off = 0;
    c->pending = 0;
    c->next_reply = 0;
    for (int i = 0; i < depth; i++) {
        int set; unsigned k;
        if (load_mode || verify_mode) {
            if (next_key >= keys) break;
            k = next_key++;
            set = load_mode;
        } else {
            set = (double)rand() / RAND_MAX < set_ratio;
            k = random_key();
        }
        c->ops[i] = set;
        request(c, set, k);
        c->pending++;
    }
    c->batch_start = now();
}

static int flush_out(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0) {
            if (errno == EAGAIN) return 0;
            die(2, "write");
        }
        c->out_off += (size_t)w;
    }
    return 1;
}

static void record(struct conn *c, int set, int hit, int err, double t) {
    if (!measuring) return;
    n_ops++;
    if (set) n_sets++; else { n_gets++; if (hit) n_hits++; else if (!err) n_misses++; }
    if (err) n_errors++;
    long us = (long)((t - c->batch_start) * 1e6);
    hist[us < HIST_US ? us : HIST_US]++;
}

static double percentile(double q) {
    unsigned long long total = 0, seen = 0;
    for (long i = 0; i <= HIST_US; i++) total += hist[i];
    if (!total) return 0;
    for (long i = 0; i <= HIST_US; i++) {
        seen += hist[i];
        if (seen >= q * total) return i / 1000.0;
    }
    return HIST_US / 1000.0;
}

static void usage(void) {
    fprintf(stderr, "usage: kvmix [-h host] [-p port] [-m resp|text|binary] [-c conns] [-P depth]\n"
                    "             [-t secs] [-w warmup_secs] [-r keys] [-d value_bytes] [-s set_ratio]\n"
                    "             [-z zipf_theta (0 < theta < 1; default uniform)] [-L|-V]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "h:p:m:c:P:t:w:r:d:s:z:LV")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'm': proto = !strcmp(optarg, "resp") ? RESP : !strcmp(optarg, "text") ? TEXT
                        : !strcmp(optarg, "binary") ? BINARY : (usage(), RESP); break;
        case 'c': conns = atoi(optarg); break;
        case 'P': depth = atoi(optarg); break;
        case 't': secs = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        case 'r': keys = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'd': value_len = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': set_ratio = atof(optarg); break;
        case 'z': zipf_theta = atof(optarg); break;
        case 'L': load_mode = 1; break;
        case 'V': verify_mode = 1; break;
        default: usage();
        }
    }
    if (conns < 1 || depth < 1 || keys < 1 || port < 1 || zipf_theta < 0 || zipf_theta >= 1) usage();
    if (zipf_theta > 0) zipf_init();
    value = malloc(value_len + 1);
    hist = calloc(HIST_US + 1, sizeof *hist);
    if (!value || !hist) die(2, "out of memory");
    memset(value, 'x', value_len);
    srand((unsigned)getpid());

    struct addrinfo hints = {0}, *ai;
    hints.ai_socktype = SOCK_STREAM;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host, ps, &hints, &ai) != 0) die(2, "cannot resolve host");
    int ep = epoll_create1(0);
    struct conn *cs = calloc(conns, sizeof *cs);
    for (int i = 0; i < conns; i++) {
        struct conn *c = &cs[i];
        c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0) die(2, "connect");
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0) die(2, "fcntl");
        c->ops = calloc(depth, sizeof *c->ops);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    freeaddrinfo(ai);

    double start = now(), measure_from = start + ((load_mode || verify_mode) ? 0 : warmup);
    double end = measure_from + secs;
    measuring = load_mode || verify_mode || warmup <= 0;
    int active = conns, bad_proto = 0;
    for (int i = 0; i < conns; i++) {
        send_batch(&cs[i]);
        if (cs[i].pending == 0) active--;
    }
    struct epoll_event evs[256];
    while (active > 0) {
        double t = now();
        if (!measuring && t >= measure_from) { measuring = 1; measure_from = t; }
        if (n_replies == 0 && t >= start + 3) {
            errno = 0;
            die(4, "no reply in 3 s (server does not support the protocol?)");
        }
        if (!(load_mode || verify_mode) && t >= end + 5) die(2, "replies did not arrive in time");
        int ne = epoll_wait(ep, evs, 256, 100);
        for (int e = 0; e < ne; e++) {
            struct conn *c = evs[e].data.ptr;
            if (c->pending == 0) continue;
            if (evs[e].events & EPOLLOUT) flush_out(c);
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            for (;;) {
                ensure(&c->in, &c->in_cap, c->in_len + 65536);
                ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0) { errno = 0; die(bad_proto ? 4 : 2, "server closed the connection"); }
                c->in_len += (size_t)r;
            }
            size_t off = 0;
            double rt = now();
            while (c->pending > 0) {
                int hit, err;
                long len = parse_reply(c->in + off, c->in_len - off, &hit, &err);
                if (len < 0) {
                    errno = 0;
                    die(4, "reply is not in the requested protocol (server does not support it?)");
                }
                if (len == 0) break;
                record(c, c->ops[c->next_reply++], hit, err, rt);
                n_replies++;
                off += (size_t)len;
                c->pending--;
            }
            memmove(c->in, c->in + off, c->in_len - off);
            c->in_len -= off;
            if (c->pending == 0) {
                if (!(load_mode || verify_mode) && rt >= end) { active--; continue; }
                send_batch(c);
                if (c->pending == 0) { active--; continue; }
                flush_out(c);
            }
        }
    }
    double took = (load_mode || verify_mode) ? now() - start : now() - measure_from;
    printf("ops_s=%.0f p50_ms=%.3f p99_ms=%.3f ops=%llu sets=%llu gets=%llu hits=%llu misses=%llu errors=%llu\n",
           n_ops / took, percentile(0.50), percentile(0.99), n_ops, n_sets, n_gets, n_hits, n_misses,
           n_errors);
    return n_errors ? 3 : 0;
}
