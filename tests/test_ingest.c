/*
 * test_ingest.c - the event decoding and validation table: every message of
 * must_parse is applied, every one of must_not_parse is rejected with its
 * reason, counted, and changes no bucket.  Fed through ingest_message(),
 * the same path the SUB socket uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "config.h"
#include "ingest.h"
#include "sources.h"
#include "stats.h"
#include "wire.h"

#define NOW INT64_C(1795000000000) /* 2026-11-18 */

typedef struct fixture {
    config_t *cfg;
    aggr_t *aggr;
    sources_t *src;
    stats_counts_t counts;
    ingest_t *in;
    char path[64];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/okrd-ingest-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    const char *text = "daemon = { state_dir = \"/tmp/unused\"; };\n"
                       "kpis = ( { name = \"sales.order\"; },\n"
                       "         { name = \"sales.aov\"; source = \"sales.order\"; aggregate = "
                       "\"avg\"; },\n"
                       "         { name = \"hr.hire\"; } );\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *errors = NULL;
    if (config_load(f->path, &f->cfg, &errors) != 0)
        fail_msg("config: %s", errors);
    for (int i = 0; i < f->cfg->nkpis; i++)
        f->cfg->kpis[i].id = (uint32_t)i + 1;
    f->aggr = aggr_new();
    f->src = sources_new();
    f->in = ingest_new(f->cfg, f->aggr, f->src, &f->counts);
    assert_non_null(f->in);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    ingest_destroy(&f->in);
    aggr_destroy(&f->aggr);
    sources_destroy(&f->src);
    config_unref(&f->cfg);
    unlink(f->path);
    free(f);
    return 0;
}

/* ---- building bodies ---- */

typedef struct body {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} body_t;

static void body_init(body_t *b)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
}

static void key(body_t *b, const char *k)
{
    wire_pack_str(&b->pk, k);
}

static void str_of(body_t *b, char c, size_t n)
{
    char *s = malloc(n);
    memset(s, c, n);
    msgpack_pack_str(&b->pk, n);
    msgpack_pack_str_body(&b->pk, s, n);
    free(s);
}

typedef void (*build_fn)(body_t *b);

/* One event map with one interesting field (plus value 1 when it is not value). */
#define EVENT1(name, field_code)                                                                   \
    static void name(body_t *b)                                                                    \
    {                                                                                              \
        msgpack_pack_map(&b->pk, 2);                                                               \
        key(b, "ts");                                                                              \
        msgpack_pack_int64(&b->pk, NOW - 1000);                                                    \
        field_code;                                                                                \
    }

EVENT1(ev_plain, {
    key(b, "value");
    msgpack_pack_double(&b->pk, 12.5);
})
EVENT1(ev_int_value, {
    key(b, "value");
    msgpack_pack_int64(&b->pk, -7);
})
EVENT1(ev_no_value, {
    key(b, "unknown_key");
    msgpack_pack_array(&b->pk, 0);
})
EVENT1(ev_key256, {
    key(b, "key");
    str_of(b, 'k', 256);
})
EVENT1(ev_source_id64, {
    key(b, "source_id");
    str_of(b, 's', 64);
})
EVENT1(ev_nan, {
    key(b, "value");
    msgpack_pack_double(&b->pk, NAN);
})
EVENT1(ev_inf, {
    key(b, "value");
    msgpack_pack_double(&b->pk, -INFINITY);
})
EVENT1(ev_str_value, {
    key(b, "value");
    wire_pack_str(&b->pk, "12");
})
EVENT1(ev_nil_value, {
    key(b, "value");
    msgpack_pack_nil(&b->pk);
})
EVENT1(ev_bool_value, {
    key(b, "value");
    msgpack_pack_true(&b->pk);
})
EVENT1(ev_key257, {
    key(b, "key");
    str_of(b, 'k', 257);
})
EVENT1(ev_key_int, {
    key(b, "key");
    msgpack_pack_int(&b->pk, 5);
})
EVENT1(ev_source_id65, {
    key(b, "source_id");
    str_of(b, 's', 65);
})
EVENT1(ev_seq_neg, {
    key(b, "seq");
    msgpack_pack_int(&b->pk, -1);
})
EVENT1(ev_seq_str, {
    key(b, "seq");
    wire_pack_str(&b->pk, "1");
})
EVENT1(ev_tags_arr, {
    key(b, "tags");
    msgpack_pack_array(&b->pk, 0);
})
EVENT1(ev_tag_int, {
    key(b, "tags");
    msgpack_pack_map(&b->pk, 1);
    key(b, "team");
    msgpack_pack_int(&b->pk, 1);
})
EVENT1(ev_tag_long, {
    key(b, "tags");
    msgpack_pack_map(&b->pk, 1);
    key(b, "team");
    str_of(b, 't', 65);
})
EVENT1(ev_tags17, {
    key(b, "tags");
    msgpack_pack_map(&b->pk, 17);
    for (int i = 0; i < 17; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        key(b, k);
        key(b, "v");
    }
})
EVENT1(ev_tags16, {
    key(b, "tags");
    msgpack_pack_map(&b->pk, 16);
    for (int i = 0; i < 16; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        key(b, k);
        str_of(b, 'v', 64);
    }
})

