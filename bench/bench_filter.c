/*
 * bench_filter.c - what `where` filters and formulas cost okrd's ingest
 * path with 50 KPIs reading one source (target: at most 25 % of its
 * throughput), and what a formula costs kpi.get.
 *
 *     bench_filter OKRD [-n EVENTS] [-r REPS] [-q REQUESTS]
 *
 * Three okrd run side by side, each with a temporary configuration
 * (sync = true, commit_interval_ms = 100, tcp loopback):
 *
 *   baseline  50 raw KPIs b.k0..b.k49 reading source b.src, no filter;
 *   filtered  the same 50 KPIs, each with a `where` filter: value >= N,
 *             tags.channel == "C", value > N and tags.channel != "C",
 *             (... or ...) and value < N, value < N or (value >= M and ...);
 *   formulas  the baseline's 50 KPIs plus 50 derived ones b.d0..b.d49
 *             (sum(b.kI) / count(b.kJ) and the like), which read no source:
 *             they are evaluated at query time, so ingest should not notice.
 *
 * Each gets 30 days of history (one event every 10 minutes) and a warm-up,
 * then EVENTS events per run (default 5000000) in batches of 100 on b.src:
 * {value: float, ts, tags: {channel: email|web|app|store}, source_id, seq}.
 * The bodies come from 16 templates that msgpack-c encoded once (values and
 * channels drawn once, per position); ts and seq are patched per message.
 * The publisher is an XPUB with ZMQ_XPUB_NODROP and a small send
 * high-water mark: it blocks when okrd falls behind, so memory stays
 * bounded and nothing is dropped.  A run's time runs from the first send
 * until okrd's `stats` reports every event received (and committed); its
 * CPU is okrd's, from /proc.  The three alternate (their order rotated),
 * REPS times (default 3), and each one's best repetition is reported.
 *
 * Then the checks: stats.applied equals what each okrd was sent; every
 * filtered KPI's count and sum over 30d equal what this program computes
 * from the templates it sent, with its own evaluation of the filters
 * (exact: the values are binary fractions); the raw KPIs' totals and the
 * derived KPIs' values agree too.  Last, kpi.get 30d of a derived KPI
 * against a raw one (REQUESTS each, default 2000, interleaved; medians).
 *
 * Exit status: 0, or 1 on a MISMATCH, lost or rejected events, a failed
 * run, or an okrd that did not stop cleanly.  A missed target is reported,
 * not failed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <msgpack.h>
#include <zmq.h>

#include "benchlib.h"
#include "wire.h"

#define SOURCE         "b.src"
#define SOURCE_ID      "bench-1"
#define HIST_SOURCE_ID "bench-hist"
#define NKPIS          50
#define NDERIVED       50
#define BATCH          100
#define NTEMPLATES     16
#define HIST_EVENTS    4300 /* one per 10 minutes: 29.9 days; a multiple of BATCH */
#define MAX_REPS       9
#define PUB_HWM        100  /* messages the publisher queues before it blocks */
#define OKRD_HWM       2000 /* okrd's rcvhwm, in messages */
#define STALL_MS       20000
#define STATS_POLL_US  5000
#define TARGET         0.75 /* filtered or formulas: at least this share of the baseline */
#define DERIVED_TOL    1e-9 /* relative: a formula's division may round */

enum { BASE, FILT, FORM, NCONF };
static const char *const conf_name[NCONF] = {"baseline", "filtered", "formulas"};

/* ---- the workload: values, channels, filters, formulas ------------------- */

/* Binary fractions: every sum okrd keeps of them is exact. */
static const double values[10] = {0.5, 1.25, 2.0, 3.5, 5.0, 6.75, 8.0, 9.5, 12.0, 40.25};
static const char *const channels[4] = {"email", "web", "app", "store"};

enum { F_GE, F_CH, F_GT_NE, F_OR_LT, F_LT_OR, NFORMS };

/* A filter: its form and parameters; text and evaluation both derive from it. */
typedef struct filt {
    int form;
    double a, b;
    int c1, c2;
} filt_t;

