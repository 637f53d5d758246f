/*
 * query_okr.c - the OKR ops of the query API: okr.tree, objective.get,
 * kr.get and checkin (SPEC sections 3 and 4).
 *
 * Check-ins are written by the writer thread, which owns every write: the
 * op hands the check-in over the PAIR socket, waits for the commit, then
 * answers from a fresh read transaction that sees it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "../common/wire.h"
#include "okr.h"
#include "query_int.h"

#define MAX_NOTE       1000
#define MAX_AUTHOR     200
#define MAX_CHECKINS   1000 /* listed by kr.get, newest kept */
#define WRITER_WAIT_MS 10000

static const char *const kr_type_names[] = {"increase", "decrease", "at_least", "at_most",
                                            "milestone"};

/* Everything evaluated at one instant. */
typedef struct tree {
    obj_eval_t *objs;
    kr_eval_t **krs;
    int n;
} tree_t;

static void tree_free(tree_t *t)
{
    if (t->krs != NULL)
        for (int i = 0; i < t->n; i++)
            free(t->krs[i]);
    free(t->krs);
    free(t->objs);
}

static okr_ctx_t ctx_of(req_t *r)
{
    return (okr_ctx_t){r->rd, r->cfg, avail_now(r)};
}

/* Evaluate the whole tree; false when an error reply was sent. */
static bool tree_eval(req_t *r, int64_t at, tree_t *t)
{
    const config_t *c = r->cfg;
    memset(t, 0, sizeof *t);
    t->n = c->nobjectives;
    t->objs = calloc((size_t)t->n + 1, sizeof *t->objs);
    t->krs = calloc((size_t)t->n + 1, sizeof *t->krs);
    bool ok = t->objs != NULL && t->krs != NULL;
    for (int i = 0; ok && i < t->n; i++) {
        t->krs[i] = calloc((size_t)c->objectives[i].nkrs + 1, sizeof **t->krs);
        ok = t->krs[i] != NULL;
    }
    if (!ok) {
        reply_error(r, "internal", "out of memory");
        tree_free(t);
        return false;
    }
    okr_ctx_t ctx = ctx_of(r);
    if (okr_eval_all(&ctx, at, t->objs, t->krs) != 0) {
        reply_error(r, "internal", "cannot read the key results from the store");
        tree_free(t);
        return false;
    }
    return true;
}

static void kv_opt_int(req_t *r, const char *k, bool has, int64_t v)
{
    pack_key(r, k);
    if (has)
        msgpack_pack_int64(&r->pk, v);
    else
        msgpack_pack_nil(&r->pk);
}

static void kv_status(req_t *r, okr_status_t s)
{
    kv_opt(r, "status", okr_status_name(s));
}

#define KR_FIELDS 20

static void pack_kr_fields(req_t *r, const kr_def_t *kr, const kr_eval_t *e)
{
    const kpi_def_t *k = kr->kpi >= 0 ? &r->cfg->kpis[kr->kpi] : NULL;
    char agg[16];
    kv_str(r, "id", kr->id);
    kv_str(r, "title", kr->title);
    kv_str(r, "type", kr_type_names[kr->type]);
    kv_opt(r, "kpi", k ? k->name : NULL);
    kv_str(r, "unit", k ? k->unit : "");
    kv_opt(r, "aggregate", k && !k->formula ? agg_name(kr->aggregate, agg, sizeof agg) : NULL);
    kv_opt(r, "window", kr->window_str);
    kv_num(r, "start", e->has_start, e->start);
    kv_num(r, "target", e->has_target, e->target);
    kv_num(r, "current", e->has_current, e->current);
    kv_num(r, "progress", e->has_progress, e->progress);
    kv_num(r, "attainment", e->has_progress, e->attainment);
    kv_num(r, "expected", true, e->expected);
    kv_status(r, e->status);
    kv_num(r, "grade", e->has_grade, e->grade);
    kv_num(r, "forecast", e->has_forecast, e->forecast);
    kv_opt_int(r, "eta", e->has_eta, e->eta);
    pack_key(r, "stale");
    if (e->stale)
        msgpack_pack_true(&r->pk);
    else
        msgpack_pack_false(&r->pk);
    kv_opt_int(r, "confidence", e->has_confidence, e->confidence);
    kv_num(r, "weight", true, kr->weight);
}