static void ev_ts_float(body_t *b)
{
    msgpack_pack_map(&b->pk, 1);
    key(b, "ts");
    msgpack_pack_double(&b->pk, (double)NOW);
}

static void ev_ts(body_t *b, int64_t ts)
{
    msgpack_pack_map(&b->pk, 1);
    key(b, "ts");
    msgpack_pack_int64(&b->pk, ts);
}

static void ev_future_ok(body_t *b)
{
    ev_ts(b, NOW + 300 * 1000);
}
static void ev_future_bad(body_t *b)
{
    ev_ts(b, NOW + 300 * 1000 + 1);
}
static void ev_old_ok(body_t *b)
{
    ev_ts(b, NOW - 5 * 365 * INT64_C(86400000));
}
static void ev_old_bad(body_t *b)
{
    ev_ts(b, NOW - 5 * 365 * INT64_C(86400000) - 1);
}
static void ev_no_ts(body_t *b)
{
    msgpack_pack_map(&b->pk, 0);
}

static void batch_3(body_t *b)
{
    msgpack_pack_array(&b->pk, 3);
    for (int i = 0; i < 3; i++)
        ev_plain(b);
}
static void batch_10000(body_t *b)
{
    msgpack_pack_array(&b->pk, 10000);
    for (int i = 0; i < 10000; i++)
        ev_no_ts(b);
}
static void batch_10001(body_t *b)
{
    msgpack_pack_array(&b->pk, 10001);
    for (int i = 0; i < 10001; i++)
        ev_no_ts(b);
}
static void batch_empty(body_t *b)
{
    msgpack_pack_array(&b->pk, 0);
}
static void batch_nonmap(body_t *b)
{
    msgpack_pack_array(&b->pk, 2);
    ev_plain(b);
    msgpack_pack_int(&b->pk, 1);
}
static void body_int(body_t *b)
{
    msgpack_pack_int(&b->pk, 42);
}
static void body_str(body_t *b)
{
    wire_pack_str(&b->pk, "value");
}
static void body_trailing(body_t *b)
{
    ev_plain(b);
    msgpack_pack_nil(&b->pk);
}
static void body_truncated(body_t *b)
{
    ev_plain(b);
    b->sb.size -= 3;
}
static void body_invalid(body_t *b)
{
    msgpack_sbuffer_write(&b->sb, "\xc1\xc1\xc1", 3); /* 0xc1 is never used */
}
/* Headers that claim far more elements than the message holds. */
static void body_claims_array32(body_t *b)
{
    msgpack_sbuffer_write(&b->sb, "\xdd\xff\xff\xff\xff", 5);
}
static void body_claims_map32(body_t *b)
{
    msgpack_sbuffer_write(&b->sb, "\xdf\xff\xff\xff\xff", 5);
}
static void body_claims_nested(body_t *b)
{
    msgpack_sbuffer_write(&b->sb, "\x91\xdd\x7f\xff\xff\xff", 6);
}
static void body_claims_str(body_t *b)
{
    msgpack_sbuffer_write(&b->sb, "\x81\xa5value\xdb\xff\xff\xff\xff", 12);
}

