#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "../common/calendar.h"
#include "../common/log.h"
#include "../common/wire.h"
#include "kpi.h"
#include "query_int.h"

#define MAX_REQUEST_BYTES (1 << 20)

struct query {
    query_shared_t *sh;
    void *zctx;
    void *sock;
    pthread_t thread;
    atomic_int stop;
};

config_t *query_config(query_shared_t *sh)
{
    pthread_mutex_lock(&sh->lock);
    config_t *c = config_ref(sh->cfg);
    pthread_mutex_unlock(&sh->lock);
    return c;
}

void query_set_config(query_shared_t *sh, config_t *cfg)
{
    config_t *nc = config_ref(cfg);
    pthread_mutex_lock(&sh->lock);
    config_t *old = sh->cfg;
    sh->cfg = nc;
    pthread_mutex_unlock(&sh->lock);
    config_unref(&old);
}

/* ---- replies ------------------------------------------------------------ */

void pack_key(req_t *r, const char *k)
{
    wire_pack_str(&r->pk, k);
}

void kv_str(req_t *r, const char *k, const char *v)
{
    pack_key(r, k);
    wire_pack_str(&r->pk, v);
}

void kv_int(req_t *r, const char *k, int64_t v)
{
    pack_key(r, k);
    msgpack_pack_int64(&r->pk, v);
}

void kv_opt(req_t *r, const char *k, const char *v)
{
    pack_key(r, k);
    if (v != NULL)
        wire_pack_str(&r->pk, v);
    else
        msgpack_pack_nil(&r->pk);
}

void kv_num(req_t *r, const char *k, bool has, double v)
{
    pack_key(r, k);
    wire_pack_num(&r->pk, has, v);
}

/* Start an ok reply with n fields besides ok. */
void reply_ok(req_t *r, uint32_t n)
{
    msgpack_sbuffer_clear(r->out);
    msgpack_pack_map(&r->pk, n + 1);
    pack_key(r, "ok");
    msgpack_pack_true(&r->pk);
}

void reply_error(req_t *r, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    msgpack_sbuffer_clear(r->out);
    msgpack_pack_map(&r->pk, 3);
    pack_key(r, "ok");
    msgpack_pack_false(&r->pk);
    kv_str(r, "error", code);
    kv_str(r, "message", msg);
}

/* ---- request fields ----------------------------------------------------- */

/* A string field into buf: 1 found, 0 absent, -1 wrong type (reply sent). */
int field_str(req_t *r, const char *k, char *buf, size_t len)
{
    const msgpack_object *o = wire_map_get(r->body, k);
    if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (wire_str_copy(o, buf, len) != 0) {
        reply_error(r, "bad_request", "'%s' must be a string of at most %zu bytes", k, len - 1);
        return -1;
    }
    return 1;
}

/* An integer field: 1 found, 0 absent, -1 wrong type (reply sent). */
int field_int(req_t *r, const char *k, int64_t *v)
{
    const msgpack_object *o = wire_map_get(r->body, k);
    if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (!wire_int(o, v) || *v > MAX_ABS_MS || *v < -MAX_ABS_MS) {
        reply_error(r, "bad_request", "'%s' must be an integer (milliseconds since the epoch)", k);
        return -1;
    }
    return 1;
}

/* The KPI named by the request's "name": NULL when a reply was sent. */
static const kpi_def_t *field_kpi(req_t *r)
{
    char name[WIRE_MAX_TOPIC + 1];
    int rc = field_str(r, "name", name, sizeof name);
    if (rc < 0)
        return NULL;
    if (rc == 0) {
        reply_error(r, "bad_request", "missing 'name' (the KPI's name)");
        return NULL;
    }
    const kpi_def_t *k = config_kpi(r->cfg, name);
    if (k == NULL)
        reply_error(r, "not_found", "kpi '%s' not found", name);
    return k;
}

/* The aggregate to report: the request's "aggregate" or the KPI's primary. */
static int field_agg(req_t *r, const kpi_def_t *k, agg_spec_t *a)
{
    char s[16];
    int rc = field_str(r, "aggregate", s, sizeof s);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        *a = k->aggregate;
        return 0;
    }
    if (k->formula != NULL) {
        reply_error(r, "bad_request", "kpi '%s' is derived: its value is its formula, no '%s'",
                    k->name, s);
        return -1;
    }
    if (agg_parse(s, a) != 0) {
        reply_error(r, "bad_request",
                    "unknown aggregate '%s' (count, sum, avg, min, max, last, stddev, rate, "
                    "distinct, p1..p99)",
                    s);
        return -1;
    }
    if ((a->kind == AGG_DISTINCT && !k->distinct) || (a->kind == AGG_QUANTILE && !k->quantiles)) {
        reply_error(r, "bad_request", "aggregate '%s' needs a sketch that kpi '%s' does not keep",
                    s, k->name);
        return -1;
    }
    return 0;
}