/* The objective node of i; children are the objectives whose shown parent
 * is i (all of them when shown is NULL). */
static void pack_objective(req_t *r, const tree_t *t, int i, const int *shown, bool as_reply)
{
    const objective_def_t *o = &r->cfg->objectives[i];
    const obj_eval_t *e = &t->objs[i];
    if (as_reply)
        reply_ok(r, 16); /* the node's fields, plus ok */
    else
        msgpack_pack_map(&r->pk, 16);
    kv_str(r, "id", o->id);
    kv_str(r, "title", o->title);
    kv_str(r, "owner", o->owner);
    kv_str(r, "kind", o->kind);
    kv_str(r, "commitment", o->commitment);
    kv_str(r, "period", o->period);
    kv_int(r, "from", o->from);
    kv_int(r, "to", o->to);
    kv_num(r, "weight", true, o->weight);
    kv_num(r, "progress", e->has_progress, e->progress);
    kv_num(r, "expected", true, e->expected);
    kv_status(r, e->status);
    kv_num(r, "grade", e->has_grade, e->grade);
    kv_opt(r, "parent", o->parent >= 0 ? r->cfg->objectives[o->parent].id : NULL);
    pack_key(r, "key_results");
    msgpack_pack_array(&r->pk, (size_t)o->nkrs);
    for (int j = 0; j < o->nkrs; j++) {
        msgpack_pack_map(&r->pk, KR_FIELDS);
        pack_kr_fields(r, &o->krs[j], &t->krs[i][j]);
    }
    pack_key(r, "children");
    int nch = 0;
    for (int ch = i + 1; ch < t->n; ch++)
        nch += (shown ? shown[ch] : r->cfg->objectives[ch].parent) == i;
    msgpack_pack_array(&r->pk, (size_t)nch);
    for (int ch = i + 1; ch < t->n; ch++)
        if ((shown ? shown[ch] : r->cfg->objectives[ch].parent) == i)
            pack_objective(r, t, ch, shown, false);
}

void op_okr_tree(req_t *r)
{
    const config_t *c = r->cfg;
    int64_t at, pfrom = 0, pto = 0;
    char period[64], owner[256];
    int hp = field_str(r, "period", period, sizeof period);
    int ho = field_str(r, "owner", owner, sizeof owner);
    if (hp < 0 || ho < 0 || field_at(r, &at) != 0)
        return;
    if (hp > 0 && cal_parse_period(&c->cal, period, &pfrom, &pto, NULL) != 0) {
        reply_error(r, "bad_request",
                    "invalid period '%s' (use e.g. 2026-Q4, 2026-11, 2026-W47, 2026)", period);
        return;
    }
    tree_t t;
    if (!tree_eval(r, at, &t))
        return;
    /* An objective is listed when it passes the filters (its period
     * overlaps the asked one; its owner is the asked one); it nests under its
     * nearest listed ancestor, or is a root. */
    int *shown = malloc(((size_t)t.n + 1) * sizeof *shown);
    bool *in = malloc(((size_t)t.n + 1) * sizeof *in);
    if (shown == NULL || in == NULL) {
        free(shown);
        free(in);
        tree_free(&t);
        reply_error(r, "internal", "out of memory");
        return;
    }
    int roots = 0;
    for (int i = 0; i < t.n; i++) {
        const objective_def_t *o = &c->objectives[i];
        in[i] = (hp == 0 || (o->from < pto && o->to > pfrom)) &&
                (ho == 0 || strcmp(o->owner, owner) == 0);
        int p = o->parent;
        while (p >= 0 && !in[p])
            p = c->objectives[p].parent;
        shown[i] = in[i] ? p : -2;
        roots += in[i] && p < 0;
    }
    reply_ok(r, 2);
    kv_int(r, "at", at);
    pack_key(r, "objectives");
    msgpack_pack_array(&r->pk, (size_t)roots);
    for (int i = 0; i < t.n; i++)
        if (in[i] && shown[i] < 0)
            pack_objective(r, &t, i, shown, false);
    free(shown);
    free(in);
    tree_free(&t);
}