static filt_t filter_of(int k)
{
    static const double thresholds[6] = {2.0, 3.5, 5.0, 6.75, 8.0, 9.5};
    filt_t f = {.form = k % NFORMS};
    f.a = thresholds[(k / NFORMS + k) % 6];
    f.b = thresholds[(k / NFORMS + k + 3) % 6];
    f.c1 = (k / NFORMS) % 4;
    f.c2 = (k / NFORMS + 1 + k % 3) % 4;
    if (f.c2 == f.c1)
        f.c2 = (f.c1 + 1) % 4;
    return f;
}

static void filter_text(const filt_t *f, char *buf, size_t len)
{
    const char *c1 = channels[f->c1], *c2 = channels[f->c2];
    switch (f->form) {
    case F_GE:
        snprintf(buf, len, "value >= %g", f->a);
        break;
    case F_CH:
        snprintf(buf, len, "tags.channel == \"%s\"", c1);
        break;
    case F_GT_NE:
        snprintf(buf, len, "value > %g and tags.channel != \"%s\"", f->a, c1);
        break;
    case F_OR_LT:
        snprintf(buf, len, "(tags.channel == \"%s\" or tags.channel == \"%s\") and value < %g", c1,
                 c2, f->a);
        break;
    default:
        snprintf(buf, len, "value < %g or (value >= %g and tags.channel == \"%s\")", f->a, f->b,
                 c1);
        break;
    }
}

/* This program's own evaluation of a filter, to check okrd's. */
static bool filter_match(const filt_t *f, double v, int ch)
{
    switch (f->form) {
    case F_GE:
        return v >= f->a;
    case F_CH:
        return ch == f->c1;
    case F_GT_NE:
        return v > f->a && ch != f->c1;
    case F_OR_LT:
        return (ch == f->c1 || ch == f->c2) && v < f->a;
    default:
        return v < f->a || (v >= f->b && ch == f->c1);
    }
}

/* Derived KPI d: its formula, and its value when every raw KPI it reads
 * has the same totals (count n, sum s, min, max: no filters). */
static void formula_text(int d, char *buf, size_t len)
{
    int i = (d + 1) % NKPIS, j = (d + 2) % NKPIS, k = (d + 3) % NKPIS;
    switch (d % 4) {
    case 0:
        snprintf(buf, len, "sum(b.k%d) / count(b.k%d)", i, j);
        break;
    case 1:
        snprintf(buf, len, "100 * (count(b.k%d) - count(b.k%d)) / count(b.k%d)", i, j, k);
        break;
    case 2:
        snprintf(buf, len, "avg(b.k%d) - avg(b.k%d) + max(b.k%d)", i, j, k);
        break;
    default:
        snprintf(buf, len, "(sum(b.k%d) + sum(b.k%d)) / (count(b.k%d) + 1) - min(b.k%d)", i, j, k,
                 i);
        break;
    }
}

static double formula_expect(int d, double n, double s, double min, double max)
{
    switch (d % 4) {
    case 0:
        return s / n;
    case 1:
        return 0;
    case 2:
        return max;
    default:
        return 2 * s / (n + 1) - min;
    }
}

/* The templates: the value and channel of each position, and per filter
 * the count and sum of the events of one message that pass it. */
typedef struct work {
    filt_t filt[NKPIS];
    double v[NTEMPLATES][BATCH];
    int ch[NTEMPLATES][BATCH];
    int64_t cnt[NTEMPLATES][NKPIS];
    double sum[NTEMPLATES][NKPIS];
    double tsum[NTEMPLATES], tmin, tmax; /* per template: all events */
    double pass;                         /* share of (event, KPI) pairs that pass */
} work_t;