/* "at": the request's, or now. */
int field_at(req_t *r, int64_t *at)
{
    int rc = field_int(r, "at", at);
    if (rc == 0)
        *at = r->now;
    return rc < 0 ? -1 : 0;
}

/* ---- ops ---------------------------------------------------------------- */

static void op_ping(req_t *r)
{
    reply_ok(r, 3);
    kv_str(r, "version", OKR_VERSION);
    kv_int(r, "protocol", QUERY_PROTOCOL);
    kv_int(r, "uptime_s", (r->now - r->sh->started_ms) / 1000);
}

/* Distinct sources read by the raw KPIs (derived ones read none). */
static int count_sources(const config_t *c)
{
    int n = 0;
    for (int i = 0; i < c->nkpis; i++) {
        int seen = c->kpis[i].source == NULL;
        for (int j = 0; j < i && !seen; j++)
            seen = c->kpis[j].source != NULL && strcmp(c->kpis[i].source, c->kpis[j].source) == 0;
        n += !seen;
    }
    return n;
}

static void op_stats(req_t *r)
{
    stats_t *s = r->sh->stats;
    reply_ok(r, 10);
    kv_int(r, "received", (int64_t)atomic_load(&s->received));
    kv_int(r, "applied", (int64_t)atomic_load(&s->applied));
    pack_key(r, "rejected");
    msgpack_pack_map(&r->pk, WIRE_REASON_COUNT - 1);
    for (int i = 1; i < WIRE_REASON_COUNT; i++)
        kv_int(r, wire_reason_name((wire_reason_t)i), (int64_t)atomic_load(&s->rejected[i]));
    kv_int(r, "gaps", (int64_t)atomic_load(&s->gaps));
    kv_int(r, "commits", (int64_t)atomic_load(&s->commits));
    kv_int(r, "db_bytes", (int64_t)store_db_bytes(r->sh->store));
    kv_int(r, "kpis", r->cfg->nkpis);
    kv_int(r, "objectives", r->cfg->nobjectives);
    kv_int(r, "sources", count_sources(r->cfg));
    kv_int(r, "publishers", (int64_t)atomic_load(&s->publishers));
}

static void op_kpi_list(req_t *r)
{
    reply_ok(r, 1);
    pack_key(r, "kpis");
    msgpack_pack_array(&r->pk, (size_t)r->cfg->nkpis);
    for (int i = 0; i < r->cfg->nkpis; i++) {
        const kpi_def_t *k = &r->cfg->kpis[i];
        char agg[16];
        /* status: the value over the last 24 h against the thresholds */
        const char *status = NULL;
        if (k->thresholds.set) {
            const cal_t *cal = &r->cfg->cal;
            window_avail_t av = avail_now(r);
            int64_t to = window_round(cal, &av, r->now);
            int64_t from = window_round(cal, &av, to - 24 * MS_HOUR);
            bool has;
            double v;
            if (kpi_value(r->rd, r->cfg, k, k->aggregate, from, to, &has, &v, NULL) == 0 && has)
                status = kpi_status(k, v);
        }
        msgpack_pack_map(&r->pk, 10);
        kv_str(r, "name", k->name);
        kv_str(r, "unit", k->unit);
        kv_str(r, "description", k->description);
        kv_str(r, "kind", k->kind);
        pack_key(r, "derived");
        if (k->formula != NULL)
            msgpack_pack_true(&r->pk);
        else
            msgpack_pack_false(&r->pk);
        kv_opt(r, "source", k->source);
        kv_opt(r, "aggregate", k->formula ? NULL : agg_name(k->aggregate, agg, sizeof agg));
        kv_opt(r, "formula", k->formula_src);
        kv_opt(r, "where", k->where_src);
        kv_opt(r, "status", status);
    }
}

window_avail_t avail_now(req_t *r)
{
    return window_avail_at(r->now, r->cfg->retention);
}