/* The id field: 1 found, 0 error reply sent. */
static int field_id(req_t *r, const char *key, char *buf, size_t len)
{
    int rc = field_str(r, key, buf, len);
    if (rc == 0)
        reply_error(r, "bad_request", "missing '%s'", key);
    return rc > 0;
}

void op_objective_get(req_t *r)
{
    char id[256];
    int64_t at;
    if (!field_id(r, "id", id, sizeof id) || field_at(r, &at) != 0)
        return;
    const objective_def_t *o = config_objective(r->cfg, id);
    if (o == NULL) {
        reply_error(r, "not_found", "objective '%s' not found", id);
        return;
    }
    tree_t t;
    if (!tree_eval(r, at, &t))
        return;
    pack_objective(r, &t, (int)(o - r->cfg->objectives), NULL, true);
    tree_free(&t);
}

/* ---- kr.get -------------------------------------------------------------- */

typedef struct checkin_list {
    req_t *r;
    msgpack_zone zone;
    int n;
    int64_t oldest;
} checkin_list_t;

static void kv_strn(req_t *r, const char *k, const char *s, uint32_t len)
{
    pack_key(r, k);
    if (s == NULL) {
        msgpack_pack_nil(&r->pk);
        return;
    }
    msgpack_pack_str(&r->pk, len);
    msgpack_pack_str_body(&r->pk, s, len);
}

/* Walking newest first: count, and remember the oldest time seen. */
static int count_checkin(void *ctx, int64_t ts, const void *body, size_t len)
{
    (void)body;
    (void)len;
    checkin_list_t *l = ctx;
    l->n++;
    l->oldest = ts;
    return 0;
}

static int pack_checkin(void *ctx, int64_t ts, const void *body, size_t len)
{
    checkin_list_t *l = ctx;
    req_t *r = l->r;
    checkin_rec_t c;
    okr_checkin_decode(body, len, &l->zone, &c);
    msgpack_pack_map(&r->pk, 6);
    kv_int(r, "ts", ts);
    kv_num(r, "value", c.has_value, c.value);
    pack_key(r, "done");
    if (!c.has_done)
        msgpack_pack_nil(&r->pk);
    else if (c.done)
        msgpack_pack_true(&r->pk);
    else
        msgpack_pack_false(&r->pk);
    kv_opt_int(r, "confidence", c.has_confidence, c.confidence);
    kv_strn(r, "note", c.note, c.note_len);
    kv_strn(r, "author", c.author, c.author_len);
    msgpack_zone_clear(&l->zone);
    return 0;
}

typedef struct hist_list {
    req_t *r;
    int n;
    bool count_only;
} hist_list_t;

static int pack_hist(void *ctx, int64_t day, double progress)
{
    hist_list_t *h = ctx;
    h->n++;
    if (!h->count_only) {
        msgpack_pack_array(&h->r->pk, 2);
        msgpack_pack_int64(&h->r->pk, day);
        msgpack_pack_double(&h->r->pk, progress);
    }
    return 0;
}

/* Pack the reply of kr.get and checkin: the KR node, its check-ins and its
 * history at at. */
