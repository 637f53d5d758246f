/*
 * bench_ingest.c - okrd's ingest throughput against a bare ZeroMQ +
 * msgpack-c floor, okrd's CPU cost per event, and query latency.
 *
 *     bench_ingest OKRD [-n EVENTS] [-b EVENTS] [-r REPS] [-q REQUESTS] [-e] [-p RATE]
 *
 * Floor: a SUB socket in a child process (this program re-executed with
 * --sink) receives the events over tcp loopback and decodes each body with
 * msgpack-c (msgpack_unpack into a reused zone, then a walk over the map),
 * with no aggregation.  okrd: the real daemon, started with a temporary
 * configuration (sync = true, commit_interval_ms = 100), receives the same
 * events; the time runs from the first send until its `stats` op reports
 * them all received.  One publisher feeds both: an XPUB with no send
 * high-water mark that waits for the subscription, and rewrites value, ts
 * and seq in a body that msgpack-c encoded once (-e: encodes every event
 * with msgpack-c's packer; costlier, and on 2 cores the publisher's CPU is
 * taken from the receiver).
 *
 * The machine is shared and noisy: every measurement is repeated (floor and
 * okrd alternate, so that each ratio is measured side by side) and the best
 * repetition is reported.  Exit status: 0, or 1 when okrd lost or rejected
 * events, a run failed, or okrd did not stop cleanly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <msgpack.h>
#include <zmq.h>

#include "wire.h"

#define TOPIC          "bench.order"
#define SOURCE_ID      "bench-1"
#define HIST_SOURCE_ID "bench-hist"
#define HIST_EVENTS    4300 /* one per 10 minutes: 29.9 days */
#define BATCH          100
#define MAX_REPS       9
#define BIG_HWM        10000000
#define STALL_MS       20000 /* no progress for this long: the run failed */
#define STATS_POLL_US  5000

enum { SINGLE = 0, BATCHED = 1 };
static const char *const mode_name[] = {"single", "batch100"};

/* ---- small helpers ------------------------------------------------------ */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* 1234567.8 -> "1,234,568"; eight rotating buffers. */
static const char *thousands(double v)
{
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ & 7];
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, (uint64_t)(v < 0 ? 0 : v + 0.5));
    int o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            b[o++] = ',';
        b[o++] = tmp[i];
    }
    b[o] = '\0';
    return b;
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* ---- events ------------------------------------------------------------- */

/* A few distinct values; their sum per 8 events is known. */
static const double values[8] = {1.5, 2.25, 10.0, 99.5, 0.5, 42.0, 7.75, 3.0};