static void body_deep(body_t *b)
{
    for (int i = 0; i < 1000; i++)
        msgpack_pack_array(&b->pk, 1);
    msgpack_pack_map(&b->pk, 0);
}
/* A mixed batch: each event is judged on its own. */
static void batch_mixed(body_t *b)
{
    msgpack_pack_array(&b->pk, 4);
    ev_plain(b);
    ev_nan(b);
    ev_key257(b);
    ev_future_bad(b);
}

typedef struct row {
    const char *name;
    int nframes;
    const char *topic;
    build_fn build;
    uint64_t applied;
    wire_reason_t why; /* WIRE_OK: nothing rejected */
    uint64_t rejected;
} row_t;

static const row_t must_parse[] = {
    {"float value", 2, "sales.order", ev_plain, 1, WIRE_OK, 0},
    {"negative int value", 2, "sales.order", ev_int_value, 1, WIRE_OK, 0},
    {"no value (occurrence), unknown key ignored", 2, "sales.order", ev_no_value, 1, WIRE_OK, 0},
    {"no ts (time of receipt)", 2, "hr.hire", ev_no_ts, 1, WIRE_OK, 0},
    {"key of 256 bytes", 2, "sales.order", ev_key256, 1, WIRE_OK, 0},
    {"source_id of 64 bytes", 2, "sales.order", ev_source_id64, 1, WIRE_OK, 0},
    {"16 tags of 64-byte values", 2, "sales.order", ev_tags16, 1, WIRE_OK, 0},
    {"ts max_future_s ahead", 2, "sales.order", ev_future_ok, 1, WIRE_OK, 0},
    {"ts at the day retention", 2, "sales.order", ev_old_ok, 1, WIRE_OK, 0},
    {"batch of 3", 2, "sales.order", batch_3, 3, WIRE_OK, 0},
    {"batch of 10000", 2, "sales.order", batch_10000, 10000, WIRE_OK, 0},
};

