/*
 * bench_okr.c - okr.tree latency for 100 objectives x 4 key results over a
 * whole quarter (target: under 5 ms per request), with objective.get,
 * kr.get and ping for reference.
 *
 *     bench_okr OKRD [-n REQUESTS] [-e EVENTS_PER_DAY] [-l SECONDS]
 *
 * A temporary okrd (sync = false, commit_interval_ms = 100, tcp loopback)
 * gets 20 KPIs b.k0..b.k19 (sum, count, avg, max) and 100 objectives for
 * the current calendar quarter (UTC): 10 company-level roots with 9
 * children each, 4 key results per objective: increase with start/target,
 * increase with change = "+20%" (baseline: the previous quarter), at_least
 * with scoring = "days", and at_most with scoring = "now" or, on every
 * fifth objective, a manual key result with check-ins.  Every KPI gets
 * EVENTS_PER_DAY events (default 50) with explicit ts on every day of the
 * previous quarter and of this one up to now.  Then okr.tree (no filters,
 * at = the same instant for every request) is timed over REQ: warm-up
 * requests, then REQUESTS timed ones (default 300; stopped after 60 s).
 * okrd's CPU time per request is read from /proc.
 *
 * -l SECONDS: after the report, keep sending okr.tree for that long (okrd's
 * pid is printed), e.g. for `perf record -g -p PID`.
 *
 * Exit status: 0, or 1 when a reply is wrong, events were lost or
 * rejected, or okrd did not stop cleanly.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <msgpack.h>
#include <zmq.h>

#include "benchlib.h"
#include "wire.h"

#define NKPIS        20
#define NROOTS       10
#define NCHILDREN    9
#define NOBJ         (NROOTS * (1 + NCHILDREN))
#define NKRS         4
#define MANUAL_EVERY 5 /* every fifth objective has a manual KR */
#define BATCH        1000
#define WARMUP       20
#define TARGET_MS    5.0   /* okr.tree, per request */
#define TIMED_CAP_MS 60000 /* stop the timed okr.tree loop after this long */
#define STALL_MS     20000
#define DAY          INT64_C(86400000)

static const char *const kpi_aggs[4] = {"sum", "count", "avg", "max"};

/* ---- the calendar: this quarter and the previous one, UTC ----------------- */

typedef struct quarters {
    char name[32];     /* "2026-Q4" */
    int64_t from, to;  /* this quarter, [from, to) */
    int64_t prev_from; /* the previous quarter: [prev_from, from) */
} quarters_t;

static int64_t utc_ms(int year, int mon0)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = mon0, .tm_mday = 1};
    return (int64_t)timegm(&tm) * 1000;
}

static void quarters_of(int64_t now, quarters_t *q)
{
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    int year = tm.tm_year + 1900, qi = tm.tm_mon / 3;
    snprintf(q->name, sizeof q->name, "%d-Q%d", year, qi + 1);
    q->from = utc_ms(year, qi * 3);
    q->to = qi == 3 ? utc_ms(year + 1, 0) : utc_ms(year, qi * 3 + 3);
    q->prev_from = qi == 0 ? utc_ms(year - 1, 9) : utc_ms(year, qi * 3 - 3);
}

/* ---- okrd: configuration, process --------------------------------------- */

static void objective_id(int g, char *buf, size_t len)
{
    if (g < NROOTS)
        snprintf(buf, len, "o%d", g);
    else
        snprintf(buf, len, "o%d-%d", (g - NROOTS) / NCHILDREN, (g - NROOTS) % NCHILDREN + 1);
}

static int parent_of(int g)
{
    return g < NROOTS ? -1 : (g - NROOTS) / NCHILDREN;
}

static bool has_manual(int g)
{
    return g % MANUAL_EVERY == 0;
}

/* Targets that make sense for each aggregate with epd events a day of
 * values 1..10 (mean 5.5, max 10): [agg][0] quarter target of an increase,
 * [agg][1] daily floor of at_least, [agg][2] ceiling of at_most. */
static void targets(int agg, int epd, double out[3])
{
    switch (agg) {
    case 0: /* sum */
        out[0] = 5.5 * epd * 92;
        out[1] = 5.5 * epd * 0.95;
        out[2] = 5.5 * epd * 200;
        break;
    case 1: /* count */
        out[0] = (double)epd * 92;
        out[1] = epd * 0.9;
        out[2] = (double)epd * 200;
        break;
    case 2: /* avg */
        out[0] = 8.0;
        out[1] = 5.4;
        out[2] = 6.0;
        break;
    default: /* max */
        out[0] = 12.0;
        out[1] = 9.0;
        out[2] = 10.0;
        break;
    }
}