/* Clip [*from, *to) to end at or before at_r: later events do not count. */
static void clip(int64_t at_r, int64_t *from, int64_t *to)
{
    if (*to > at_r)
        *to = at_r;
    if (*from > *to)
        *from = *to;
}

static void op_kpi_get(req_t *r)
{
    const kpi_def_t *k = field_kpi(r);
    if (k == NULL)
        return;
    agg_spec_t agg;
    int64_t at;
    if (field_agg(r, k, &agg) != 0 || field_at(r, &at) != 0)
        return;

    const cal_t *cal = &r->cfg->cal;
    window_t w;
    char wname[64] = "24h";
    const msgpack_object *wo = wire_map_get(r->body, "window");
    if (wo == NULL || wo->type == MSGPACK_OBJECT_NIL ||
        wire_str_copy(wo, wname, sizeof wname) == 0) {
        if (window_parse(cal, wname, &w) != 0) {
            reply_error(r, "bad_request",
                        "invalid window '%s' (use e.g. 24h, 7d, mtd, qtd, 2026-Q4, 2026-11 or "
                        "{from, to})",
                        wname);
            return;
        }
    } else if (wo->type == MSGPACK_OBJECT_MAP) {
        int64_t f, t;
        if (!wire_int(wire_map_get(wo, "from"), &f) || !wire_int(wire_map_get(wo, "to"), &t) ||
            f > t || f < -MAX_ABS_MS || t > MAX_ABS_MS) {
            reply_error(r, "bad_request",
                        "window {from, to} needs integer 'from' <= 'to' (ms since the epoch)");
            return;
        }
        w = (window_t){.kind = WIN_EXPLICIT, .from = f, .to = t};
        snprintf(wname, sizeof wname, "custom");
    } else {
        reply_error(r, "bad_request", "'window' must be a string or a map {from, to}");
        return;
    }

    window_avail_t av = avail_now(r);
    int64_t from, to, pfrom, pto;
    window_resolve(cal, &av, &w, at, &from, &to, &pfrom, &pto);
    int64_t at_r = window_round(cal, &av, at);
    clip(at_r, &from, &to);
    clip(at_r, &pfrom, &pto);

    agg_state_t cur = AGG_STATE_EMPTY, prev = AGG_STATE_EMPTY;
    double v, pv, x;
    bool hv, hp;
    if (kpi_value(r->rd, r->cfg, k, agg, from, to, &hv, &v, &cur) != 0 ||
        kpi_value(r->rd, r->cfg, k, agg, pfrom, pto, &hp, &pv, &prev) != 0) {
        reply_error(r, "internal", "cannot read kpi '%s' from the store", k->name);
        return;
    }
    /* The status is the primary value's, whatever aggregate was asked. */
    const char *status = NULL;
    if (k->thresholds.set) {
        bool hs = hv;
        double sv = v;
        if (agg.kind != k->aggregate.kind || agg.q != k->aggregate.q)
            if (kpi_value(r->rd, r->cfg, k, k->aggregate, from, to, &hs, &sv, NULL) != 0)
                hs = false;
        status = hs ? kpi_status(k, sv) : NULL;
    }
    /* which way is better, for a KPI with thresholds */
    const char *direction = !k->thresholds.set ? NULL : k->thresholds.higher ? "higher" : "lower";
    bool hc = hv && hp && pv != 0;
    double change = hc ? (v - pv) / fabs(pv) * 100 : 0;
    if (k->formula != NULL) {
        /* A derived KPI has a value, not a state. */
        reply_ok(r, 11);
        kv_str(r, "name", k->name);
        kv_str(r, "unit", k->unit);
        kv_str(r, "window", wname);
        kv_int(r, "from", from);
        kv_int(r, "to", to);
        kv_num(r, "value", hv, v);
        kv_num(r, "previous", hp, pv);
        kv_num(r, "change_pct", hc, change);
        kv_opt(r, "status", status);
        kv_opt(r, "direction", direction);
        kv_str(r, "formula", k->formula_src);
        return;
    }
    /* The sketches' answers, for the KPIs that keep them: one read. */
    bool hd = false, hq[3] = {false, false, false};
    double dv = 0, qv[3];
    static const int qs[3] = {50, 90, 99};
    if (k->distinct || k->quantiles) {
        hll_t *hll = k->distinct ? hll_new() : NULL;
        qsk_t *qsk = k->quantiles ? qsk_new() : NULL;
        agg_state_t unused;
        if ((hll || !k->distinct) && (qsk || !k->quantiles) &&
            kpi_state_sketch(r->rd, cal, k, from, to, &unused, hll, qsk) == 0) {
            if (hll != NULL) {
                hd = true;
                dv = hll_count(hll);
            }
            for (int i = 0; qsk != NULL && i < 3; i++)
                hq[i] = qsk_quantile(qsk, qs[i] / 100.0, &qv[i]);
        }
        hll_free(&hll);
        qsk_free(&qsk);
    }
    char aname[16];
    reply_ok(r, 19 + k->distinct + k->quantiles);
    kv_str(r, "name", k->name);
    kv_str(r, "unit", k->unit);
    kv_str(r, "window", wname);
    kv_str(r, "aggregate", agg_name(agg, aname, sizeof aname));
    kv_int(r, "from", from);
    kv_int(r, "to", to);
    kv_num(r, "value", hv, v);
    kv_int(r, "count", (int64_t)cur.count);
    static const agg_kind_t kinds[] = {AGG_SUM,  AGG_AVG,    AGG_MIN, AGG_MAX,
                                       AGG_LAST, AGG_STDDEV, AGG_RATE};
    static const char *const names[] = {"sum", "avg", "min", "max", "last", "stddev", "rate"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        bool h = agg_value(&cur, (agg_spec_t){kinds[i], 0}, to - from, &x);
        kv_num(r, names[i], h, x);
    }
    kv_num(r, "previous", hp, pv);
    kv_num(r, "change_pct", hc, change);
    kv_opt(r, "status", status);
    kv_opt(r, "direction", direction);
    if (k->distinct)
        kv_num(r, "distinct", hd, dv);
    if (k->quantiles) {
        pack_key(r, "quantiles");
        msgpack_pack_map(&r->pk, 3);
        for (int i = 0; i < 3; i++) {
            char qn[8];
            snprintf(qn, sizeof qn, "p%d", qs[i]);
            kv_num(r, qn, hq[i], qv[i]);
        }
    }
}

