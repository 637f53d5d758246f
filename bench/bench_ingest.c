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
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <msgpack.h>
#include <zmq.h>

#include "benchlib.h"
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

/* ---- events ------------------------------------------------------------- */

/* A few distinct values; their sum per 8 events is known. */
static const double values[8] = {1.5, 2.25, 10.0, 99.5, 0.5, 42.0, 7.75, 3.0};

static void pack_event(msgpack_packer *pk, double value, int64_t ts, const char *sid, size_t sidlen,
                       uint64_t seq)
{
    msgpack_pack_map(pk, 4);
    bl_pack_strn(pk, "value", 5);
    msgpack_pack_double(pk, value);
    bl_pack_strn(pk, "ts", 2);
    msgpack_pack_int64(pk, ts);
    bl_pack_strn(pk, "source_id", 9);
    bl_pack_strn(pk, sid, sidlen);
    bl_pack_strn(pk, "seq", 3);
    msgpack_pack_uint64(pk, seq);
}

/* ---- the publisher ------------------------------------------------------ */

/* -e: encode every event with msgpack-c's packer instead of the template. */
static bool g_full_encode;
/* -p: publish at most this many events per second (0: as fast as possible). */
static double g_pace;

typedef struct pub {
    bl_pub_t b;      /* b.sb: the body being sent (or the template) */
    size_t *off;     /* template: offsets of each event's value, ts, seq payloads */
    uint64_t tmpl_n; /* events in the template; 0: none */
} pub_t;

static void pub_close(pub_t *p)
{
    bl_pub_close(&p->b);
    free(p->off);
    p->off = NULL;
}

/* An XPUB with no send high-water mark.  With connect_to, connect and wait
 * for the subscriber's subscription, so that no event is sent into the void. */
static int pub_open(pub_t *p, void *zctx, const char *connect_to)
{
    memset(p, 0, sizeof *p);
    return bl_pub_open(&p->b, zctx, 0, 0, 4 << 20, connect_to);
}

static int pub_send(pub_t *p)
{
    return bl_pub_send(&p->b, TOPIC, sizeof TOPIC - 1);
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
    msgpack_sbuffer_clear(&p->b.sb);
    if (batch > 1)
        msgpack_pack_array(&p->b.pk, (size_t)k);
    for (uint64_t j = 0; j < k; j++) {
        msgpack_pack_map(&p->b.pk, 4);
        bl_pack_strn(&p->b.pk, "value", 5);
        off[3 * j] = p->b.sb.size + 1;
        msgpack_pack_double(&p->b.pk, 0.0);
        bl_pack_strn(&p->b.pk, "ts", 2);
        off[3 * j + 1] = p->b.sb.size + 1;
        msgpack_pack_fix_int64(&p->b.pk, 0);
        bl_pack_strn(&p->b.pk, "source_id", 9);
        bl_pack_strn(&p->b.pk, SOURCE_ID, sizeof SOURCE_ID - 1);
        bl_pack_strn(&p->b.pk, "seq", 3);
        off[3 * j + 2] = p->b.sb.size + 1;
        msgpack_pack_fix_uint64(&p->b.pk, 0);
    }
    p->tmpl_n = k;
    return 0;
}

/* Sleep until the events sent so far are not ahead of the -p pace. */
static void pace(int64_t t0, uint64_t sent)
{
    int64_t due = t0 + (int64_t)((double)sent / g_pace * 1e9), now = bl_mono_ns();
    if (due - now > 200000)
        bl_sleep_us((long)((due - now) / 1000));
}

/*
 * Publish n events of source_id SOURCE_ID with seq *seq, *seq + 1, ... and
 * ts now: one map per message (batch 1) or arrays of up to batch maps.
 * Every body is rewritten (the seq changes) in one reused buffer: by
 * patching the template, or with -e by msgpack-c's packer.
 */