static void work_init(work_t *w)
{
    memset(w, 0, sizeof *w);
    for (int k = 0; k < NKPIS; k++)
        w->filt[k] = filter_of(k);
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    int64_t passed = 0;
    w->tmin = INFINITY;
    w->tmax = -INFINITY;
    for (int t = 0; t < NTEMPLATES; t++)
        for (int j = 0; j < BATCH; j++) {
            x ^= x << 13; /* xorshift64 */
            x ^= x >> 7;
            x ^= x << 17;
            double v = values[(x >> 8) % 10];
            int ch = (int)((x >> 40) % 4);
            w->v[t][j] = v;
            w->ch[t][j] = ch;
            w->tsum[t] += v;
            w->tmin = v < w->tmin ? v : w->tmin;
            w->tmax = v > w->tmax ? v : w->tmax;
            for (int k = 0; k < NKPIS; k++)
                if (filter_match(&w->filt[k], v, ch)) {
                    w->cnt[t][k]++;
                    w->sum[t][k] += v;
                    passed++;
                }
        }
    w->pass = (double)passed / ((double)NTEMPLATES * BATCH * NKPIS);
}

/* ---- okrd: configuration ---------------------------------------------------- */

/* What write_config writes about. */
typedef struct setup {
    int conf;
    const work_t *w;
} setup_t;

static int write_config(FILE *f, const bl_okrd_t *o, void *arg)
{
    int conf = ((const setup_t *)arg)->conf;
    const work_t *w = ((const setup_t *)arg)->w;
    fprintf(f,
            "daemon = { state_dir = \"%s/state\"; commit_interval_ms = 100; sync = true;\n"
            "           log_level = \"info\"; };\n"
            "ingest = { bind = [ \"%s\" ]; rcvhwm = %d; };\n"
            "query = { bind = [ \"%s\" ]; };\n"
            "kpis = (\n",
            o->dir, o->ingest, OKRD_HWM, o->query);
    int n = NKPIS + (conf == FORM ? NDERIVED : 0);
    for (int k = 0; k < n; k++) {
        char text[256], esc[512];
        if (k >= NKPIS) {
            formula_text(k - NKPIS, text, sizeof text);
            fprintf(f, "  { name = \"b.d%d\"; formula = \"%s\"; }", k - NKPIS, text);
        } else if (conf == FILT) {
            filter_text(&w->filt[k], text, sizeof text);
            size_t e = 0;
            for (const char *p = text; *p != '\0' && e + 2 < sizeof esc; p++) {
                if (*p == '"' || *p == '\\')
                    esc[e++] = '\\';
                esc[e++] = *p;
            }
            esc[e] = '\0';
            fprintf(f, "  { name = \"b.k%d\"; source = \"%s\"; where = \"%s\"; }", k, SOURCE, esc);
        } else {
            fprintf(f, "  { name = \"b.k%d\"; source = \"%s\"; }", k, SOURCE);
        }
        fprintf(f, "%s\n", k + 1 < n ? "," : "");
    }
    fprintf(f, ");\n");
    return 0;
}

/* Poll stats until received reaches target; false when it stalls or okrd exits. */
static bool wait_received(bl_okrd_t *o, bl_rpc_t *r, int64_t target, bl_stats_t *s)
{
    return bl_okrd_wait_received(o, r, target, s, STATS_POLL_US, STALL_MS);
}

/* ---- the publisher -------------------------------------------------------- */

/* Message bodies: NTEMPLATES arrays of BATCH events, encoded once by
 * msgpack-c with ts and seq in fixed-width forms (int 64, uint 64) whose
 * 8-byte big-endian payloads are rewritten for each message. */
typedef struct tmpl {
    msgpack_sbuffer sb[NTEMPLATES];
    size_t off[NTEMPLATES][BATCH][2]; /* ts, seq */
} tmpl_t;