/* What write_config writes about. */
typedef struct setup {
    const quarters_t *q;
    int epd;
} setup_t;

static int write_config(FILE *f, const bl_okrd_t *o, void *arg)
{
    const quarters_t *q = ((const setup_t *)arg)->q;
    int epd = ((const setup_t *)arg)->epd;
    fprintf(f,
            "daemon = { state_dir = \"%s/state\"; commit_interval_ms = 100; sync = false;\n"
            "           log_level = \"info\"; };\n"
            "ingest = { bind = [ \"%s\" ]; };\n"
            "query = { bind = [ \"%s\" ]; };\n"
            "kpis = (\n",
            o->dir, o->ingest, o->query);
    for (int k = 0; k < NKPIS; k++)
        fprintf(f, "  { name = \"b.k%d\"; aggregate = \"%s\"; unit = \"u\"; }%s\n", k,
                kpi_aggs[k % 4], k + 1 < NKPIS ? "," : "");
    fprintf(f, ");\nobjectives = (\n");
    for (int g = 0; g < NOBJ; g++) {
        char id[64], pid[64];
        objective_id(g, id, sizeof id);
        int p = parent_of(g);
        fprintf(f, "  { id = \"%s\"; title = \"Objective %s\"; period = \"%s\";\n", id, id,
                q->name);
        if (p >= 0) {
            objective_id(p, pid, sizeof pid);
            fprintf(f, "    parent = \"%s\"; owner = \"team%d\"; kind = \"top-down\";\n", pid,
                    g % 7);
        } else {
            fprintf(f, "    owner = \"ceo\"; kind = \"company\"; commitment = \"committed\";\n");
        }
        fprintf(f, "    key_results = (\n");
        for (int j = 0; j < NKRS; j++) {
            int k = (g * NKRS + j) % NKPIS;
            double t[3];
            targets(k % 4, epd, t);
            fprintf(f, "      { id = \"%s.kr%d\"; title = \"KR %d of %s\"; ", id, j, j, id);
            switch (j) {
            case 0:
                fprintf(f, "kpi = \"b.k%d\"; type = \"increase\"; start = 0.0; target = %.1f; }", k,
                        t[0]);
                break;
            case 1:
                fprintf(f, "kpi = \"b.k%d\"; type = \"increase\"; change = \"+20%%\"; }", k);
                break;
            case 2:
                fprintf(f,
                        "kpi = \"b.k%d\"; type = \"at_least\"; target = %.1f; scoring = \"days\"; "
                        "checkin_every = \"7d\"; }",
                        k, t[1]);
                break;
            default:
                if (has_manual(g))
                    fprintf(f, "source = \"manual\"; type = \"increase\"; start = 0.0; "
                               "target = 100.0; checkin_every = \"7d\"; }");
                else
                    fprintf(f,
                            "kpi = \"b.k%d\"; type = \"at_most\"; target = %.1f; "
                            "scoring = \"now\"; }",
                            k, t[2]);
                break;
            }
            fprintf(f, "%s\n", j + 1 < NKRS ? "," : "");
        }
        fprintf(f, "    ); }%s\n", g + 1 < NOBJ ? "," : "");
    }
    fprintf(f, ");\n");
    return 0;
}

/* ---- requests ------------------------------------------------------------ */

/* {op} or {op, at}, {op, id, at}. */
static void req_build(msgpack_sbuffer *sb, const char *op, const char *id, int64_t at)
{
    msgpack_packer pk;
    bl_req_begin(sb, &pk, 1 + (id != NULL) + (at > 0), op);
    if (id != NULL) {
        bl_pack_str(&pk, "id");
        bl_pack_str(&pk, id);
    }
    if (at > 0) {
        bl_pack_str(&pk, "at");
        msgpack_pack_int64(&pk, at);
    }
}

/* ---- events --------------------------------------------------------------- */

/* Body under construction: an array header is written once its size is known. */
typedef struct batch {
    int64_t ts[BATCH];
    double v[BATCH];
    int n;
} batch_t;