static void reply_kr(req_t *r, const kr_def_t *kr, int64_t at)
{
    okr_ctx_t ctx = ctx_of(r);
    kr_eval_t e;
    if (okr_eval_kr(&ctx, kr, at, &e) != 0) {
        reply_error(r, "internal", "cannot read key result '%s' from the store", kr->id);
        return;
    }
    const objective_def_t *o = &r->cfg->objectives[kr->objective];
    int64_t at_r = window_round(&r->cfg->cal, &ctx.av, at);
    reply_ok(r, KR_FIELDS + 4);
    pack_kr_fields(r, kr, &e);
    kv_str(r, "objective", o->id);

    /* The newest MAX_CHECKINS check-ins before at, listed oldest first:
     * count them newest first, then list them from the oldest of those. */
    checkin_list_t cl = {.r = r, .n = 0, .oldest = INT64_MIN};
    msgpack_zone_init(&cl.zone, 1024);
    store_read_checkins(r->rd, kr->id, INT64_MIN, at_r, true, MAX_CHECKINS, count_checkin, &cl);
    pack_key(r, "checkins");
    msgpack_pack_array(&r->pk, (size_t)cl.n);
    store_read_checkins(r->rd, kr->id, cl.n > 0 ? cl.oldest : at_r, at_r, false, cl.n, pack_checkin,
                        &cl);
    msgpack_zone_destroy(&cl.zone);

    hist_list_t h = {r, 0, true};
    store_read_history(r->rd, 'k', kr->id, o->from, at_r, pack_hist, &h);
    pack_key(r, "history");
    msgpack_pack_array(&r->pk, (size_t)h.n);
    h = (hist_list_t){r, 0, false};
    store_read_history(r->rd, 'k', kr->id, o->from, at_r, pack_hist, &h);
    kv_int(r, "at", at);
}

void op_kr_get(req_t *r)
{
    char id[256];
    int64_t at;
    if (!field_id(r, "id", id, sizeof id) || field_at(r, &at) != 0)
        return;
    const kr_def_t *kr = config_kr(r->cfg, id);
    if (kr == NULL) {
        reply_error(r, "not_found", "key result '%s' not found", id);
        return;
    }
    reply_kr(r, kr, at);
}

/* ---- checkin ------------------------------------------------------------- */

/*
 * Hand a check-in to the writer and wait for its commit.  Request
 * {n, kr, ts, body}; reply {n, ok, error?}.  A late reply to an earlier
 * request (one that timed out) is recognised by n and skipped.
 */
static int writer_checkin(req_t *r, const char *kr, int64_t ts, const msgpack_sbuffer *body,
                          char *err, size_t errlen)
{
    if (r->writer == NULL) {
        snprintf(err, errlen, "check-ins cannot be stored by this okrd");
        return -1;
    }
    uint64_t n = ++*r->writer_seq;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    wire_pack_str(&pk, "n");
    msgpack_pack_uint64(&pk, n);
    wire_pack_str(&pk, "kr");
    wire_pack_str(&pk, kr);
    wire_pack_str(&pk, "ts");
    msgpack_pack_int64(&pk, ts);
    wire_pack_str(&pk, "body");
    msgpack_pack_bin(&pk, body->size);
    msgpack_pack_bin_body(&pk, body->data, body->size);
    int rc = zmq_send(r->writer, sb.data, sb.size, 0);
    msgpack_sbuffer_destroy(&sb);
    if (rc < 0) {
        snprintf(err, errlen, "cannot reach the writer: %s", zmq_strerror(errno));
        return -1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long waited = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        zmq_pollitem_t item = {r->writer, 0, ZMQ_POLLIN, 0};
        if (waited >= WRITER_WAIT_MS || zmq_poll(&item, 1, WRITER_WAIT_MS - waited) <= 0) {
            snprintf(err, errlen,
                     "the writer did not confirm the check-in within %d ms; it may still be "
                     "stored: look with kr.get before sending it again",
                     WRITER_WAIT_MS);
            return -1;
        }
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, r->writer, 0) < 0) {
            zmq_msg_close(&msg);
            continue;
        }
        msgpack_zone zone;
        msgpack_zone_init(&zone, 256);
        msgpack_object o;
        size_t off = 0;
        int64_t got = -1;
        bool ok = false;
        if (msgpack_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), &off, &zone, &o) ==
            MSGPACK_UNPACK_SUCCESS) {
            wire_int(wire_map_get(&o, "n"), &got);
            const msgpack_object *okv = wire_map_get(&o, "ok");
            ok = okv != NULL && okv->type == MSGPACK_OBJECT_BOOLEAN && okv->via.boolean;
            if (!ok && wire_str_copy(wire_map_get(&o, "error"), err, errlen) != 0)
                snprintf(err, errlen, "the store refused the check-in");
        }
        msgpack_zone_destroy(&zone);
        zmq_msg_close(&msg);
        if ((uint64_t)got == n)
            return ok ? 0 : -1;
    }
}