static void op_kpi_series(req_t *r)
{
    const kpi_def_t *k = field_kpi(r);
    if (k == NULL)
        return;
    agg_spec_t agg;
    int64_t at, from, to, step;
    if (field_agg(r, k, &agg) != 0 || field_at(r, &at) != 0)
        return;
    int hf = field_int(r, "from", &from), ht = field_int(r, "to", &to);
    if (hf < 0 || ht < 0)
        return;
    if (hf == 0 || ht == 0 || from > to) {
        reply_error(r, "bad_request",
                    "kpi.series needs integer 'from' <= 'to' (ms since the epoch)");
        return;
    }
    char sstep[32];
    int hs = field_str(r, "step", sstep, sizeof sstep);
    if (hs < 0)
        return;
    if (hs == 0 || cal_parse_duration(sstep, &step) != 0 || step % MS_MINUTE != 0 ||
        step > MAX_ABS_MS) {
        reply_error(r, "bad_request",
                    "'step' must be a duration of whole minutes: 1m, 5m, 1h, 1d...");
        return;
    }
    const cal_t *cal = &r->cfg->cal;
    window_avail_t av = avail_now(r);
    from = window_round(cal, &av, from);
    to = window_round(cal, &av, to);
    int64_t at_r = window_round(cal, &av, at);
    /* The finest buckets kept at from must divide the step. */
    res_t res = RES_MINUTE;
    while (res < RES_DAY && from < av.keep_from[res])
        res = (res_t)(res + 1);
    if (step % res_ms(res) != 0) {
        reply_error(r, "bad_request",
                    "step '%s' is finer than the %s buckets kept for that time; use a multiple "
                    "of 1%c",
                    sstep, res_name(res), res == RES_HOUR ? 'h' : 'd');
        return;
    }
    int64_t npoints = (to - from + step - 1) / step;
    if (npoints > QUERY_MAX_POINTS) {
        reply_error(r, "bad_request", "%lld points asked, at most %d: use a larger step",
                    (long long)npoints, QUERY_MAX_POINTS);
        return;
    }
    /* Read every point before packing: a store error must not leave half a reply. */
    double *vals = malloc(((size_t)npoints + 1) * sizeof *vals);
    bool *has = malloc(((size_t)npoints + 1) * sizeof *has);
    if (vals == NULL || has == NULL) {
        free(vals);
        free(has);
        reply_error(r, "internal", "out of memory");
        return;
    }
    for (int64_t i = 0; i < npoints; i++) {
        int64_t s = from + i * step, e = s + step < to ? s + step : to;
        clip(at_r, &s, &e);

        has[i] = false;
        if (s >= e && from + i * step >= at_r)
            continue; /* the future has no value yet */
        if (kpi_value(r->rd, r->cfg, k, agg, s, e, &has[i], &vals[i], NULL) != 0) {
            free(vals);
            free(has);
            reply_error(r, "internal", "cannot read kpi '%s' from the store", k->name);
            return;
        }
    }
    char aname[16];
    reply_ok(r, 6);
    kv_str(r, "name", k->name);
    kv_opt(r, "aggregate", k->formula ? NULL : agg_name(agg, aname, sizeof aname));
    kv_int(r, "from", from);
    kv_int(r, "to", to);
    kv_int(r, "step", step);
    pack_key(r, "points");
    msgpack_pack_array(&r->pk, (size_t)npoints);
    for (int64_t i = 0; i < npoints; i++) {
        msgpack_pack_array(&r->pk, 2);
        msgpack_pack_int64(&r->pk, from + i * step);
        wire_pack_num(&r->pk, has[i], vals[i]);
    }
    free(vals);
    free(has);
}