static int pub_events(pub_t *p, int batch, uint64_t n, uint64_t *seq)
{
    int64_t ts = bl_real_ms(), t0 = bl_mono_ns();
    uint64_t msgs = 0;
    for (uint64_t i = 0; i < n;) {
        if ((++msgs & 255) == 0)
            ts = bl_real_ms();
        uint64_t k = n - i < (uint64_t)batch ? n - i : (uint64_t)batch;
        if (g_full_encode) {
            msgpack_sbuffer_clear(&p->b.sb);
            if (batch > 1)
                msgpack_pack_array(&p->b.pk, (size_t)k);
            for (uint64_t j = 0; j < k; j++, (*seq)++)
                pack_event(&p->b.pk, values[*seq & 7], ts, SOURCE_ID, sizeof SOURCE_ID - 1, *seq);
        } else {
            if (p->tmpl_n != k && pub_template(p, batch, k) != 0)
                return -1;
            for (uint64_t j = 0; j < k; j++, (*seq)++) {
                uint64_t v;
                memcpy(&v, &values[*seq & 7], sizeof v);
                bl_put_be64(p->b.sb.data + p->off[3 * j], v);
                bl_put_be64(p->b.sb.data + p->off[3 * j + 1], (uint64_t)ts);
                bl_put_be64(p->b.sb.data + p->off[3 * j + 2], *seq);
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
        msgpack_sbuffer_clear(&p->b.sb);
        msgpack_pack_array(&p->b.pk, (size_t)k);
        for (int j = 0; j < k; j++, seq++) {
            int64_t ts = now - (int64_t)(n - (i + j)) * 10 * 60 * 1000;
            pack_event(&p->b.pk, values[seq & 7], ts, HIST_SOURCE_ID, sizeof HIST_SOURCE_ID - 1,
                       seq);
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
            t_first = bl_mono_ns();
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
    int64_t t_last = bl_mono_ns();
    double cpu = bl_self_cpu();
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
    k->pid = bl_fork_child();
    if (k->pid < 0)
        return -1;
    if (k->pid == 0) {
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

/* ---- okrd: configuration, requests ---------------------------------------- */

static int write_config(FILE *f, const bl_okrd_t *o, void *arg)
{
    (void)arg;
    fprintf(f,
            "daemon = { state_dir = \"%s/state\"; commit_interval_ms = 100; sync = true;\n"
            "           log_level = \"info\"; };\n"
            "ingest = { bind = [ \"%s\" ]; rcvhwm = %d; };\n"
            "query = { bind = [ \"%s\" ]; };\n"
            "kpis = ( { name = \"bench.order\"; source = \"bench.order\"; aggregate = \"sum\";\n"
            "           unit = \"USD\"; description = \"benchmark orders\"; } );\n",
            o->dir, o->ingest, BIG_HWM, o->query);
    return 0;
}

/* Requests, encoded once. */
typedef struct reqs {
    msgpack_sbuffer ping, get30;
} reqs_t;

static void reqs_init(reqs_t *q)
{
    bl_req_op(&q->ping, "ping");
    bl_req_kpi_get(&q->get30, TOPIC, "30d");
}

static void reqs_destroy(reqs_t *q)
{
    msgpack_sbuffer_destroy(&q->ping);
    msgpack_sbuffer_destroy(&q->get30);
}

/* Poll stats until received reaches target; false when it stalls or okrd exits. */
static bool wait_received(bl_okrd_t *o, bl_rpc_t *r, int64_t target, bl_stats_t *s)
{
    return bl_okrd_wait_received(o, r, target, s, STATS_POLL_US, STALL_MS);
}

/* ---- runs ---------------------------------------------------------------- */

typedef struct result {
    bool ok;
    double rate;          /* events per second, first send to last received */
    double pub_rate;      /* events per second, first send to last send */
    double cpu_per_m;     /* receiver's CPU seconds per million events */
    double pub_cpu_per_m; /* this process's (the publisher's, with its ZeroMQ I/O thread) */
    bl_cpu_t cpu;         /* okrd: by thread */
    int64_t lost, rejected;
} result_t;

/* Publisher alone: encode + zmq_send on an XPUB with no peer. */
static double publisher_alone(void *zctx, int batch, uint64_t n)
{
    pub_t p;
    if (pub_open(&p, zctx, NULL) != 0)
        return 0;
    uint64_t seq = 1;
    int64_t t0 = bl_mono_ns();
    int rc = pub_events(&p, batch, n, &seq);
    int64_t t1 = bl_mono_ns();
    pub_close(&p);
    return rc == 0 ? (double)n / ((double)(t1 - t0) / 1e9) : 0;
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
    double pc0 = bl_self_cpu();
    int64_t t0 = bl_mono_ns();
    int rc = pub_events(&p, batch, n, &seq);
    int64_t t_pub = bl_mono_ns();
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
        res.pub_cpu_per_m = (bl_self_cpu() - pc0) / ((double)n / 1e6);
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

static result_t okrd_run(void *zctx, bl_okrd_t *o, bl_rpc_t *r, int batch, uint64_t n,
                         uint64_t *seq)
{
    result_t res = {0};
    pub_t p;
    bl_stats_t s0 = {0}, s1 = {0};
    bl_cpu_t c0, c1;
    if (pub_open(&p, zctx, o->ingest) != 0)
        return res;
    if (!bl_okrd_stats(r, &s0) || !bl_proc_cpu(o->pid, &c0)) {
        fprintf(stderr, "bench: okrd does not answer stats\n");
        pub_close(&p);
        return res;
    }
    double pc0 = bl_self_cpu();
    int64_t t0 = bl_mono_ns();
    int rc = pub_events(&p, batch, n, seq);
    int64_t t_pub = bl_mono_ns();
    bool done = rc == 0 && wait_received(o, r, s0.received + (int64_t)n, &s1);
    int64_t t1 = bl_mono_ns();
    bl_proc_cpu(o->pid, &c1);
    res.pub_cpu_per_m = (bl_self_cpu() - pc0) / ((double)n / 1e6);
    pub_close(&p);
    if (!done) {
        res.lost = (int64_t)n;
        if (bl_okrd_alive(o) && bl_okrd_stats(r, &s1)) {
            res.lost = (int64_t)n - (s1.received - s0.received);
            res.rejected = s1.rejected - s0.rejected;
        }
        return res;
    }
    res.cpu = bl_cpu_diff(&c0, &c1);
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

static lat_t latency_round(bl_rpc_t *r, const reqs_t *q, int n)
{
    lat_t l = {0};
    bl_lat_pair_t p;
    l.ok = bl_latency_pair(r, &q->ping, &q->get30, n, 5000, &p);
    if (l.ok) {
        l.ping50 = p.a50;
        l.ping99 = p.a99;
        l.get50 = p.b50;
        l.get99 = p.b99;
    } else {
        fprintf(stderr, "bench: a query failed or timed out\n");
    }
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
    return BL_BEST_INDEX(r, n, ok, cpu_per_m, -1);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--sink") == 0)
        return sink_main(bl_parse_count(argv[2]));

    uint64_t nev[2] = {4000000, 20000000};
    int reps = 3, nq = 5000, opt;
    while ((opt = getopt(argc, argv, "n:b:r:q:p:eh")) != -1) {
        switch (opt) {
        case 'e':
            g_full_encode = true;
            break;
        case 'p':
            g_pace = (double)bl_parse_count(optarg);
            break;
        case 'n':
            nev[SINGLE] = bl_parse_count(optarg);
            break;
        case 'b':
            nev[BATCHED] = bl_parse_count(optarg);
            break;
        default: /* -r, -q; -h, or not an option */
            if (!bl_opt_reps_requests(opt, optarg, MAX_REPS, &reps, &nq))
                bl_usage_exit(usage, opt);
        }
    }
    const char *okrd_bin = bl_okrd_operand(argc, argv, usage);

    double load[3] = {0};
    getloadavg(load, 3);
    printf("okrd ingest benchmark: %s (publisher: %s%s%s)\n", okrd_bin,
           g_full_encode ? "msgpack-c packer per event" : "template patched per message",
           g_pace > 0 ? ", paced at " : "", g_pace > 0 ? bl_thousands(g_pace) : "");
    printf("  %ld CPUs, load %.2f at start; single %s events, batch100 %s events, best of %d\n",
           sysconf(_SC_NPROCESSORS_ONLN), load[0], bl_thousands((double)nev[SINGLE]),
           bl_thousands((double)nev[BATCHED]), reps);

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
    bl_okrd_t o = {0};
    bl_rpc_t r;
    reqs_t q;
    reqs_init(&q);
    if (bl_okrd_start(&o, okrd_bin, "okrd-bench", write_config, NULL) != 0) {
        fprintf(stderr, "bench: cannot start okrd\n");
        return 1;
    }
    bl_rpc_init(&r, zctx, o.query, 4096);
    bool up = bl_okrd_wait_up(&o, &r, &q.ping, 200);
    bl_stats_t st = {0};
    int64_t hist_applied = 0;
    if (up) {
        pub_t p;
        up = pub_open(&p, zctx, o.ingest) == 0;
        if (up) {
            up = pub_history(&p, bl_real_ms(), HIST_EVENTS) == 0 &&
                 wait_received(&o, &r, HIST_EVENTS, &st);
            hist_applied = st.applied;
            pub_close(&p);
        }
    }
    if (!up) {
        fprintf(stderr, "bench: okrd did not come up or take its history\n");
        bl_okrd_stop(&o);
        bl_okrd_print_log(&o);
        bl_okrd_remove_dir(&o);
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
    for (int i = 0; i < reps && bl_okrd_alive(&o); i++) {
        for (int m = 0; m < 2 && bl_okrd_alive(&o); m++) {
            int batch = m == SINGLE ? 1 : BATCH;
            fl[m][i] = floor_run(zctx, batch, nev[m]);
            ok[m][i] = okrd_run(zctx, &o, &r, batch, nev[m], &seq);
            sent += nev[m];
            lost += ok[m][i].lost;
            rejected += ok[m][i].rejected;
            const result_t *f = &fl[m][i], *k = &ok[m][i];
            printf("  run %d %-8s floor %10s ev/s %.2f CPU-s/M (pub %10s ev/s %.2f CPU-s/M)   "
                   "okrd %10s ev/s %.2f CPU-s/M (pub %10s ev/s %.2f CPU-s/M)   %.2f of floor%s\n",
                   i + 1, mode_name[m], f->ok ? bl_thousands(f->rate) : "FAILED", f->cpu_per_m,
                   bl_thousands(f->pub_rate), f->pub_cpu_per_m,
                   k->ok ? bl_thousands(k->rate) : "FAILED", k->cpu_per_m,
                   bl_thousands(k->pub_rate), k->pub_cpu_per_m,
                   f->ok && k->ok ? k->rate / f->rate : 0.0,
                   k->lost || k->rejected ? "  !!! LOST/REJECTED" : "");
            if (!f->ok || !k->ok)
                bad = 1;
        }
    }

    /* 4. Query latency, and the 30-day total as a check of what was applied. */
    lat_t lat[MAX_REPS], best = {0};
    for (int i = 0; i < 200 && bl_okrd_alive(&o); i++) {
        bl_rpc_call(&r, &q.ping, 5000);
        bl_rpc_call(&r, &q.get30, 5000);
    }
    for (int i = 0; i < reps && bl_okrd_alive(&o); i++) {
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
    if (bl_rpc_call(&r, &q.get30, 5000)) {
        count30 = bl_reply_int(&r, "count");
        wire_number(wire_map_get(&r.reply, "sum"), &sum30);
    }
    bool have_stats = bl_okrd_stats(&r, &st);
    bl_rpc_close(&r);
    int code = bl_okrd_stop(&o);
    if (code != 0) {
        bl_okrd_print_log(&o);
        bad = 1;
    }
    bl_okrd_remove_dir(&o);

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
           bl_thousands(pub_alone[SINGLE]), bl_thousands(pub_alone[BATCHED]), reps);
    printf("floor   single %11s ev/s     batch100 %11s ev/s\n", bl_thousands(fr[SINGLE]),
           bl_thousands(fr[BATCHED]));
    printf("okrd    single %11s ev/s (%.2f of floor)   batch100 %11s ev/s (%.2f of floor)\n",
           bl_thousands(kr[SINGLE]), fr[SINGLE] > 0 ? kr[SINGLE] / fr[SINGLE] : 0.0,
           bl_thousands(kr[BATCHED]), fr[BATCHED] > 0 ? kr[BATCHED] / fr[BATCHED] : 0.0);
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
            const bl_cpu_t *c = m == SINGLE ? &ks->cpu : &kb->cpu;
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