static int batch_flush(bl_pub_t *p, const char *topic, batch_t *b, uint64_t *msgs)
{
    if (b->n == 0)
        return 0;
    msgpack_sbuffer_clear(&p->sb);
    msgpack_pack_array(&p->pk, (size_t)b->n);
    for (int i = 0; i < b->n; i++) {
        msgpack_pack_map(&p->pk, 2);
        bl_pack_str(&p->pk, "value");
        msgpack_pack_double(&p->pk, b->v[i]);
        bl_pack_str(&p->pk, "ts");
        msgpack_pack_int64(&p->pk, b->ts[i]);
    }
    b->n = 0;
    if (bl_pub_send(p, topic, strlen(topic)) != 0)
        return -1;
    (*msgs)++;
    return 0;
}

/*
 * epd events per KPI per day, values 1..10, spread over each day from the
 * previous quarter's start to now (today's up to now only).  Returns the
 * number of events sent, or -1.
 */
static int64_t publish(bl_pub_t *p, const quarters_t *q, int64_t now, int epd, uint64_t *msgs)
{
    static batch_t b;
    int64_t sent = 0;
    for (int k = 0; k < NKPIS; k++) {
        char topic[32];
        snprintf(topic, sizeof topic, "b.k%d", k);
        b.n = 0;
        for (int64_t day = q->prev_from; day < now; day += DAY) {
            int64_t span = now - day < DAY ? now - day : DAY;
            int d = (int)((day - q->prev_from) / DAY);
            for (int e = 0; e < epd; e++) {
                b.ts[b.n] = day + span * e / epd;
                b.v[b.n] = 1 + (d * 7 + k * 3 + e) % 10;
                if (++b.n == BATCH && batch_flush(p, topic, &b, msgs) != 0)
                    return -1;
                sent++;
            }
        }
        if (batch_flush(p, topic, &b, msgs) != 0)
            return -1;
    }
    return sent;
}

/* A check-in {kr, value, ts, confidence?, note?}: 1 done, 0 this okrd has
 * no checkin op (yet), -1 failed. */
static int checkin(bl_rpc_t *r, const char *kr, double value, int64_t ts, int confidence)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bl_req_begin(&sb, &pk, confidence > 0 ? 6 : 4, "checkin");
    bl_pack_str(&pk, "kr");
    bl_pack_str(&pk, kr);
    bl_pack_str(&pk, "value");
    msgpack_pack_double(&pk, value);
    bl_pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, ts);
    if (confidence > 0) {
        bl_pack_str(&pk, "confidence");
        msgpack_pack_int64(&pk, confidence);
        bl_pack_str(&pk, "note");
        bl_pack_str(&pk, "on the way");
    }
    bool ok = bl_rpc_call(r, &sb, 15000);
    msgpack_sbuffer_destroy(&sb);
    if (ok)
        return 1;
    char msg[256] = "";
    if (r->reply.type == MSGPACK_OBJECT_MAP &&
        wire_str_copy(wire_map_get(&r->reply, "message"), msg, sizeof msg) == 0 &&
        strncmp(msg, "unknown op", 10) == 0)
        return 0;
    bl_rpc_print_error(r, "checkin");
    return -1;
}

/* ---- checking the tree ---------------------------------------------------- */

typedef struct tree_count {
    int objectives, krs, with_progress, no_baseline, kr_nil_progress;
    int status[8];
} tree_count_t;

static const char *const status_names[] = {"on_track",    "at_risk",  "off_track", "done",
                                           "no_baseline", "achieved", "missed",    NULL};

static void count_node(const msgpack_object *o, tree_count_t *c)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return;
    c->objectives++;
    const msgpack_object *p = wire_map_get(o, "progress");
    c->with_progress += p != NULL && p->type != MSGPACK_OBJECT_NIL;
    const msgpack_object *krs = wire_map_get(o, "key_results");
    if (krs != NULL && krs->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < krs->via.array.size; i++) {
            const msgpack_object *kr = &krs->via.array.ptr[i];
            c->krs++;
            const msgpack_object *kp = wire_map_get(kr, "progress");
            c->kr_nil_progress += kp == NULL || kp->type == MSGPACK_OBJECT_NIL;
            const msgpack_object *st = wire_map_get(kr, "status");
            for (int s = 0; status_names[s] != NULL; s++)
                if (st != NULL && wire_str_eq(st, status_names[s]))
                    c->status[s]++;
        }
    const msgpack_object *ch = wire_map_get(o, "children");
    if (ch != NULL && ch->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < ch->via.array.size; i++)
            count_node(&ch->via.array.ptr[i], c);
}