void op_checkin(req_t *r)
{
    char kr_id[256];
    if (!field_id(r, "kr", kr_id, sizeof kr_id))
        return;
    const kr_def_t *kr = config_kr(r->cfg, kr_id);
    if (kr == NULL) {
        reply_error(r, "not_found", "key result '%s' not found", kr_id);
        return;
    }
    int64_t ts;
    int hts = field_int(r, "ts", &ts);
    if (hts < 0)
        return;
    if (hts == 0)
        ts = r->now;
    if (ts > r->now + (int64_t)r->cfg->ingest.max_future_s * 1000 ||
        ts < r->now - r->cfg->retention[RES_DAY]) {
        reply_error(r, "bad_request",
                    "'ts' is too far in the future or older than the day retention");
        return;
    }
    /* The stored body: the check-in's own fields, checked. */
    const msgpack_object *value = wire_map_get(r->body, "value");
    const msgpack_object *done = wire_map_get(r->body, "done");
    const msgpack_object *conf = wire_map_get(r->body, "confidence");
    double v;
    int64_t c;
    char note[MAX_NOTE + 1], author[MAX_AUTHOR + 1];
    if (value != NULL && value->type != MSGPACK_OBJECT_NIL &&
        (!wire_number(value, &v) || !isfinite(v))) {
        reply_error(r, "bad_request", "'value' must be a finite number");
        return;
    }
    if (done != NULL && done->type != MSGPACK_OBJECT_NIL && done->type != MSGPACK_OBJECT_BOOLEAN) {
        reply_error(r, "bad_request", "'done' must be true or false");
        return;
    }
    if (conf != NULL && conf->type != MSGPACK_OBJECT_NIL &&
        (!wire_int(conf, &c) || c < 1 || c > 10)) {
        reply_error(r, "bad_request", "'confidence' must be an integer from 1 to 10");
        return;
    }
    int hn = field_str(r, "note", note, sizeof note);
    int ha = hn < 0 ? -1 : field_str(r, "author", author, sizeof author);
    if (hn < 0 || ha < 0)
        return;
    bool hv = value != NULL && value->type != MSGPACK_OBJECT_NIL;
    bool hd = done != NULL && done->type == MSGPACK_OBJECT_BOOLEAN;
    bool hc = conf != NULL && conf->type != MSGPACK_OBJECT_NIL;
    if (!hv && !hd && !hc && hn == 0) {
        reply_error(r, "bad_request", "a check-in needs a value, done, a confidence or a note");
        return;
    }
    if (kr->type == KR_MILESTONE && hv) {
        reply_error(r, "bad_request", "key result '%s' is a milestone: check in done, not a value",
                    kr->id);
        return;
    }
    msgpack_sbuffer body;
    msgpack_sbuffer_init(&body);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (uint32_t)(hv + hd + hc + (hn > 0) + (ha > 0)));
    if (hv) {
        wire_pack_str(&pk, "value");
        msgpack_pack_double(&pk, v);
    }
    if (hd) {
        wire_pack_str(&pk, "done");
        if (done->via.boolean)
            msgpack_pack_true(&pk);
        else
            msgpack_pack_false(&pk);
    }
    if (hc) {
        wire_pack_str(&pk, "confidence");
        msgpack_pack_int64(&pk, c);
    }
    if (hn > 0) {
        wire_pack_str(&pk, "note");
        wire_pack_str(&pk, note);
    }
    if (ha > 0) {
        wire_pack_str(&pk, "author");
        wire_pack_str(&pk, author);
    }
    /* The writer commits; then a new read transaction sees the check-in. */
    char err[256];
    store_reader_end(r->rd);
    int rc = writer_checkin(r, kr->id, ts, &body, err, sizeof err);
    msgpack_sbuffer_destroy(&body);
    if (store_reader_begin(r->rd) != 0) {
        reply_error(r, "internal", "cannot open a read transaction");
        return;
    }
    if (rc != 0) {
        reply_error(r, "internal", "%s", err);
        return;
    }
    /* A check-in counts in queries whose rounded at is after its time. */
    reply_kr(r, kr, ts >= r->now ? ts + 1 : r->now);
}