static void pack_lit(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

static void pack_event(msgpack_packer *pk, double value, int64_t ts, const char *sid, size_t sidlen,
                       uint64_t seq)
{
    msgpack_pack_map(pk, 4);
    pack_lit(pk, "value", 5);
    msgpack_pack_double(pk, value);
    pack_lit(pk, "ts", 2);
    msgpack_pack_int64(pk, ts);
    pack_lit(pk, "source_id", 9);
    pack_lit(pk, sid, sidlen);
    pack_lit(pk, "seq", 3);
    msgpack_pack_uint64(pk, seq);
}

/* ---- the publisher ------------------------------------------------------ */

/* -e: encode every event with msgpack-c's packer instead of the template. */
static bool g_full_encode;
/* -p: publish at most this many events per second (0: as fast as possible). */
static double g_pace;

typedef struct pub {
    void *sock;
    msgpack_sbuffer sb; /* the body being sent (or the template) */
    msgpack_packer pk;
    size_t *off;     /* template: offsets of each event's value, ts, seq payloads */
    uint64_t tmpl_n; /* events in the template; 0: none */
} pub_t;

static void pub_close(pub_t *p)
{
    if (p->sock != NULL)
        zmq_close(p->sock);
    p->sock = NULL;
    msgpack_sbuffer_destroy(&p->sb);
    free(p->off);
    p->off = NULL;
}

/* An XPUB with no send high-water mark.  With connect_to, connect and wait
 * for the subscriber's subscription, so that no event is sent into the void. */
static int pub_open(pub_t *p, void *zctx, const char *connect_to)
{
    memset(p, 0, sizeof *p);
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
    p->sock = zmq_socket(zctx, ZMQ_XPUB);
    if (p->sock == NULL)
        return -1;
    int hwm = 0, linger = 0, sndbuf = 4 << 20;
    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(p->sock, ZMQ_SNDBUF, &sndbuf, sizeof sndbuf);
    if (connect_to == NULL)
        return 0;
    if (zmq_connect(p->sock, connect_to) != 0) {
        fprintf(stderr, "bench: cannot connect to %s: %s\n", connect_to, zmq_strerror(errno));
        pub_close(p);
        return -1;
    }
    zmq_pollitem_t it = {p->sock, 0, ZMQ_POLLIN, 0};
    char sub[256];
    if (zmq_poll(&it, 1, 10000) <= 0 || zmq_recv(p->sock, sub, sizeof sub, 0) < 1 || sub[0] != 1) {
        fprintf(stderr, "bench: no subscription from %s within 10 s\n", connect_to);
        pub_close(p);
        return -1;
    }
    return 0;
}

static int pub_send(pub_t *p)
{
    if (zmq_send(p->sock, TOPIC, sizeof TOPIC - 1, ZMQ_SNDMORE) < 0 ||
        zmq_send(p->sock, p->sb.data, p->sb.size, 0) < 0) {
        fprintf(stderr, "bench: send failed: %s\n", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * The body template of k events: encoded once by msgpack-c, with value, ts
 * and seq in their fixed-width forms (float 64, int 64, uint 64), whose
 * 8-byte big-endian payloads are rewritten for each message.  Valid
 * MessagePack, 4 bytes per event larger than the smallest encoding.
 */
static int pub_template(pub_t *p, int batch, uint64_t k)
{
    size_t *off = realloc(p->off, (size_t)k * 3 * sizeof *off);
    if (off == NULL)
        return -1;
    p->off = off;
    msgpack_sbuffer_clear(&p->sb);
    if (batch > 1)
        msgpack_pack_array(&p->pk, (size_t)k);
    for (uint64_t j = 0; j < k; j++) {
        msgpack_pack_map(&p->pk, 4);
        pack_lit(&p->pk, "value", 5);
        off[3 * j] = p->sb.size + 1;
        msgpack_pack_double(&p->pk, 0.0);
        pack_lit(&p->pk, "ts", 2);
        off[3 * j + 1] = p->sb.size + 1;
        msgpack_pack_fix_int64(&p->pk, 0);
        pack_lit(&p->pk, "source_id", 9);
        pack_lit(&p->pk, SOURCE_ID, sizeof SOURCE_ID - 1);
        pack_lit(&p->pk, "seq", 3);
        off[3 * j + 2] = p->sb.size + 1;
        msgpack_pack_fix_uint64(&p->pk, 0);
    }
    p->tmpl_n = k;
    return 0;
}

static void put_be64(char *at, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(at, &v, sizeof v);
}

/* Sleep until the events sent so far are not ahead of the -p pace. */
static void pace(int64_t t0, uint64_t sent)
{
    int64_t due = t0 + (int64_t)((double)sent / g_pace * 1e9), now = mono_ns();
    if (due - now > 200000)
        sleep_us((long)((due - now) / 1000));
}

/*
 * Publish n events of source_id SOURCE_ID with seq *seq, *seq + 1, ... and
 * ts now: one map per message (batch 1) or arrays of up to batch maps.
 * Every body is rewritten (the seq changes) in one reused buffer: by
 * patching the template, or with -e by msgpack-c's packer.
 */
static int pub_events(pub_t *p, int batch, uint64_t n, uint64_t *seq)
{
    int64_t ts = real_ms(), t0 = mono_ns();
    uint64_t msgs = 0;
    for (uint64_t i = 0; i < n;) {
        if ((++msgs & 255) == 0)
            ts = real_ms();
        uint64_t k = n - i < (uint64_t)batch ? n - i : (uint64_t)batch;
        if (g_full_encode) {
            msgpack_sbuffer_clear(&p->sb);
            if (batch > 1)
                msgpack_pack_array(&p->pk, (size_t)k);
            for (uint64_t j = 0; j < k; j++, (*seq)++)
                pack_event(&p->pk, values[*seq & 7], ts, SOURCE_ID, sizeof SOURCE_ID - 1, *seq);
        } else {
            if (p->tmpl_n != k && pub_template(p, batch, k) != 0)
                return -1;
            for (uint64_t j = 0; j < k; j++, (*seq)++) {
                uint64_t v;
                memcpy(&v, &values[*seq & 7], sizeof v);
                put_be64(p->sb.data + p->off[3 * j], v);
                put_be64(p->sb.data + p->off[3 * j + 1], (uint64_t)ts);
                put_be64(p->sb.data + p->off[3 * j + 2], *seq);
            }
        }
        if (pub_send(p) != 0)
            return -1;
        i += k;
        if (g_pace > 0)
            pace(t0, i);
    }
    return 0;
}

/* 30 days of history: one event every 10 minutes with an explicit ts. */
static int pub_history(pub_t *p, int64_t now, int n)
{
    uint64_t seq = 1;
    for (int i = 0; i < n; i += BATCH) {
        int k = n - i < BATCH ? n - i : BATCH;
        msgpack_sbuffer_clear(&p->sb);
        msgpack_pack_array(&p->pk, (size_t)k);
        for (int j = 0; j < k; j++, seq++) {
            int64_t ts = now - (int64_t)(n - (i + j)) * 10 * 60 * 1000;
            pack_event(&p->pk, values[seq & 7], ts, HIST_SOURCE_ID, sizeof HIST_SOURCE_ID - 1, seq);
        }
        if (pub_send(p) != 0)
            return -1;
    }
    return 0;
}

/* ---- the floor: a bare SUB that decodes, in a child process --------------- */

typedef struct sink_acc {
    uint64_t events, gaps, bad;
    uint64_t next_seq;
    double sum;
    int64_t ts_max;
} sink_acc_t;

/* Walk one event map as a consumer must: keys by name, values by type. */
static void sink_event(sink_acc_t *a, const msgpack_object *m)
{
    if (m->type != MSGPACK_OBJECT_MAP) {
        a->bad++;
        return;
    }
    double value = 1;
    uint64_t seq = 0;
    const msgpack_object_kv *kv = m->via.map.ptr;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        if (kv[i].key.type != MSGPACK_OBJECT_STR)
            continue;
        const msgpack_object_str *k = &kv[i].key.via.str;
        const msgpack_object *v = &kv[i].val;
        if (k->size == 5 && memcmp(k->ptr, "value", 5) == 0) {
            if (v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32)
                value = v->via.f64;
            else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                value = (double)v->via.u64;
        } else if (k->size == 2 && memcmp(k->ptr, "ts", 2) == 0) {
            if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && (int64_t)v->via.u64 > a->ts_max)
                a->ts_max = (int64_t)v->via.u64;
        } else if (k->size == 3 && memcmp(k->ptr, "seq", 3) == 0) {
            if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                seq = v->via.u64;
        } else if (k->size == 9 && memcmp(k->ptr, "source_id", 9) == 0) {
            if (v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0)
                a->bad++;
        }
    }
    if (a->next_seq != 0 && seq != a->next_seq)
        a->gaps++;
    a->next_seq = seq + 1;
    a->sum += value;
    a->events++;
}

/* The child: bind, print the endpoint, receive n events, print the result. */
static int sink_main(uint64_t n)
{
    void *zctx = zmq_ctx_new();
    void *s = zmq_socket(zctx, ZMQ_SUB);
    int hwm = BIG_HWM, tmo = STALL_MS, linger = 0;
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    char ep[256];
    size_t eplen = sizeof ep;
    if (zmq_bind(s, "tcp://127.0.0.1:*") != 0 || zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &eplen)) {
        fprintf(stderr, "sink: cannot bind: %s\n", zmq_strerror(errno));
        return 1;
    }
    printf("%s\n", ep);
    fflush(stdout);

    msgpack_zone zone;
    msgpack_zone_init(&zone, 256 * 1024); /* as okrd's ingest */
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    sink_acc_t a = {0};
    int64_t t_first = 0;
    while (a.events < n) {
        if (zmq_msg_recv(&topic, s, 0) < 0)
            break; /* stalled */
        if (t_first == 0)
            t_first = mono_ns();
        if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, s, 0) < 0) {
            a.bad++;
            continue;
        }
        msgpack_object obj;
        size_t off = 0;
        if (msgpack_unpack(zmq_msg_data(&body), zmq_msg_size(&body), &off, &zone, &obj) !=
            MSGPACK_UNPACK_SUCCESS) {
            a.bad++;
        } else if (obj.type == MSGPACK_OBJECT_ARRAY) {
            for (uint32_t i = 0; i < obj.via.array.size; i++)
                sink_event(&a, &obj.via.array.ptr[i]);
        } else {
            sink_event(&a, &obj);
        }
        msgpack_zone_clear(&zone);
    }
    int64_t t_last = mono_ns();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("%" PRIu64 " %" PRId64 " %" PRId64 " %.6f %" PRIu64 " %" PRIu64 " %.1f %" PRId64 "\n",
           a.events, t_first, t_last, cpu, a.gaps, a.bad, a.sum, a.ts_max);
    fflush(stdout);
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    msgpack_zone_destroy(&zone);
    zmq_close(s);
    zmq_ctx_term(zctx);
    return a.events == n ? 0 : 1;
}