/* The last reply is okr.tree with 10 roots, 100 objectives, 400 KRs. */
static bool check_tree(const bl_rpc_t *r, tree_count_t *c)
{
    memset(c, 0, sizeof *c);
    const msgpack_object *objs = wire_map_get(&r->reply, "objectives");
    if (objs == NULL || objs->type != MSGPACK_OBJECT_ARRAY) {
        fprintf(stderr, "bench: okr.tree: no 'objectives' array in the reply\n");
        return false;
    }
    for (uint32_t i = 0; i < objs->via.array.size; i++)
        count_node(&objs->via.array.ptr[i], c);
    if (objs->via.array.size != NROOTS || c->objectives != NOBJ || c->krs != NOBJ * NKRS) {
        fprintf(stderr,
                "bench: okr.tree: %u roots, %d objectives, %d key results (expected %d, %d, "
                "%d)\n",
                objs->via.array.size, c->objectives, c->krs, NROOTS, NOBJ, NOBJ * NKRS);
        return false;
    }
    return true;
}

/* ---- timing --------------------------------------------------------------- */

typedef struct timing {
    int n;
    double p50, p90, p99, max, mean;
    double cpu_ms; /* okrd's CPU per request; < 0: unknown (too short to tell) */
    size_t reply_bytes;
    bool ok;
} timing_t;

/* warm requests untimed, then up to n timed ones (at most cap_ms). */
static timing_t time_op(bl_rpc_t *r, const msgpack_sbuffer *req, int warm, int n, int64_t cap_ms,
                        pid_t pid, const char *what)
{
    timing_t t = {0};
    int64_t *ns = malloc((size_t)(n > 0 ? n : 1) * sizeof *ns);
    if (ns == NULL)
        return t;
    for (int i = 0; i < warm; i++)
        if (!bl_rpc_call(r, req, 30000)) {
            bl_rpc_print_error(r, what);
            free(ns);
            return t;
        }
    double c0 = bl_proc_cpu_s(pid);
    int64_t t_start = bl_mono_ns();
    int done = 0;
    double sum = 0;
    for (; done < n; done++) {
        int64_t t0 = bl_mono_ns();
        if (!bl_rpc_roundtrip(r, req, 30000)) {
            fprintf(stderr, "bench: %s: no reply within 30 s\n", what);
            free(ns);
            return t;
        }
        ns[done] = bl_mono_ns() - t0;
        sum += (double)ns[done];
        if ((t0 - t_start) / 1000000 > cap_ms) {
            done++;
            break;
        }
    }
    double c1 = bl_proc_cpu_s(pid);
    if (!bl_rpc_decode(r)) {
        bl_rpc_print_error(r, what);
        free(ns);
        return t;
    }
    qsort(ns, (size_t)done, sizeof *ns, bl_cmp_i64);
    t.n = done;
    t.p50 = bl_pct_ms(ns, done, 50);
    t.p90 = bl_pct_ms(ns, done, 90);
    t.p99 = bl_pct_ms(ns, done, 99);
    t.max = (double)ns[done - 1] / 1e6;
    t.mean = sum / done / 1e6;
    /* /proc counts in clock ticks (10 ms): too few of them say nothing. */
    t.cpu_ms = c0 >= 0 && c1 - c0 >= 0.05 ? (c1 - c0) * 1000 / done : -1;
    t.reply_bytes = zmq_msg_size(&r->msg);
    t.ok = true;
    free(ns);
    return t;
}