static void tmpl_init(tmpl_t *tp, const work_t *w, const char *sid)
{
    msgpack_packer pk;
    for (int t = 0; t < NTEMPLATES; t++) {
        msgpack_sbuffer *sb = &tp->sb[t];
        msgpack_sbuffer_init(sb);
        msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
        msgpack_pack_array(&pk, BATCH);
        for (int j = 0; j < BATCH; j++) {
            msgpack_pack_map(&pk, 5);
            bl_pack_str(&pk, "value");
            msgpack_pack_double(&pk, w->v[t][j]);
            bl_pack_str(&pk, "ts");
            tp->off[t][j][0] = sb->size + 1;
            msgpack_pack_fix_int64(&pk, 0);
            bl_pack_str(&pk, "tags");
            msgpack_pack_map(&pk, 1);
            bl_pack_str(&pk, "channel");
            bl_pack_str(&pk, channels[w->ch[t][j]]);
            bl_pack_str(&pk, "source_id");
            bl_pack_str(&pk, sid);
            bl_pack_str(&pk, "seq");
            tp->off[t][j][1] = sb->size + 1;
            msgpack_pack_fix_uint64(&pk, 0);
        }
    }
}

static void tmpl_destroy(tmpl_t *tp)
{
    for (int t = 0; t < NTEMPLATES; t++)
        msgpack_sbuffer_destroy(&tp->sb[t]);
}

/* One okrd under test, with what it was sent. */
typedef struct target {
    int conf;
    bl_okrd_t o;
    bl_rpc_t r;
    void *pub;
    uint64_t seq, hist_seq;
    int64_t msgs[NTEMPLATES]; /* messages sent per template */
    int64_t sent;
    uint64_t next_tmpl;
} target_t;

/* An XPUB that blocks (ZMQ_XPUB_NODROP) once PUB_HWM messages are queued,
 * connected to okrd and past its subscription: nothing is sent into the void. */