static const row_t must_not_parse[] = {
    {"one frame", 1, "sales.order", ev_plain, 0, WIRE_MALFORMED, 1},
    {"three frames", 3, "sales.order", ev_plain, 0, WIRE_MALFORMED, 1},
    {"body not msgpack", 2, "sales.order", body_invalid, 0, WIRE_MALFORMED, 1},
    {"body truncated", 2, "sales.order", body_truncated, 0, WIRE_MALFORMED, 1},
    {"trailing bytes", 2, "sales.order", body_trailing, 0, WIRE_MALFORMED, 1},
    {"body an int", 2, "sales.order", body_int, 0, WIRE_MALFORMED, 1},
    {"body a string", 2, "sales.order", body_str, 0, WIRE_MALFORMED, 1},
    {"empty batch", 2, "sales.order", batch_empty, 0, WIRE_MALFORMED, 1},
    {"batch with a non-map", 2, "sales.order", batch_nonmap, 0, WIRE_MALFORMED, 1},
    {"batch of 10001", 2, "sales.order", batch_10001, 0, WIRE_MALFORMED, 1},
    {"nested 1000 deep", 2, "sales.order", body_deep, 0, WIRE_MALFORMED, 1},
    {"array32 header claiming 2^32-1", 2, "sales.order", body_claims_array32, 0, WIRE_MALFORMED, 1},
    {"map32 header claiming 2^32-1", 2, "sales.order", body_claims_map32, 0, WIRE_MALFORMED, 1},
    {"nested array claiming 2^31", 2, "sales.order", body_claims_nested, 0, WIRE_MALFORMED, 1},
    {"str32 longer than the body", 2, "sales.order", body_claims_str, 0, WIRE_MALFORMED, 1},
    {"key of 257 bytes", 2, "sales.order", ev_key257, 0, WIRE_MALFORMED, 1},
    {"key not a string", 2, "sales.order", ev_key_int, 0, WIRE_MALFORMED, 1},
    {"source_id of 65 bytes", 2, "sales.order", ev_source_id65, 0, WIRE_MALFORMED, 1},
    {"negative seq", 2, "sales.order", ev_seq_neg, 0, WIRE_MALFORMED, 1},
    {"seq a string", 2, "sales.order", ev_seq_str, 0, WIRE_MALFORMED, 1},
    {"tags an array", 2, "sales.order", ev_tags_arr, 0, WIRE_MALFORMED, 1},
    {"tag value an int", 2, "sales.order", ev_tag_int, 0, WIRE_MALFORMED, 1},
    {"tag value of 65 bytes", 2, "sales.order", ev_tag_long, 0, WIRE_MALFORMED, 1},
    {"17 tags", 2, "sales.order", ev_tags17, 0, WIRE_MALFORMED, 1},
    {"ts a float", 2, "sales.order", ev_ts_float, 0, WIRE_MALFORMED, 1},
    {"topic with a space", 2, "sales order", ev_plain, 0, WIRE_BAD_TOPIC, 1},
    {"topic with a NUL-free non-ASCII byte", 2, "sales\xc3\xa9", ev_plain, 0, WIRE_BAD_TOPIC, 1},
    {"bad topic counts each event", 2, "sales*order", batch_3, 0, WIRE_BAD_TOPIC, 3},
    {"unknown source", 2, "sales.refund", ev_plain, 0, WIRE_UNKNOWN_SOURCE, 1},
    {"unknown source counts each event", 2, "sales.ord", batch_3, 0, WIRE_UNKNOWN_SOURCE, 3},
    {"NaN", 2, "sales.order", ev_nan, 0, WIRE_BAD_VALUE, 1},
    {"-inf", 2, "sales.order", ev_inf, 0, WIRE_BAD_VALUE, 1},
    {"value a string", 2, "sales.order", ev_str_value, 0, WIRE_BAD_VALUE, 1},
    {"value nil", 2, "sales.order", ev_nil_value, 0, WIRE_BAD_VALUE, 1},
    {"value a bool", 2, "sales.order", ev_bool_value, 0, WIRE_BAD_VALUE, 1},
    {"ts 1 ms past max_future_s", 2, "sales.order", ev_future_bad, 0, WIRE_BAD_TIME, 1},
    {"ts 1 ms past the day retention", 2, "sales.order", ev_old_bad, 0, WIRE_BAD_TIME, 1},
};

static void feed(fixture_t *f, const row_t *r)
{
    body_t b;
    body_init(&b);
    r->build(&b);
    ingest_message(f->in, r->nframes, r->topic, strlen(r->topic), b.sb.data, b.sb.size, NOW);
    msgpack_sbuffer_destroy(&b.sb);
}

static void check_row(fixture_t *f, const row_t *r)
{
    stats_counts_t before = f->counts;
    size_t buckets = aggr_size(f->aggr);
    feed(f, r);
    uint64_t rej = 0, rej_before = 0;
    for (int i = 1; i < WIRE_REASON_COUNT; i++) {
        rej += f->counts.rejected[i];
        rej_before += before.rejected[i];
    }
    if (f->counts.applied - before.applied != r->applied)
        fail_msg("%s: applied %llu, expected %llu", r->name,
                 (unsigned long long)(f->counts.applied - before.applied),
                 (unsigned long long)r->applied);
    if (r->why != WIRE_OK && f->counts.rejected[r->why] - before.rejected[r->why] != r->rejected)
        fail_msg("%s: %s counted %llu, expected %llu", r->name, wire_reason_name(r->why),
                 (unsigned long long)(f->counts.rejected[r->why] - before.rejected[r->why]),
                 (unsigned long long)r->rejected);
    if (rej - rej_before != r->rejected)
        fail_msg("%s: %llu rejected in all, expected %llu", r->name,
                 (unsigned long long)(rej - rej_before), (unsigned long long)r->rejected);
    assert_int_equal(f->counts.received - before.received, r->applied + r->rejected);
    if (r->applied == 0)
        assert_int_equal(aggr_size(f->aggr), buckets); /* nothing partly applied */
}