typedef struct source_list {
    req_t *r;
    uint32_t n;
    bool count_only;
} source_list_t;

static int pack_source(void *ctx, const char *id, size_t len, const source_rec_t *rec)
{
    source_list_t *sl = ctx;
    sl->n++;
    if (sl->count_only)
        return 0;
    req_t *r = sl->r;
    msgpack_pack_map(&r->pk, 4);
    pack_key(r, "source_id");
    msgpack_pack_str(&r->pk, len);
    msgpack_pack_str_body(&r->pk, id, len);
    pack_key(r, "last_seq");
    if (rec->has_seq)
        msgpack_pack_uint64(&r->pk, rec->last_seq);
    else
        msgpack_pack_nil(&r->pk);
    kv_int(r, "last_ts", rec->last_ts);
    kv_int(r, "gaps", (int64_t)rec->gaps);
    return 0;
}

static void op_source_list(req_t *r)
{
    /* Two passes over one snapshot: the count, then the records. */
    source_list_t sl = {r, 0, true};
    if (store_read_sources(r->rd, pack_source, &sl) != 0) {
        reply_error(r, "internal", "cannot read the publishers from the store");
        return;
    }
    reply_ok(r, 1);
    pack_key(r, "sources");
    msgpack_pack_array(&r->pk, sl.n);
    sl = (source_list_t){r, 0, false};
    store_read_sources(r->rd, pack_source, &sl);
}

static const struct {
    const char *name;
    void (*fn)(req_t *r);
} ops[] = {
    {"ping", op_ping},
    {"stats", op_stats},
    {"kpi.list", op_kpi_list},
    {"kpi.get", op_kpi_get},
    {"kpi.series", op_kpi_series},
    {"source.list", op_source_list},
    {"okr.tree", op_okr_tree},
    {"objective.get", op_objective_get},
    {"kr.get", op_kr_get},
    {"checkin", op_checkin},
};

void query_handle(query_shared_t *sh, store_reader_t *rd, void *writer, const char *data,
                  size_t len, int64_t now_ms, msgpack_sbuffer *out)
{
    static uint64_t writer_seq; /* only the query thread answers requests */
    req_t r = {
        .sh = sh, .rd = rd, .now = now_ms, .out = out, .writer = writer, .writer_seq = &writer_seq};
    msgpack_packer_init(&r.pk, out, msgpack_sbuffer_write);
    msgpack_sbuffer_clear(out);

    msgpack_zone zone;
    msgpack_zone_init(&zone, 4096);
    msgpack_object body;
    size_t off = 0;
    msgpack_unpack_return urc = MSGPACK_UNPACK_PARSE_ERROR;
    if (wire_plausible(data, len))
        urc = msgpack_unpack(data, len, &off, &zone, &body);
    if (urc != MSGPACK_UNPACK_SUCCESS || body.type != MSGPACK_OBJECT_MAP) {
        reply_error(&r, "bad_request", "a request is one MessagePack map with an 'op'");
        msgpack_zone_destroy(&zone);
        return;
    }
    r.body = &body;
    char op[32];
    const msgpack_object *o = wire_map_get(&body, "op");
    if (o == NULL || wire_str_copy(o, op, sizeof op) != 0) {
        reply_error(&r, "bad_request", "missing 'op' (a string such as \"ping\")");
        msgpack_zone_destroy(&zone);
        return;
    }
    size_t i = 0;
    while (i < sizeof ops / sizeof *ops && strcmp(ops[i].name, op) != 0)
        i++;
    if (i == sizeof ops / sizeof *ops) {
        reply_error(&r, "bad_request", "unknown op '%s'", op);
        msgpack_zone_destroy(&zone);
        return;
    }
    r.cfg = query_config(sh);
    if (store_reader_begin(rd) != 0) {
        reply_error(&r, "internal", "cannot open a read transaction");
    } else {
        ops[i].fn(&r);
        store_reader_end(rd);
    }
    config_unref(&r.cfg);
    msgpack_zone_destroy(&zone);
}