typedef struct sink {
    pid_t pid;
    FILE *out;
    char endpoint[256];
} sink_t;

static int sink_spawn(sink_t *k, uint64_t n)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "%" PRIu64, n);
    fflush(NULL);
    k->pid = fork();
    if (k->pid < 0)
        return -1;
    if (k->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl("/proc/self/exe", "bench_ingest", "--sink", nbuf, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    k->out = fdopen(fds[0], "r");
    if (k->out == NULL || fgets(k->endpoint, sizeof k->endpoint, k->out) == NULL) {
        fprintf(stderr, "bench: the floor sink did not start\n");
        return -1;
    }
    k->endpoint[strcspn(k->endpoint, "\n")] = '\0';
    return 0;
}

static void sink_reap(sink_t *k)
{
    if (k->out != NULL)
        fclose(k->out);
    k->out = NULL;
    if (k->pid > 0) {
        int st;
        kill(k->pid, SIGTERM);
        waitpid(k->pid, &st, 0);
    }
    k->pid = 0;
}

/* ---- okrd: process, requests, CPU ----------------------------------------- */

typedef struct okrd {
    pid_t pid;
    char dir[256];
    char conf[320];
    char log[320];
    char ingest[64];
    char query[64];
} okrd_t;

static int okrd_start(okrd_t *o, const char *bin)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(o->dir, sizeof o->dir, "%s/okrd-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(o->dir) == NULL) {
        fprintf(stderr, "bench: mkdtemp %s: %s\n", o->dir, strerror(errno));
        return -1;
    }
    snprintf(o->conf, sizeof o->conf, "%s/okrd.conf", o->dir);
    snprintf(o->log, sizeof o->log, "%s/okrd.log", o->dir);
    int pi = free_port(), pq = free_port();
    while (pq == pi && pi > 0)
        pq = free_port();
    if (pi <= 0 || pq <= 0)
        return -1;
    snprintf(o->ingest, sizeof o->ingest, "tcp://127.0.0.1:%d", pi);
    snprintf(o->query, sizeof o->query, "tcp://127.0.0.1:%d", pq);
    FILE *f = fopen(o->conf, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "daemon = { state_dir = \"%s/state\"; commit_interval_ms = 100; sync = true;\n"
            "           log_level = \"info\"; };\n"
            "ingest = { bind = [ \"%s\" ]; rcvhwm = %d; };\n"
            "query = { bind = [ \"%s\" ]; };\n"
            "kpis = ( { name = \"bench.order\"; source = \"bench.order\"; aggregate = \"sum\";\n"
            "           unit = \"USD\"; description = \"benchmark orders\"; } );\n",
            o->dir, o->ingest, BIG_HWM, o->query);
    fclose(f);
    fflush(NULL);
    o->pid = fork();
    if (o->pid < 0)
        return -1;
    if (o->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int fd = open(o->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execl(bin, "okrd", "-c", o->conf, "--foreground", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    return 0;
}

static void okrd_print_log(const okrd_t *o)
{
    FILE *f = fopen(o->log, "r");
    if (f == NULL)
        return;
    char line[1024];
    fprintf(stderr, "---- %s ----\n", o->log);
    while (fgets(line, sizeof line, f) != NULL)
        fputs(line, stderr);
    fclose(f);
}

/* False (and the process reaped) if okrd has exited. */
static bool okrd_alive(okrd_t *o)
{
    int st;
    if (o->pid > 0 && waitpid(o->pid, &st, WNOHANG) == o->pid) {
        fprintf(stderr, "bench: okrd exited (%s %d)\n", WIFEXITED(st) ? "status" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        o->pid = 0;
    }
    return o->pid > 0;
}

/* SIGTERM, wait (at most 20 s, then SIGKILL); returns the exit status or -1. */
static int okrd_stop(okrd_t *o)
{
    if (o->pid <= 0)
        return -1;
    kill(o->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 2000; i++) {
        pid_t r = waitpid(o->pid, &st, WNOHANG);
        if (r == o->pid) {
            o->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        sleep_us(10000);
    }
    fprintf(stderr, "bench: okrd did not stop within 20 s of SIGTERM: killed\n");
    kill(o->pid, SIGKILL);
    waitpid(o->pid, &st, 0);
    o->pid = 0;
    return -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* CPU seconds of okrd's threads, by role. */
typedef struct cpu {
    double total;  /* the process, from /proc/PID/stat */
    double writer; /* the main thread: ingest, aggregation, commits */
    double query;  /* the query thread */
    double io;     /* ZeroMQ's I/O thread(s) */
    double other;
} cpu_t;

/* utime + stime in seconds from a /proc stat line; comm into comm. */
static bool stat_line(const char *path, char *comm, size_t commlen, double *secs)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (open == NULL || close == NULL)
        return false;
    size_t cl = (size_t)(close - open - 1) < commlen - 1 ? (size_t)(close - open - 1) : commlen - 1;
    memcpy(comm, open + 1, cl);
    comm[cl] = '\0';
    /* After ") ": field 3 (state) ... field 14 utime, field 15 stime. */
    unsigned long long ut = 0, st = 0;
    char *p = close + 2;
    for (int field = 3; field < 14 && p != NULL; field++) {
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    if (p == NULL || sscanf(p, "%llu %llu", &ut, &st) != 2)
        return false;
    *secs = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return true;
}

static bool proc_cpu(pid_t pid, cpu_t *c)
{
    memset(c, 0, sizeof *c);
    char path[96], comm[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!stat_line(path, comm, sizeof comm, &c->total))
        return false;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char tpath[320];
        double s;
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        if (!stat_line(tpath, comm, sizeof comm, &s))
            continue;
        if (atoi(e->d_name) == (int)pid)
            c->writer += s;
        else if (strncmp(comm, "ZMQbg/IO", 8) == 0)
            c->io += s;
        else if (strncmp(comm, "ZMQbg", 5) == 0)
            c->other += s;
        else
            c->query += s;
    }
    closedir(d);
    return true;
}

static cpu_t cpu_diff(const cpu_t *a, const cpu_t *b)
{
    return (cpu_t){b->total - a->total, b->writer - a->writer, b->query - a->query, b->io - a->io,
                   b->other - a->other};
}

/* A REQ client that reopens its socket after a timeout (Lazy Pirate). */
typedef struct rpc {
    void *zctx;
    void *sock;
    const char *endpoint;
    zmq_msg_t msg;
    msgpack_zone zone;
    msgpack_object reply;
} rpc_t;

static void rpc_reopen(rpc_t *r)
{
    if (r->sock != NULL)
        zmq_close(r->sock);
    r->sock = zmq_socket(r->zctx, ZMQ_REQ);
    int linger = 0;
    zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(r->sock, r->endpoint);
}

static void rpc_init(rpc_t *r, void *zctx, const char *endpoint)
{
    memset(r, 0, sizeof *r);
    r->zctx = zctx;
    r->endpoint = endpoint;
    zmq_msg_init(&r->msg);
    msgpack_zone_init(&r->zone, 4096);
    rpc_reopen(r);
}

static void rpc_close(rpc_t *r)
{
    zmq_msg_close(&r->msg);
    msgpack_zone_destroy(&r->zone);
    if (r->sock != NULL)
        zmq_close(r->sock);
    r->sock = NULL;
}

/* Send a request and wait for the reply frame (not decoded). */
static bool rpc_roundtrip(rpc_t *r, const msgpack_sbuffer *req, int timeout_ms)
{
    if (zmq_send(r->sock, req->data, req->size, 0) < 0) {
        rpc_reopen(r);
        return false;
    }
    zmq_pollitem_t it = {r->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0 || zmq_msg_recv(&r->msg, r->sock, 0) < 0) {
        rpc_reopen(r);
        return false;
    }
    return true;
}

/* Decode the reply of the last round trip; true if it is {ok: true, ...}. */
static bool rpc_decode(rpc_t *r)
{
    msgpack_zone_clear(&r->zone);
    size_t off = 0;
    if (msgpack_unpack(zmq_msg_data(&r->msg), zmq_msg_size(&r->msg), &off, &r->zone, &r->reply) !=
            MSGPACK_UNPACK_SUCCESS ||
        r->reply.type != MSGPACK_OBJECT_MAP)
        return false;
    const msgpack_object *ok = wire_map_get(&r->reply, "ok");
    return ok != NULL && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean;
}

static bool rpc_call(rpc_t *r, const msgpack_sbuffer *req, int timeout_ms)
{
    return rpc_roundtrip(r, req, timeout_ms) && rpc_decode(r);
}

static int64_t reply_int(const rpc_t *r, const char *k)
{
    int64_t v = -1;
    if (!wire_int(wire_map_get(&r->reply, k), &v))
        return -1;
    return v;
}

/* Requests, encoded once. */
typedef struct reqs {
    msgpack_sbuffer ping, stats, get30;
} reqs_t;

static void reqs_init(reqs_t *q)
{
    msgpack_packer pk;
    msgpack_sbuffer_init(&q->ping);
    msgpack_packer_init(&pk, &q->ping, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    pack_lit(&pk, "op", 2);
    pack_lit(&pk, "ping", 4);
    msgpack_sbuffer_init(&q->stats);
    msgpack_packer_init(&pk, &q->stats, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    pack_lit(&pk, "op", 2);
    pack_lit(&pk, "stats", 5);
    msgpack_sbuffer_init(&q->get30);
    msgpack_packer_init(&pk, &q->get30, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    pack_lit(&pk, "op", 2);
    pack_lit(&pk, "kpi.get", 7);
    pack_lit(&pk, "name", 4);
    pack_lit(&pk, TOPIC, sizeof TOPIC - 1);
    pack_lit(&pk, "window", 6);
    pack_lit(&pk, "30d", 3);
}

static void reqs_destroy(reqs_t *q)
{
    msgpack_sbuffer_destroy(&q->ping);
    msgpack_sbuffer_destroy(&q->stats);
    msgpack_sbuffer_destroy(&q->get30);
}

typedef struct okstats {
    int64_t received, applied, rejected, gaps, commits;
    int64_t reasons[WIRE_REASON_COUNT];
} okstats_t;

static bool okrd_stats(rpc_t *r, const reqs_t *q, okstats_t *s)
{
    if (!rpc_call(r, &q->stats, 5000))
        return false;
    memset(s, 0, sizeof *s);
    s->received = reply_int(r, "received");
    s->applied = reply_int(r, "applied");
    s->gaps = reply_int(r, "gaps");
    s->commits = reply_int(r, "commits");
    const msgpack_object *rej = wire_map_get(&r->reply, "rejected");
    if (rej != NULL && rej->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < rej->via.map.size; i++) {
            int64_t v = 0;
            if (!wire_int(&rej->via.map.ptr[i].val, &v))
                continue;
            s->rejected += v;
            for (int w = 1; w < WIRE_REASON_COUNT; w++)
                if (wire_str_eq(&rej->via.map.ptr[i].key, wire_reason_name((wire_reason_t)w)))
                    s->reasons[w] += v;
        }
    }
    return s->received >= 0 && s->applied >= 0;
}

/* Poll stats until received reaches target; false when it stalls or okrd exits. */
static bool okrd_wait_received(okrd_t *o, rpc_t *r, const reqs_t *q, int64_t target, okstats_t *s)
{
    int64_t last = -1, last_change = mono_ns();
    for (;;) {
        if (okrd_stats(r, q, s)) {
            if (s->received >= target)
                return true;
            if (s->received != last) {
                last = s->received;
                last_change = mono_ns();
            }
        }
        if (mono_ns() - last_change > (int64_t)STALL_MS * 1000000 || !okrd_alive(o))
            return false;
        sleep_us(STATS_POLL_US);
    }
}

/* ---- runs ---------------------------------------------------------------- */

typedef struct result {
    bool ok;
    double rate;          /* events per second, first send to last received */
    double pub_rate;      /* events per second, first send to last send */
    double cpu_per_m;     /* receiver's CPU seconds per million events */
    double pub_cpu_per_m; /* this process's (the publisher's, with its ZeroMQ I/O thread) */
    cpu_t cpu;            /* okrd: by thread */
    int64_t lost, rejected;
} result_t;

/* Publisher alone: encode + zmq_send on an XPUB with no peer. */
static double publisher_alone(void *zctx, int batch, uint64_t n)
{
    pub_t p;
    if (pub_open(&p, zctx, NULL) != 0)
        return 0;
    uint64_t seq = 1;
    int64_t t0 = mono_ns();
    int rc = pub_events(&p, batch, n, &seq);
    int64_t t1 = mono_ns();
    pub_close(&p);
    return rc == 0 ? (double)n / ((double)(t1 - t0) / 1e9) : 0;
}

/* CPU seconds of this process so far: the publisher and its ZeroMQ I/O thread. */
static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static result_t floor_run(void *zctx, int batch, uint64_t n)
{
    result_t res = {0};
    sink_t k = {0};
    pub_t p = {0};
    if (sink_spawn(&k, n) != 0 || pub_open(&p, zctx, k.endpoint) != 0) {
        sink_reap(&k);
        return res;
    }
    uint64_t seq = 1;
    double pc0 = self_cpu();
    int64_t t0 = mono_ns();
    int rc = pub_events(&p, batch, n, &seq);
    int64_t t_pub = mono_ns();
    char line[256];
    uint64_t events = 0, gaps = 0, bad = 0;
    int64_t t_first = 0, t_last = 0;
    double cpu = 0;
    if (rc == 0 && fgets(line, sizeof line, k.out) != NULL &&
        sscanf(line, "%" SCNu64 " %" SCNd64 " %" SCNd64 " %lf %" SCNu64 " %" SCNu64, &events,
               &t_first, &t_last, &cpu, &gaps, &bad) == 6) {
        res.ok = events == n && gaps == 0 && bad == 0;
        res.lost = (int64_t)(n - events);
        res.rate = (double)n / ((double)(t_last - t0) / 1e9);
        res.pub_rate = (double)n / ((double)(t_pub - t0) / 1e9);
        res.cpu_per_m = cpu / ((double)n / 1e6);
        res.pub_cpu_per_m = (self_cpu() - pc0) / ((double)n / 1e6);
        if (!res.ok)
            fprintf(stderr,
                    "bench: floor sink got %" PRIu64 " of %" PRIu64 " (gaps %" PRIu64
                    ", bad %" PRIu64 ")\n",
                    events, n, gaps, bad);
    } else {
        fprintf(stderr, "bench: the floor sink failed\n");
    }
    pub_close(&p);
    sink_reap(&k);
    return res;
}

static result_t okrd_run(void *zctx, okrd_t *o, rpc_t *r, const reqs_t *q, int batch, uint64_t n,
                         uint64_t *seq)
{
    result_t res = {0};
    pub_t p;
    okstats_t s0 = {0}, s1 = {0};
    cpu_t c0, c1;
    if (pub_open(&p, zctx, o->ingest) != 0)
        return res;
    if (!okrd_stats(r, q, &s0) || !proc_cpu(o->pid, &c0)) {
        fprintf(stderr, "bench: okrd does not answer stats\n");
        pub_close(&p);
        return res;
    }
    double pc0 = self_cpu();
    int64_t t0 = mono_ns();
    int rc = pub_events(&p, batch, n, seq);
    int64_t t_pub = mono_ns();
    bool done = rc == 0 && okrd_wait_received(o, r, q, s0.received + (int64_t)n, &s1);
    int64_t t1 = mono_ns();
    proc_cpu(o->pid, &c1);
    res.pub_cpu_per_m = (self_cpu() - pc0) / ((double)n / 1e6);
    pub_close(&p);
    if (!done) {
        res.lost = (int64_t)n;
        if (okrd_alive(o) && okrd_stats(r, q, &s1)) {
            res.lost = (int64_t)n - (s1.received - s0.received);
            res.rejected = s1.rejected - s0.rejected;
        }
        return res;
    }
    res.cpu = cpu_diff(&c0, &c1);
    res.rate = (double)n / ((double)(t1 - t0) / 1e9);
    res.pub_rate = (double)n / ((double)(t_pub - t0) / 1e9);
    res.cpu_per_m = res.cpu.total / ((double)n / 1e6);
    res.rejected = s1.rejected - s0.rejected;
    res.lost = (int64_t)n - (s1.applied - s0.applied) - res.rejected;
    res.ok = s1.applied - s0.applied == (int64_t)n && s1.received - s0.received == (int64_t)n;
    if (!res.ok) {
        fprintf(stderr, "bench: okrd %s: received %" PRId64 " applied %" PRId64 " of %" PRIu64,
                mode_name[batch > 1], s1.received - s0.received, s1.applied - s0.applied, n);
        for (int w = 1; w < WIRE_REASON_COUNT; w++)
            if (s1.reasons[w] != s0.reasons[w])
                fprintf(stderr, " %s=%" PRId64, wire_reason_name((wire_reason_t)w),
                        s1.reasons[w] - s0.reasons[w]);
        fprintf(stderr, "\n");
    }
    return res;
}

/* Latency of one round: n pings and n kpi.get 30d, interleaved. */
typedef struct lat {
    bool ok;
    double ping50, ping99, get50, get99; /* microseconds */
} lat_t;

static lat_t latency_round(rpc_t *r, const reqs_t *q, int n)
{
    lat_t l = {0};
    int64_t *tp = malloc((size_t)n * sizeof *tp), *tg = malloc((size_t)n * sizeof *tg);
    if (tp == NULL || tg == NULL) {
        free(tp);
        free(tg);
        return l;
    }
    l.ok = true;
    for (int i = 0; i < n && l.ok; i++) {
        /* Alternate which goes first, so neither always follows the other. */
        for (int j = 0; j < 2 && l.ok; j++) {
            bool ping = (i + j) % 2 == 0;
            int64_t t0 = mono_ns();
            bool got = rpc_roundtrip(r, ping ? &q->ping : &q->get30, 5000);
            int64_t dt = mono_ns() - t0;
            l.ok = got && rpc_decode(r);
            (ping ? tp : tg)[i] = dt;
        }
    }
    if (l.ok) {
        qsort(tp, (size_t)n, sizeof *tp, cmp_i64);
        qsort(tg, (size_t)n, sizeof *tg, cmp_i64);
        l.ping50 = (double)tp[n / 2] / 1e3;
        l.ping99 = (double)tp[(size_t)n * 99 / 100] / 1e3;
        l.get50 = (double)tg[n / 2] / 1e3;
        l.get99 = (double)tg[(size_t)n * 99 / 100] / 1e3;
    } else {
        fprintf(stderr, "bench: a query failed or timed out\n");
    }
    free(tp);
    free(tg);
    return l;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: bench_ingest OKRD [-n EVENTS] [-b EVENTS] [-r REPS] [-q REQUESTS] [-e] [-p RATE]\n"
        "\n"
        "  OKRD         path of the okrd binary to measure\n"
        "  -n EVENTS    events per single-event run (default 4000000)\n"
        "  -b EVENTS    events per batch100 run (default 20000000)\n"
        "  -r REPS      repetitions of each measurement, best reported (default 3)\n"
        "  -q REQUESTS  pings and kpi.get per latency round (default 5000)\n"
        "  -e           encode every event with msgpack-c's packer (default: patch\n"
        "               value, ts and seq into a body encoded once by msgpack-c)\n"
        "  -p RATE      diagnostic: publish at most RATE events per second\n");
}

static uint64_t parse_count(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > UINT64_C(1000000000)) {
        fprintf(stderr, "bench: invalid count '%s'\n", s);
        exit(2);
    }
    return v;
}

static double best_rate(const result_t *r, int n)
{
    double b = 0;
    for (int i = 0; i < n; i++)
        if (r[i].ok && r[i].rate > b)
            b = r[i].rate;
    return b;
}

/* The valid repetition with the least CPU per event, or -1. */
static int best_cpu(const result_t *r, int n)
{
    int b = -1;
    for (int i = 0; i < n; i++)
        if (r[i].ok && (b < 0 || r[i].cpu_per_m < r[b].cpu_per_m))
            b = i;
    return b;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--sink") == 0)
        return sink_main(parse_count(argv[2]));

    uint64_t nev[2] = {4000000, 20000000};
    int reps = 3, nq = 5000, opt;
    while ((opt = getopt(argc, argv, "n:b:r:q:p:eh")) != -1) {
        switch (opt) {
        case 'e':
            g_full_encode = true;
            break;
        case 'p':
            g_pace = (double)parse_count(optarg);
            break;
        case 'n':
            nev[SINGLE] = parse_count(optarg);
            break;
        case 'b':
            nev[BATCHED] = parse_count(optarg);
            break;
        case 'r':
            reps = (int)parse_count(optarg);
            if (reps > MAX_REPS)
                reps = MAX_REPS;
            break;
        case 'q':
            nq = (int)parse_count(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    const char *okrd_bin = argv[optind];
    if (access(okrd_bin, X_OK) != 0) {
        fprintf(stderr, "bench: %s: %s\n", okrd_bin, strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    double load[3] = {0};
    getloadavg(load, 3);
    printf("okrd ingest benchmark: %s (publisher: %s%s%s)\n", okrd_bin,
           g_full_encode ? "msgpack-c packer per event" : "template patched per message",
           g_pace > 0 ? ", paced at " : "", g_pace > 0 ? thousands(g_pace) : "");
    printf("  %ld CPUs, load %.2f at start; single %s events, batch100 %s events, best of %d\n",
           sysconf(_SC_NPROCESSORS_ONLN), load[0], thousands((double)nev[SINGLE]),
           thousands((double)nev[BATCHED]), reps);

    void *zctx = zmq_ctx_new();
    int bad = 0;

    /* 1. The publisher alone must outrun the floor. */
    double pub_alone[2] = {0, 0};
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < reps; i++) {
            double v = publisher_alone(zctx, m == SINGLE ? 1 : BATCH, nev[m]);
            if (v > pub_alone[m])
                pub_alone[m] = v;
        }

    /* 2. okrd with 30 days of history. */
    okrd_t o = {0};
    rpc_t r;
    reqs_t q;
    reqs_init(&q);
    if (okrd_start(&o, okrd_bin) != 0) {
        fprintf(stderr, "bench: cannot start okrd\n");
        return 1;
    }
    rpc_init(&r, zctx, o.query);
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        up = rpc_call(&r, &q.ping, 200);
        if (!up && waitpid(o.pid, NULL, WNOHANG) == o.pid) {
            o.pid = 0;
            break;
        }
    }
    okstats_t st = {0};
    int64_t hist_applied = 0;
    if (up) {
        pub_t p;
        up = pub_open(&p, zctx, o.ingest) == 0;
        if (up) {
            up = pub_history(&p, real_ms(), HIST_EVENTS) == 0 &&
                 okrd_wait_received(&o, &r, &q, HIST_EVENTS, &st);
            hist_applied = st.applied;
            pub_close(&p);
        }
    }
    if (!up) {
        fprintf(stderr, "bench: okrd did not come up or take its history\n");
        okrd_stop(&o);
        okrd_print_log(&o);
        nftw(o.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 1;
    }
    if (hist_applied != HIST_EVENTS) {
        printf("!!! REJECTED: okrd applied %" PRId64 " of %d history events\n", hist_applied,
               HIST_EVENTS);
        bad = 1;
    }

    /* 3. Throughput: floor and okrd alternate, so that each ratio is side by side. */
    result_t fl[2][MAX_REPS] = {0}, ok[2][MAX_REPS] = {0};
    uint64_t seq = 1, sent = 0;
    int64_t lost = 0, rejected = 0;
    for (int i = 0; i < reps && okrd_alive(&o); i++) {
        for (int m = 0; m < 2 && okrd_alive(&o); m++) {
            int batch = m == SINGLE ? 1 : BATCH;
            fl[m][i] = floor_run(zctx, batch, nev[m]);
            ok[m][i] = okrd_run(zctx, &o, &r, &q, batch, nev[m], &seq);
            sent += nev[m];
            lost += ok[m][i].lost;
            rejected += ok[m][i].rejected;
            const result_t *f = &fl[m][i], *k = &ok[m][i];
            printf("  run %d %-8s floor %10s ev/s %.2f CPU-s/M (pub %10s ev/s %.2f CPU-s/M)   "
                   "okrd %10s ev/s %.2f CPU-s/M (pub %10s ev/s %.2f CPU-s/M)   %.2f of floor%s\n",
                   i + 1, mode_name[m], f->ok ? thousands(f->rate) : "FAILED", f->cpu_per_m,
                   thousands(f->pub_rate), f->pub_cpu_per_m, k->ok ? thousands(k->rate) : "FAILED",
                   k->cpu_per_m, thousands(k->pub_rate), k->pub_cpu_per_m,
                   f->ok && k->ok ? k->rate / f->rate : 0.0,
                   k->lost || k->rejected ? "  !!! LOST/REJECTED" : "");
            if (!f->ok || !k->ok)
                bad = 1;
        }
    }

    /* 4. Query latency, and the 30-day total as a check of what was applied. */
    lat_t lat[MAX_REPS], best = {0};
    for (int i = 0; i < 200 && okrd_alive(&o); i++) {
        rpc_call(&r, &q.ping, 5000);
        rpc_call(&r, &q.get30, 5000);
    }
    for (int i = 0; i < reps && okrd_alive(&o); i++) {
        lat[i] = latency_round(&r, &q, nq);
        if (!lat[i].ok) {
            bad = 1;
            continue;
        }
        printf("  latency round %d: ping p50 %.0f p99 %.0f us, kpi.get 30d p50 %.0f p99 %.0f us, "
               "ratio p50 %.2f\n",
               i + 1, lat[i].ping50, lat[i].ping99, lat[i].get50, lat[i].get99,
               lat[i].get50 / lat[i].ping50);
        /* Each figure is its best round's; all rounds ran in this process. */
        if (!best.ok) {
            best = lat[i];
            continue;
        }
        best.ping50 = lat[i].ping50 < best.ping50 ? lat[i].ping50 : best.ping50;
        best.ping99 = lat[i].ping99 < best.ping99 ? lat[i].ping99 : best.ping99;
        best.get50 = lat[i].get50 < best.get50 ? lat[i].get50 : best.get50;
        best.get99 = lat[i].get99 < best.get99 ? lat[i].get99 : best.get99;
    }
    int64_t count30 = -1;
    double sum30 = -1;
    if (rpc_call(&r, &q.get30, 5000)) {
        count30 = reply_int(&r, "count");
        wire_number(wire_map_get(&r.reply, "sum"), &sum30);
    }
    bool have_stats = okrd_stats(&r, &q, &st);
    rpc_close(&r);
    int code = okrd_stop(&o);
    if (code != 0) {
        okrd_print_log(&o);
        bad = 1;
    }
    nftw(o.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

    /* The report. */
    double fr[2], kr[2];
    int fc[2], kc[2];
    for (int m = 0; m < 2; m++) {
        fr[m] = best_rate(fl[m], reps);
        kr[m] = best_rate(ok[m], reps);
        fc[m] = best_cpu(fl[m], reps);
        kc[m] = best_cpu(ok[m], reps);
    }
    printf("\n");
    printf("publisher alone  single %11s ev/s     batch100 %11s ev/s   (encode + zmq_send, no "
           "peer; best of %d)\n",
           thousands(pub_alone[SINGLE]), thousands(pub_alone[BATCHED]), reps);
    printf("floor   single %11s ev/s     batch100 %11s ev/s\n", thousands(fr[SINGLE]),
           thousands(fr[BATCHED]));
    printf("okrd    single %11s ev/s (%.2f of floor)   batch100 %11s ev/s (%.2f of floor)\n",
           thousands(kr[SINGLE]), fr[SINGLE] > 0 ? kr[SINGLE] / fr[SINGLE] : 0.0,
           thousands(kr[BATCHED]), fr[BATCHED] > 0 ? kr[BATCHED] / fr[BATCHED] : 0.0);
    printf("        (okrd's time ends at the first stats reply that shows every event: up to "
           "commit_interval_ms = 100 after the last one)\n");
    if (kc[BATCHED] >= 0 && kc[SINGLE] >= 0) {
        const result_t *kb = &ok[BATCHED][kc[BATCHED]], *ks = &ok[SINGLE][kc[SINGLE]];
        printf("okrd    CPU %.2f s per million events (batch100), %.2f (single)   [floor sink: "
               "%.2f, %.2f]\n",
               kb->cpu_per_m, ks->cpu_per_m,
               fc[BATCHED] >= 0 ? fl[BATCHED][fc[BATCHED]].cpu_per_m : 0,
               fc[SINGLE] >= 0 ? fl[SINGLE][fc[SINGLE]].cpu_per_m : 0);
        for (int m = 0; m < 2; m++) {
            const cpu_t *c = m == SINGLE ? &ks->cpu : &kb->cpu;
            double per = 1e6 / (double)nev[m];
            printf("okrd    CPU-s/M by thread (%s): writer %.2f, zmq I/O %.2f, query %.2f, "
                   "other %.2f\n",
                   mode_name[m], c->writer * per, c->io * per, c->query * per, c->other * per);
        }
    }
    if (best.ok)
        printf("query   ping p50 %.0f us p99 %.0f us; kpi.get 30d p50 %.0f us p99 %.0f us; ratio "
               "p50 %.2f p99 %.2f\n",
               best.ping50, best.ping99, best.get50, best.get99, best.get50 / best.ping50,
               best.get99 / best.ping99);
    else
        printf("query   FAILED\n");
    int64_t applied = have_stats ? st.applied - hist_applied : -1;
    printf("events  applied %" PRId64 " of %" PRIu64 ", rejected %" PRId64 ", lost %" PRId64
           "; kpi.get 30d count %" PRId64 " (expected %" PRIu64 ")\n",
           applied, sent, rejected, lost, count30, sent + HIST_EVENTS);
    /* The values cycle with seq: the 30-day sum is known exactly (in binary fractions). */
    double want_sum = 0;
    for (uint64_t i = 1; i <= HIST_EVENTS; i++)
        want_sum += values[i & 7];
    for (uint64_t i = 1; i < seq; i++)
        want_sum += values[i & 7];
    if (lost != 0 || rejected != 0 || applied != (int64_t)sent) {
        printf("!!! LOST/REJECTED: okrd applied %" PRId64 " of %" PRIu64
               " events: the ratios above are not valid\n",
               applied, sent);
        bad = 1;
    }
    if (count30 != (int64_t)(sent + HIST_EVENTS) || sum30 != want_sum) {
        printf("!!! kpi.get 30d: count %" PRId64 " sum %.2f, expected %" PRIu64 " and %.2f\n",
               count30, sum30, sent + HIST_EVENTS, want_sum);
        bad = 1;
    }
    if (code != 0)
        printf("!!! okrd did not stop cleanly on SIGTERM (exit status %d; -1: it had died or "
               "was killed)\n",
               code);
    reqs_destroy(&q);
    zmq_ctx_term(zctx);
    return bad;
}