static void test_must_parse(void **state)
{
    for (size_t i = 0; i < sizeof must_parse / sizeof *must_parse; i++)
        check_row(*state, &must_parse[i]);
}

static void test_must_not_parse(void **state)
{
    for (size_t i = 0; i < sizeof must_not_parse / sizeof *must_not_parse; i++)
        check_row(*state, &must_not_parse[i]);
}

static void test_mixed_batch(void **state)
{
    fixture_t *f = *state;
    row_t r = {"mixed", 2, "sales.order", batch_mixed, 1, WIRE_OK, 3};
    feed(f, &r);
    assert_int_equal(f->counts.applied, 1);
    assert_int_equal(f->counts.rejected[WIRE_BAD_VALUE], 1);
    assert_int_equal(f->counts.rejected[WIRE_MALFORMED], 1);
    assert_int_equal(f->counts.rejected[WIRE_BAD_TIME], 1);
}

/* An event goes to every KPI of its source, at the three resolutions. */
typedef struct seen {
    double sum[8];
    uint64_t n[8];
    int res_count[RES_COUNT];
} seen_t;

static int collect(void *ctx, const bucket_key_t *k, const agg_state_t *st)
{
    seen_t *s = ctx;
    if (k->res == RES_DAY) {
        s->sum[k->kpi] += st->sum;
        s->n[k->kpi] += st->count;
    }
    s->res_count[k->res]++;
    return 0;
}

static void send_seq_ts(fixture_t *f, const char *sid, uint64_t seq, double v, int64_t ts)
{
    body_t b;
    body_init(&b);
    msgpack_pack_map(&b.pk, 4);
    key(&b, "value");
    msgpack_pack_double(&b.pk, v);
    key(&b, "ts");
    msgpack_pack_int64(&b.pk, ts);
    key(&b, "source_id");
    wire_pack_str(&b.pk, sid);
    key(&b, "seq");
    msgpack_pack_uint64(&b.pk, seq);
    ingest_message(f->in, 2, "sales.order", 11, b.sb.data, b.sb.size, NOW);
    msgpack_sbuffer_destroy(&b.sb);
}

static void send_seq(fixture_t *f, const char *sid, uint64_t seq, double v)
{
    send_seq_ts(f, sid, seq, v, NOW - 5000);
}

static void test_routing_and_dedup(void **state)
{
    fixture_t *f = *state;
    send_seq(f, "pos-1", 1, 10);
    send_seq(f, "pos-1", 2, 20);
    send_seq(f, "pos-1", 2, 1000); /* duplicate */
    send_seq(f, "pos-1", 1, 1000); /* duplicate */
    send_seq(f, "pos-2", 1, 5);    /* another publisher has its own sequence */
    send_seq(f, "pos-1", 7, 30);   /* 3..6 missing */
    send_seq(f, "pos-1", 0, 1000); /* duplicate: below the last */
    assert_int_equal(f->counts.applied, 4);
    assert_int_equal(f->counts.rejected[WIRE_DUPLICATE], 3);
    assert_int_equal(f->counts.gaps, 4);

    source_ent_t *e = sources_get(f->src, "pos-1", 5);
    assert_int_equal(e->rec.last_seq, 7);
    assert_int_equal(e->rec.gaps, 4);
    assert_true(e->dirty);
    assert_int_equal(e->rec.last_ts, NOW - 5000);

    seen_t s = {0};
    aggr_foreach(f->aggr, collect, &s);
    /* sales.order (id 1) and sales.aov (id 2) both read sales.order; hr.hire (3) does not. */
    assert_true(s.sum[1] == 65.0 && s.n[1] == 4);
    assert_true(s.sum[2] == 65.0 && s.n[2] == 4);
    assert_int_equal(s.n[3], 0);
    assert_int_equal(s.res_count[RES_MINUTE], 2);
    assert_int_equal(s.res_count[RES_HOUR], 2);
    assert_int_equal(s.res_count[RES_DAY], 2);
}