/* ---- the thread ---------------------------------------------------------- */

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *query_main(void *arg)
{
    query_t *q = arg;
    store_reader_t *rd = NULL;
    if (store_reader_open(q->sh->store, &rd) != 0) {
        log_error("event=query_thread_failed reason=no_reader");
        return NULL;
    }
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    void *writer = zmq_socket(q->zctx, ZMQ_PAIR);
    int linger = 0;
    zmq_setsockopt(writer, ZMQ_LINGER, &linger, sizeof linger);
    if (writer != NULL && zmq_connect(writer, QUERY_WRITER_ENDPOINT) != 0) {
        zmq_close(writer);
        writer = NULL;
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (!atomic_load(&q->stop)) {
        zmq_pollitem_t item = {q->sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, 200);
        if (n <= 0)
            continue;
        if (zmq_msg_recv(&msg, q->sock, ZMQ_DONTWAIT) < 0)
            continue;
        /* A request is one frame; extra frames are read and make it invalid. */
        bool extra = false;
        while (zmq_msg_more(&msg) && !extra) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            while (zmq_msg_recv(&part, q->sock, 0) >= 0 && zmq_msg_more(&part))
                ;
            zmq_msg_close(&part);
            extra = true;
        }
        if (extra)
            query_handle(q->sh, rd, writer, "", 0, clock_ms(), &out);
        else
            query_handle(q->sh, rd, writer, zmq_msg_data(&msg), zmq_msg_size(&msg), clock_ms(),
                         &out);
        if (zmq_send(q->sock, out.data, out.size, 0) < 0)
            log_warn("event=reply_failed error=\"%s\"", zmq_strerror(errno));
    }
    zmq_msg_close(&msg);
    if (writer != NULL)
        zmq_close(writer);
    msgpack_sbuffer_destroy(&out);
    store_reader_close(&rd);
    return NULL;
}

int query_start(query_t **out, void *zctx, query_shared_t *sh, char *err, size_t errlen)
{
    *out = NULL;
    query_t *q = calloc(1, sizeof *q);
    if (q == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    q->sh = sh;
    q->zctx = zctx;
    q->sock = zmq_socket(zctx, ZMQ_REP);
    if (q->sock == NULL) {
        snprintf(err, errlen, "cannot create the query socket: %s", zmq_strerror(errno));
        free(q);
        return -1;
    }
    int64_t maxmsg = MAX_REQUEST_BYTES;
    int linger = 0;
    zmq_setsockopt(q->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(q->sock, ZMQ_LINGER, &linger, sizeof linger);
    config_t *cfg = query_config(sh);
    for (int i = 0; i < cfg->query.bind.n; i++) {
        if (zmq_bind(q->sock, cfg->query.bind.v[i]) != 0) {
            snprintf(err, errlen, "cannot bind the query socket to '%s': %s", cfg->query.bind.v[i],
                     zmq_strerror(errno));
            config_unref(&cfg);
            zmq_close(q->sock);
            free(q);
            return -1;
        }
    }
    config_unref(&cfg);
    int rc = pthread_create(&q->thread, NULL, query_main, q);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the query thread: %s", strerror(rc));
        zmq_close(q->sock);
        free(q);
        return -1;
    }
    *out = q;
    return 0;
}

void query_stop(query_t **qp)
{
    if (qp == NULL || *qp == NULL)
        return;
    query_t *q = *qp;
    atomic_store(&q->stop, 1);
    pthread_join(q->thread, NULL);
    zmq_close(q->sock);
    free(q);
    *qp = NULL;
}