static int pub_open(target_t *g, void *zctx)
{
    g->pub = bl_xpub_new(zctx, PUB_HWM, 0);
    if (g->pub == NULL)
        return -1;
    int nodrop = 1, tmo = STALL_MS;
    zmq_setsockopt(g->pub, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
    zmq_setsockopt(g->pub, ZMQ_SNDTIMEO, &tmo, sizeof tmo);
    return bl_xpub_connect(g->pub, g->o.ingest);
}

/* Send template t with every ts set to ts (or, with step, ts + i * step for
 * event i) and seq from *seq on. */
static int pub_msg(target_t *g, tmpl_t *tp, int t, int64_t ts, int64_t step, uint64_t *seq)
{
    msgpack_sbuffer *sb = &tp->sb[t];
    for (int j = 0; j < BATCH; j++, (*seq)++) {
        bl_put_be64(sb->data + tp->off[t][j][0], (uint64_t)(ts + j * step));
        bl_put_be64(sb->data + tp->off[t][j][1], *seq);
    }
    if (bl_send_msg(g->pub, SOURCE, sizeof SOURCE - 1, sb->data, sb->size) != 0) {
        fprintf(stderr, "bench: %s: send failed: %s\n", conf_name[g->conf], zmq_strerror(errno));
        return -1;
    }
    g->msgs[t]++;
    g->sent += BATCH;
    return 0;
}

/* n events (a multiple of BATCH) with ts now, cycling through the templates. */
static int pub_events(target_t *g, tmpl_t *tp, int64_t n)
{
    int64_t ts = bl_real_ms();
    for (int64_t i = 0, m = 0; i < n; i += BATCH, m++) {
        if ((m & 255) == 255)
            ts = bl_real_ms();
        if (pub_msg(g, tp, (int)(g->next_tmpl++ % NTEMPLATES), ts, 0, &g->seq) != 0)
            return -1;
    }
    return 0;
}

/* 30 days of history: one event every 10 minutes, another publisher. */
static int pub_history(target_t *g, tmpl_t *hist, int64_t now)
{
    const int64_t step = 10 * 60 * 1000;
    for (int i = 0; i < HIST_EVENTS; i += BATCH)
        if (pub_msg(g, hist, (i / BATCH) % NTEMPLATES, now - (int64_t)(HIST_EVENTS - i) * step,
                    step, &g->hist_seq) != 0)
            return -1;
    return 0;
}

/* ---- runs ----------------------------------------------------------------- */

typedef struct result {
    bool ok;
    double rate;      /* events per second, first send to last received */
    double cpu_per_m; /* okrd's CPU seconds per million events */
    double writer_per_m;
    double writer_busy; /* the writer thread's CPU time over the run's wall time */
    int64_t lost, rejected;
} result_t;

static result_t run(target_t *g, tmpl_t *tp, int64_t n)
{
    result_t res = {0};
    bl_stats_t s0, s1 = {0};
    bl_cpu_t c0, c1;
    if (!bl_okrd_stats(&g->r, &s0) || !bl_proc_cpu(g->o.pid, &c0)) {
        fprintf(stderr, "bench: %s: okrd does not answer stats\n", conf_name[g->conf]);
        return res;
    }
    int64_t t0 = bl_mono_ns();
    bool done = pub_events(g, tp, n) == 0 && wait_received(&g->o, &g->r, s0.received + n, &s1);
    int64_t t1 = bl_mono_ns();
    if (!done || !bl_proc_cpu(g->o.pid, &c1)) {
        res.lost = n;
        if (bl_okrd_alive(&g->o) && bl_okrd_stats(&g->r, &s1)) {
            res.lost = n - (s1.received - s0.received);
            res.rejected = s1.rejected - s0.rejected;
        }
        return res;
    }
    res.rate = (double)n / ((double)(t1 - t0) / 1e9);
    res.cpu_per_m = (c1.total - c0.total) / ((double)n / 1e6);
    res.writer_per_m = (c1.writer - c0.writer) / ((double)n / 1e6);
    res.writer_busy = (c1.writer - c0.writer) / ((double)(t1 - t0) / 1e9);
    res.rejected = s1.rejected - s0.rejected;
    res.lost = n - (s1.applied - s0.applied) - res.rejected;
    res.ok = s1.applied - s0.applied == n && s1.received - s0.received == n;
    return res;
}

/* The valid repetition with the highest rate, or -1. */
static int best_rate(const result_t *r, int n)
{
    return BL_BEST_INDEX(r, n, ok, rate, +1);
}

static int best_cpu(const result_t *r, int n)
{
    return BL_BEST_INDEX(r, n, ok, cpu_per_m, -1);
}

/* ---- checks ------------------------------------------------------------- */

/* count and sum of a raw KPI over 30d; false when the request fails. */
static bool get_count_sum(bl_rpc_t *r, const char *kpi, int64_t *count, double *sum)
{
    msgpack_sbuffer req;
    bl_req_kpi_get(&req, kpi, "30d");
    bool ok = bl_rpc_call(r, &req, 5000);
    msgpack_sbuffer_destroy(&req);
    *count = -1;
    *sum = NAN;
    if (!ok)
        return false;
    *count = bl_reply_int(r, "count");
    wire_number(wire_map_get(&r->reply, "sum"), sum);
    return true;
}

/* Totals of everything sent to g: count, sum. */
static void sent_totals(const target_t *g, const work_t *w, int64_t *n, double *s)
{
    *n = 0;
    *s = 0;
    for (int t = 0; t < NTEMPLATES; t++) {
        *n += g->msgs[t] * BATCH;
        *s += (double)g->msgs[t] * w->tsum[t];
    }
}

/* The checks of one okrd; returns the number of mismatches (printed). */
static int check_target(target_t *g, const work_t *w, int *nchecked)
{
    int bad = 0;
    *nchecked = 0;
    bl_stats_t st;
    if (!bl_okrd_stats(&g->r, &st)) {
        printf("!!! MISMATCH %s: no stats\n", conf_name[g->conf]);
        return 1;
    }
    if (st.applied != g->sent || st.received != g->sent || st.rejected != 0) {
        printf("!!! MISMATCH %s: stats.applied %" PRId64 " received %" PRId64 " rejected %" PRId64
               ", sent %" PRId64 "\n",
               conf_name[g->conf], st.applied, st.received, st.rejected, g->sent);
        bad++;
    }
    int64_t n;
    double s;
    sent_totals(g, w, &n, &s);
    for (int k = 0; k < NKPIS; k++) {
        int64_t want_n = n;
        double want_s = s;
        if (g->conf == FILT) {
            want_n = 0;
            want_s = 0;
            for (int t = 0; t < NTEMPLATES; t++) {
                want_n += g->msgs[t] * w->cnt[t][k];
                want_s += (double)g->msgs[t] * w->sum[t][k];
            }
        } else if (k != 0 && k != NKPIS - 1) {
            continue; /* unfiltered: their first and last suffice */
        }
        char name[32];
        snprintf(name, sizeof name, "b.k%d", k);
        int64_t got_n;
        double got_s;
        get_count_sum(&g->r, name, &got_n, &got_s);
        (*nchecked)++;
        if (got_n != want_n || got_s != want_s) {
            char text[256] = "";
            if (g->conf == FILT)
                filter_text(&w->filt[k], text, sizeof text);
            printf("!!! MISMATCH %s %s%s%s%s: count %" PRId64 " sum %.2f, expected %" PRId64
                   " and %.2f\n",
                   conf_name[g->conf], name, *text ? " (" : "", text, *text ? ")" : "", got_n,
                   got_s, want_n, want_s);
            bad++;
        }
    }
    if (g->conf != FORM)
        return bad;
    for (int d = 0; d < NDERIVED; d++) {
        char name[32], text[256];
        snprintf(name, sizeof name, "b.d%d", d);
        msgpack_sbuffer req;
        bl_req_kpi_get(&req, name, "30d");
        bool ok = bl_rpc_call(&g->r, &req, 5000);
        msgpack_sbuffer_destroy(&req);
        double got = NAN, want = formula_expect(d, (double)n, s, w->tmin, w->tmax);
        if (ok)
            wire_number(wire_map_get(&g->r.reply, "value"), &got);
        (*nchecked)++;
        if (!(fabs(got - want) <= DERIVED_TOL * (fabs(want) > 1 ? fabs(want) : 1))) {
            formula_text(d, text, sizeof text);
            printf("!!! MISMATCH formulas %s (%s): value %.12g, expected %.12g\n", name, text, got,
                   want);
            bad++;
        }
    }
    return bad;
}

/* kpi.get 30d of a (derived) KPI against a (raw) one: n each, interleaved,
 * after 200 of each untimed; false (with a diagnostic) when one fails. */
static bool latency(bl_rpc_t *r, const char *ka, const char *kb, int n, bl_lat_pair_t *l)
{
    msgpack_sbuffer qa, qb;
    bl_req_kpi_get(&qa, ka, "30d");
    bl_req_kpi_get(&qb, kb, "30d");
    bool ok = true;
    for (int i = 0; i < 200 && ok; i++)
        ok = bl_rpc_call(r, &qa, 5000) && bl_rpc_call(r, &qb, 5000);
    ok = ok && bl_latency_pair(r, &qa, &qb, n, 5000, l);
    if (!ok)
        fprintf(stderr, "bench: kpi.get failed or timed out\n");
    msgpack_sbuffer_destroy(&qa);
    msgpack_sbuffer_destroy(&qb);
    return ok;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_filter OKRD [-n EVENTS] [-r REPS] [-q REQUESTS]\n"
               "\n"
               "  OKRD         path of the okrd binary to measure\n"
               "  -n EVENTS    events per run, rounded up to a multiple of 100 (default 5000000)\n"
               "  -r REPS      runs of each configuration, best reported (default 3)\n"
               "  -q REQUESTS  kpi.get of a derived and of a raw KPI, each (default 2000)\n");
}