static const char *cpu_str(const timing_t *t, char *buf, size_t len)
{
    if (t->cpu_ms < 0)
        snprintf(buf, len, "okrd CPU: too little to measure");
    else
        snprintf(buf, len, "okrd CPU %.2f ms/request", t->cpu_ms);
    return buf;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_okr OKRD [-n REQUESTS] [-e EVENTS_PER_DAY] [-l SECONDS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        usage();
    const char *bin = argv[1];
    int nreq = 300, epd = 50, loop_s = 0;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "-n") == 0)
            nreq = atoi(argv[++i]);
        else if (strcmp(argv[i], "-e") == 0)
            epd = atoi(argv[++i]);
        else if (strcmp(argv[i], "-l") == 0)
            loop_s = atoi(argv[++i]);
        else
            usage();
    }
    if (nreq < 1 || epd < 1 || epd > 10000 || access(bin, X_OK) != 0) {
        if (access(bin, X_OK) != 0)
            fprintf(stderr, "bench: %s: not an executable\n", bin);
        usage();
    }

    int64_t now = bl_real_ms();
    quarters_t q;
    quarters_of(now, &q);
    bl_okrd_t o = {0};
    void *zctx = zmq_ctx_new();
    bl_rpc_t r = {0};
    int status = 1;
    msgpack_sbuffer ping, tree, objget, krget;
    req_build(&ping, "ping", NULL, 0);
    msgpack_sbuffer_init(&tree);
    msgpack_sbuffer_init(&objget);
    msgpack_sbuffer_init(&krget);

    setup_t setup = {&q, epd};
    if (bl_okrd_start(&o, bin, "okrd-bokr", write_config, &setup) != 0)
        goto out;
    bl_rpc_init(&r, zctx, o.query, 1 << 16);
    if (!bl_okrd_wait_up(&o, &r, &ping, 100)) {
        fprintf(stderr, "bench: okrd did not answer ping within 10 s\n");
        bl_okrd_print_log(&o);
        goto out;
    }
    printf("okrd pid %d, %s: %d objectives (%d roots x %d children) x %d KRs, %d KPIs, period "
           "%s\n",
           (int)o.pid, o.dir, NOBJ, NROOTS, NCHILDREN, NKRS, NKPIS, q.name);

    /* Events: the previous quarter and this one up to now. */
    bl_pub_t p;
    uint64_t msgs = 0;
    int64_t t0 = bl_mono_ns();
    /* okrd's subscription proves its SUB is connected: nothing is sent into the void. */
    if (bl_pub_open(&p, zctx, 0, 10000, 0, o.ingest) != 0) {
        bl_pub_close(&p);
        goto out;
    }
    int64_t sent = publish(&p, &q, now, epd, &msgs);
    if (sent < 0) {
        bl_pub_close(&p);
        goto out;
    }
    /* Poll stats until received reaches sent (and everything is committed). */
    bl_stats_t st = {0};
    bool all = bl_okrd_wait_received(NULL, &r, sent, &st, 20000, STALL_MS);
    int64_t received = st.received, applied = st.applied, rejected = st.rejected;
    bl_pub_close(&p);
    double ingest_s = (double)(bl_mono_ns() - t0) / 1e9;
    int days_prev = (int)((q.from - q.prev_from) / DAY), days_cur = (int)((now - q.from) / DAY) + 1;
    printf("events: %" PRId64 " sent in %" PRIu64 " messages (%d KPIs x %d days [%d previous "
           "quarter + %d this] x %d), received %" PRId64 ", applied %" PRId64 ", rejected %" PRId64
           " in %.1f s\n",
           sent, msgs, NKPIS, days_prev + days_cur, days_prev, days_cur, epd, received, applied,
           rejected, ingest_s);
    if (!all || applied != sent || rejected != 0) {
        fprintf(stderr, "bench: okrd did not apply every event\n");
        bl_okrd_print_log(&o);
        goto out;
    }

    /* Check-ins for the manual KRs: one early in the quarter, one recent. */
    int ncheckins = 0;
    int64_t t_ck = bl_mono_ns();
    for (int g = 0; g < NOBJ; g++) {
        if (!has_manual(g))
            continue;
        char id[64], kr[96];
        objective_id(g, id, sizeof id);
        snprintf(kr, sizeof kr, "%s.kr%d", id, NKRS - 1);
        int64_t early = q.from + 3 * DAY < now ? q.from + 3 * DAY : now - 1000;
        int64_t recent = now - 2 * 3600000 > q.from ? now - 2 * 3600000 : now;
        int rc = checkin(&r, kr, 10 + g % 7, early, 0);
        if (rc > 0)
            rc = checkin(&r, kr, 30 + g % 11, recent, 1 + g % 10);
        if (rc < 0)
            goto out;
        if (rc == 0) {
            printf("check-ins: none (this okrd has no 'checkin' op): manual KRs stay empty\n");
            break;
        }
        ncheckins += 2;
    }
    double ck_ms = (double)(bl_mono_ns() - t_ck) / 1e6;
    if (ncheckins > 0)
        printf("check-ins: %d on %d manual KRs, %.1f ms each (each waits for a commit)\n",
               ncheckins, ncheckins / 2, ck_ms / ncheckins);

    /* okr.tree, no filters, at = now (the same instant for every request). */
    int64_t at = bl_real_ms();
    msgpack_sbuffer_destroy(&tree);
    req_build(&tree, "okr.tree", NULL, at);
    if (!bl_rpc_call(&r, &tree, 30000)) {
        bl_rpc_print_error(&r, "okr.tree");
        goto out;
    }
    tree_count_t tc;
    if (!check_tree(&r, &tc))
        goto out;
    printf("okr.tree reply: %d objectives (%d with progress), %d KRs (%d nil progress):",
           tc.objectives, tc.with_progress, tc.krs, tc.kr_nil_progress);
    for (int s = 0; status_names[s] != NULL; s++)
        if (tc.status[s] > 0)
            printf(" %s %d", status_names[s], tc.status[s]);
    printf("\n");

    timing_t tt = time_op(&r, &tree, WARMUP, nreq, TIMED_CAP_MS, o.pid, "okr.tree");
    if (!tt.ok || !check_tree(&r, &tc))
        goto out;

    char id[64], kr[96];
    objective_id(NROOTS + 4, id, sizeof id); /* a child: o0-5 */
    msgpack_sbuffer_destroy(&objget);
    req_build(&objget, "objective.get", id, at);
    timing_t to = time_op(&r, &objget, 5, 100, 20000, o.pid, "objective.get");
    if (!to.ok)
        goto out;
    snprintf(kr, sizeof kr, "%s.kr1", id); /* a +20% KR: current, baseline, days */
    msgpack_sbuffer_destroy(&krget);
    req_build(&krget, "kr.get", kr, at);
    timing_t tk = time_op(&r, &krget, 5, 100, 20000, o.pid, "kr.get");
    if (!tk.ok)
        goto out;
    timing_t tp = time_op(&r, &ping, 20, 300, 10000, o.pid, "ping");
    if (!tp.ok)
        goto out;

    printf("\n");
    printf("okr.tree %d objectives x %d KRs: p50 %.2f ms p90 %.2f ms p99 %.2f ms max %.2f ms "
           "(target < %.0f ms: p50 %s, p99 %s), reply %.1f KiB; ping p50 %.3f ms\n",
           NOBJ, NKRS, tt.p50, tt.p90, tt.p99, tt.max, TARGET_MS,
           tt.p50 < TARGET_MS ? "met" : "NOT MET", tt.p99 < TARGET_MS ? "met" : "not met",
           (double)tt.reply_bytes / 1024, tp.p50);
    char cpu[64];
    printf("  okr.tree      %d requests, mean %.2f ms, %s\n", tt.n, tt.mean,
           cpu_str(&tt, cpu, sizeof cpu));
    printf("  objective.get p50 %.2f ms p90 %.2f ms (%s, %d requests, reply %.1f KiB, %s)\n",
           to.p50, to.p90, id, to.n, (double)to.reply_bytes / 1024, cpu_str(&to, cpu, sizeof cpu));
    printf("  kr.get        p50 %.2f ms p90 %.2f ms (%s, %d requests, reply %zu B, %s)\n", tk.p50,
           tk.p90, kr, tk.n, tk.reply_bytes, cpu_str(&tk, cpu, sizeof cpu));
    printf("  ping          p50 %.3f ms p90 %.3f ms (%d requests)\n", tp.p50, tp.p90, tp.n);
    fflush(stdout);

    if (loop_s > 0) {
        printf("looping okr.tree for %d s (okrd pid %d)\n", loop_s, (int)o.pid);
        fflush(stdout);
        int64_t end = bl_mono_ns() + (int64_t)loop_s * 1000000000;
        int n = 0;
        while (bl_mono_ns() < end && bl_rpc_roundtrip(&r, &tree, 30000))
            n++;
        printf("  %d requests\n", n);
    }
    status = 0;

out:
    bl_rpc_close(&r);
    msgpack_sbuffer_destroy(&ping);
    msgpack_sbuffer_destroy(&tree);
    msgpack_sbuffer_destroy(&objget);
    msgpack_sbuffer_destroy(&krget);
    if (o.pid > 0) {
        int rc = bl_okrd_stop(&o);
        if (rc != 0) {
            fprintf(stderr, "bench: okrd exited with status %d\n", rc);
            bl_okrd_print_log(&o);
            status = 1;
        }
    }
    zmq_ctx_term(zctx);
    bl_okrd_remove_dir(&o);
    return status;
}