/* seq 0 is a valid first seq; a publisher's first seq never counts a gap. */
static void test_first_seq(void **state)
{
    fixture_t *f = *state;
    send_seq(f, "fresh", 0, 1);
    send_seq(f, "late", 1000, 1);
    send_seq(f, "fresh", 0, 1);
    assert_int_equal(f->counts.applied, 2);
    assert_int_equal(f->counts.rejected[WIRE_DUPLICATE], 1);
    assert_int_equal(f->counts.gaps, 0);
}

/* An event rejected for its value or time still shows its seq was sent:
 * only numbers never received are gaps. */
static void test_rejected_are_not_gaps(void **state)
{
    fixture_t *f = *state;
    send_seq_ts(f, "p", 1, 1, NOW);
    send_seq_ts(f, "p", 2, NAN, NOW);         /* bad_value */
    send_seq_ts(f, "p", 3, 1, NOW + 3600000); /* bad_time */
    send_seq_ts(f, "p", 4, 1, NOW);
    assert_int_equal(f->counts.gaps, 0);
    send_seq_ts(f, "p", 7, 1, NOW); /* 5 and 6 never came */
    assert_int_equal(f->counts.gaps, 2);
    assert_int_equal(f->counts.applied, 3);
    assert_int_equal(f->counts.rejected[WIRE_BAD_VALUE], 1);
    assert_int_equal(f->counts.rejected[WIRE_BAD_TIME], 1);
    /* A rejected seq is not applied: sending it again is no duplicate... */
    send_seq_ts(f, "q", 1, NAN, NOW);
    send_seq_ts(f, "q", 1, 5, NOW);
    assert_int_equal(f->counts.applied, 4);
    assert_int_equal(f->counts.rejected[WIRE_DUPLICATE], 0);
}

/* Old events go only to the resolutions whose retention covers them. */
static void test_retention_resolutions(void **state)
{
    fixture_t *f = *state;
    body_t b;
    body_init(&b);
    ev_ts(&b, NOW - 3 * INT64_C(86400000)); /* past minute retention (48h) */
    ingest_message(f->in, 2, "hr.hire", 7, b.sb.data, b.sb.size, NOW);
    msgpack_sbuffer_clear(&b.sb);
    ev_ts(&b, NOW - 100 * INT64_C(86400000)); /* past hour retention (90d) */
    ingest_message(f->in, 2, "hr.hire", 7, b.sb.data, b.sb.size, NOW);
    msgpack_sbuffer_destroy(&b.sb);
    seen_t s = {0};
    aggr_foreach(f->aggr, collect, &s);
    assert_int_equal(s.res_count[RES_MINUTE], 0);
    assert_int_equal(s.res_count[RES_HOUR], 1);
    assert_int_equal(s.res_count[RES_DAY], 2);
}

static void test_topic_charset(void **state)
{
    (void)state;
    char t201[202];
    memset(t201, 'a', 201);
    t201[201] = '\0';
    static const char *const good[] = {"a", "sales.order", "A-Z_0.9:x/y", "hr/time_to_hire:eu-1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(wire_topic_valid(good[i], strlen(good[i])));
    assert_true(wire_topic_valid(t201, 200));
    static const char *const bad[] = {"", "a b", "a\tb", "caf\xc3\xa9", "a*b", "a\"b", "a,b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(wire_topic_valid(bad[i], strlen(bad[i])));
    assert_false(wire_topic_valid(t201, 201));
    assert_false(wire_topic_valid("a\0b", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_charset),
        cmocka_unit_test_setup_teardown(test_must_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_must_not_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixed_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing_and_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_are_not_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_resolutions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