static const char *verdict(bool met)
{
    return met ? "met" : "NOT MET";
}

int main(int argc, char **argv)
{
    int64_t n = 5000000;
    int reps = 3, nq = 2000, opt;
    while ((opt = getopt(argc, argv, "n:r:q:h")) != -1) {
        switch (opt) {
        case 'n':
            n = (bl_parse_count(optarg) + BATCH - 1) / BATCH * BATCH;
            break;
        default: /* -r, -q; -h, or not an option */
            if (!bl_opt_reps_requests(opt, optarg, MAX_REPS, &reps, &nq))
                bl_usage_exit(usage, opt);
        }
    }
    const char *bin = bl_okrd_operand(argc, argv, usage);

    static work_t w;
    static tmpl_t live, hist;
    work_init(&w);
    tmpl_init(&live, &w, SOURCE_ID);
    tmpl_init(&hist, &w, HIST_SOURCE_ID);
    int64_t warm = n / 10 / BATCH * BATCH;
    if (warm < 100000)
        warm = 100000;

    double load[3] = {0};
    getloadavg(load, 3);
    printf("okrd filter/formula ingest benchmark: %s\n", bin);
    printf("  %ld CPUs, load %.2f at start; %d KPIs on source %s, batches of %d, %s events per "
           "run, best of %d\n",
           sysconf(_SC_NPROCESSORS_ONLN), load[0], NKPIS, SOURCE, BATCH, bl_thousands((double)n),
           reps);
    char ex[3][256];
    filter_text(&w.filt[0], ex[0], sizeof ex[0]);
    filter_text(&w.filt[2], ex[1], sizeof ex[1]);
    filter_text(&w.filt[3], ex[2], sizeof ex[2]);
    printf("  filtered: e.g. '%s', '%s', '%s'; %.1f %% of (event, KPI) pairs pass\n", ex[0], ex[1],
           ex[2], 100 * w.pass);
    formula_text(0, ex[0], sizeof ex[0]);
    formula_text(3, ex[1], sizeof ex[1]);
    printf("  formulas: baseline + %d derived KPIs, e.g. '%s', '%s'\n", NDERIVED, ex[0], ex[1]);

    void *zctx = zmq_ctx_new();
    static target_t g[NCONF];
    int bad = 0;
    int64_t now = bl_real_ms();
    for (int c = 0; c < NCONF; c++) {
        g[c].conf = c;
        g[c].seq = 1;
        g[c].hist_seq = 1;
    }
    for (int c = 0; c < NCONF && !bad; c++) {
        target_t *t = &g[c];
        setup_t setup = {c, &w};
        if (bl_okrd_start(&t->o, bin, "okrd-bfilt", write_config, &setup) != 0) {
            fprintf(stderr, "bench: cannot start okrd (%s)\n", conf_name[c]);
            bad = 1;
            break;
        }
        bl_rpc_init(&t->r, zctx, t->o.query, 4096);
        bl_stats_t st;
        bool up = false;
        for (int i = 0; i < 100 && !up && bl_okrd_alive(&t->o); i++)
            up = bl_okrd_stats(&t->r, &st);
        up = up && pub_open(t, zctx) == 0 && pub_history(t, &hist, now) == 0 &&
             pub_events(t, &live, warm) == 0 && wait_received(&t->o, &t->r, t->sent, &st);
        if (!up) {
            fprintf(stderr, "bench: okrd (%s) did not come up or take its history and warm-up\n",
                    conf_name[c]);
            bl_okrd_print_log(&t->o);
            bad = 1;
        }
    }
    if (!bad)
        printf("  3 okrd up, each with %d history events (30 days) and %s warm-up events\n",
               HIST_EVENTS, bl_thousands((double)warm));

    /* Throughput: the three alternate, their order rotated, so that each
     * ratio is measured side by side. */
    result_t res[NCONF][MAX_REPS] = {0};
    for (int i = 0; i < reps && !bad; i++) {
        for (int j = 0; j < NCONF && !bad; j++) {
            int c = (i + j) % NCONF;
            result_t *r = &res[c][i];
            *r = run(&g[c], &live, n);
            printf(
                "  run %d %-8s %10s ev/s  okrd %.2f CPU-s/M (writer thread %.2f, busy %.0f %%)%s\n",
                i + 1, conf_name[c], r->ok ? bl_thousands(r->rate) : "FAILED", r->cpu_per_m,
                r->writer_per_m, 100 * r->writer_busy,
                r->lost || r->rejected ? "  !!! LOST/REJECTED" : "");
            if (!r->ok) {
                fprintf(stderr, "bench: %s: lost %" PRId64 ", rejected %" PRId64 "\n", conf_name[c],
                        r->lost, r->rejected);
                bl_okrd_print_log(&g[c].o);
                bad = 1;
            }
        }
    }

    /* Checks, then kpi.get of a derived KPI against a raw one. */
    int nchecked[NCONF] = {0};
    int mismatches = 0;
    for (int c = 0; c < NCONF && !bad; c++)
        mismatches += check_target(&g[c], &w, &nchecked[c]);
    bl_lat_pair_t lat = {0};
    bool lat_ok = false;
    char dtext[256];
    formula_text(0, dtext, sizeof dtext);
    if (!bad)
        lat_ok = latency(&g[FORM].r, "b.d0", "b.k1", nq, &lat);

    int codes[NCONF];
    for (int c = 0; c < NCONF; c++) {
        bl_rpc_close(&g[c].r);
        if (g[c].pub != NULL)
            zmq_close(g[c].pub);
        codes[c] = bl_okrd_stop(&g[c].o);
        if (codes[c] != 0 && g[c].o.dir[0] != '\0') {
            bl_okrd_print_log(&g[c].o);
            bad = 1;
        }
        bl_okrd_remove_dir(&g[c].o);
    }
    tmpl_destroy(&live);
    tmpl_destroy(&hist);
    zmq_ctx_term(zctx);
    if (bad) {
        printf("!!! FAILED: a run failed or an okrd did not stop cleanly; no report\n");
        return 1;
    }

    /* The report. */
    int br[NCONF], bc[NCONF];
    for (int c = 0; c < NCONF; c++) {
        br[c] = best_rate(res[c], reps);
        bc[c] = best_cpu(res[c], reps);
    }
    printf("\n");
    for (int c = 0; c < NCONF; c++) {
        const result_t *r = &res[c][br[c]], *k = &res[c][bc[c]];
        printf("%-9s %10s ev/s   okrd %.2f CPU-s per million events (writer thread %.2f)\n",
               conf_name[c], bl_thousands(r->rate), k->cpu_per_m, k->writer_per_m);
    }
    printf("target: a filter or a formula keeps >= %.0f %% of the baseline's throughput "
           "(CPU per event <= %.2fx)\n",
           100 * TARGET, 1 / TARGET);
    for (int c = FILT; c < NCONF; c++) {
        double tr = res[c][br[c]].rate / res[BASE][br[BASE]].rate;
        double cr = res[c][bc[c]].cpu_per_m / res[BASE][bc[BASE]].cpu_per_m;
        double wr = res[c][bc[c]].writer_per_m / res[BASE][bc[BASE]].writer_per_m;
        printf("%-9s / baseline: throughput %.2f (%s), CPU per event %.2f (%s), writer thread "
               "%.2f\n",
               conf_name[c], tr, verdict(tr >= TARGET), cr, verdict(cr <= 1 / TARGET), wr);
    }
    if (lat_ok)
        printf("kpi.get 30d (%d each, interleaved): derived b.d0 = %s p50 %.0f us p99 %.0f us; "
               "raw b.k1 p50 %.0f us p99 %.0f us; ratio p50 %.2f\n",
               nq, dtext, lat.a50, lat.a99, lat.b50, lat.b99, lat.a50 / lat.b50);
    else
        printf("kpi.get latency FAILED\n");
    int64_t total = 0;
    for (int c = 0; c < NCONF; c++)
        total += g[c].sent;
    printf("checked: stats.applied == sent for all 3 okrd (%s events in all); count and sum over "
           "30d (exact) of %d filtered KPIs and %d raw ones; the values of %d derived KPIs\n",
           bl_thousands((double)total), nchecked[FILT], nchecked[BASE] + nchecked[FORM] - NDERIVED,
           NDERIVED);
    if (mismatches > 0) {
        printf("!!! MISMATCH: %d check(s) failed (above)\n", mismatches);
        return 1;
    }
    if (!lat_ok)
        return 1;
    printf("all checks passed\n");
    return 0;
}
