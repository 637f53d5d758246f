/*
 * test_store.c - the LMDB store on a real environment in a temp dir: ids,
 * group commit merging into stored buckets, publisher records, snapshots,
 * pruning, map growth and the state-directory lock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "sources.h"
#include "store.h"

#define BASE INT64_C(1790121600000) /* a UTC day boundary */

static char g_dir[64];

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s;
    (void)f;
    (void)w;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/okrd-store-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(g_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static store_t *open_store(uint64_t mb)
{
    store_t *s = NULL;
    char err[256];
    int rc = store_open(&s, g_dir, mb, false, err, sizeof err);
    if (rc != 0)
        fail_msg("store_open: %s", err);
    return s;
}

static agg_state_t read_range(store_t *s, uint32_t id, res_t res, int64_t from, int64_t to)
{
    store_reader_t *rd;
    assert_int_equal(store_reader_open(s, &rd), 0);
    assert_int_equal(store_reader_begin(rd), 0);
    agg_state_t acc = AGG_STATE_EMPTY;
    assert_int_equal(store_read_merge(rd, id, res, from, to, &acc), 0);
    store_reader_close(&rd);
    return acc;
}

static void test_ids_stable(void **state)
{
    (void)state;
    kpi_def_t k[3] = {{.name = "a"}, {.name = "b"}, {.name = "c"}};
    store_t *s = open_store(16);
    assert_int_equal(store_assign_ids(s, k, 2), 0);
    assert_true(k[0].id != 0 && k[1].id != 0 && k[0].id != k[1].id);
    uint32_t a = k[0].id, b = k[1].id;
    store_close(&s);
    assert_null(s);

    /* Reopened, with "a" removed and "c" added: "b" keeps its id, "c" gets
     * a new one, never "a"'s (whose data may still be stored). */
    s = open_store(16);
    assert_int_equal(store_assign_ids(s, &k[1], 2), 0);
    assert_int_equal(k[1].id, b);
    assert_true(k[2].id != a && k[2].id != b);
    store_close(&s);
}

static void test_commit_merges(void **state)
{
    (void)state;
    store_t *s = open_store(16);
    aggr_t *a = aggr_new();
    sources_t *src = sources_new();
    cal_t cal = CAL_DEFAULT;

    for (int i = 0; i < 120; i++) /* two hours, one event a minute, value i */
        aggr_add(a, &cal, 1, BASE + i * 60000 + 7, (double)i, RES_MINUTE);
    source_ent_t *e = sources_get(src, "pos-1", 5);
    e->rec = (source_rec_t){.last_seq = 41, .last_ts = BASE, .gaps = 2, .has_seq = 1};
    sources_mark_dirty(src, e);
    assert_int_equal(store_commit(s, a, src, NULL), 0);
    assert_int_equal(aggr_size(a), 0); /* cleared on success */
    assert_false(sources_get(src, "pos-1", 5)->dirty);

    /* A second commit into the same buckets merges with what is stored. */
    aggr_add(a, &cal, 1, BASE + 30, 1000.0, RES_MINUTE);
    assert_int_equal(store_commit(s, a, src, NULL), 0);

    agg_state_t day = read_range(s, 1, RES_DAY, BASE, BASE + 86400000);
    assert_int_equal(day.count, 121);
    assert_true(day.sum == 7140.0 + 1000.0);
    assert_true(day.max == 1000.0 && day.min == 0.0);
    agg_state_t h1 = read_range(s, 1, RES_HOUR, BASE + 3600000, BASE + 7200000);
    assert_int_equal(h1.count, 60);
    assert_true(h1.sum == 5370.0); /* 60 + ... + 119 */
    agg_state_t m = read_range(s, 1, RES_MINUTE, BASE + 60000 * 10, BASE + 60000 * 13);
    assert_int_equal(m.count, 3);
    assert_true(m.sum == 33.0);
    /* Another KPI and an empty range read nothing. */
    assert_int_equal(read_range(s, 2, RES_DAY, BASE, BASE + 86400000).count, 0);
    assert_int_equal(read_range(s, 1, RES_MINUTE, BASE + 5, BASE + 5).count, 0);
    store_close(&s);

    /* Publisher records survive a reopen. */
    s = open_store(16);
    sources_t *src2 = sources_new();
    assert_int_equal(store_load_sources(s, src2), 0);
    assert_int_equal(sources_count(src2), 1);
    source_ent_t *e2 = sources_get(src2, "pos-1", 5);
    assert_int_equal(e2->rec.last_seq, 41);
    assert_int_equal(e2->rec.gaps, 2);
    assert_int_equal(sources_count(src2), 1);
    sources_destroy(&src2);
    sources_destroy(&src);
    aggr_destroy(&a);
    store_close(&s);
}

/* A reader keeps its snapshot while the writer commits. */
static void test_snapshot(void **state)
{
    (void)state;
    store_t *s = open_store(16);
    aggr_t *a = aggr_new();
    sources_t *src = sources_new();
    cal_t cal = CAL_DEFAULT;
    aggr_add(a, &cal, 1, BASE, 1.0, RES_MINUTE);
    assert_int_equal(store_commit(s, a, src, NULL), 0);

    store_reader_t *rd;
    assert_int_equal(store_reader_open(s, &rd), 0);
    assert_int_equal(store_reader_begin(rd), 0);
    aggr_add(a, &cal, 1, BASE, 1.0, RES_MINUTE);
    assert_int_equal(store_commit(s, a, src, NULL), 0);
    agg_state_t acc = AGG_STATE_EMPTY;
    store_read_merge(rd, 1, RES_DAY, BASE, BASE + 86400000, &acc);
    assert_int_equal(acc.count, 1);
    store_reader_end(rd);
    assert_int_equal(store_reader_begin(rd), 0);
    acc = AGG_STATE_EMPTY;
    store_read_merge(rd, 1, RES_DAY, BASE, BASE + 86400000, &acc);
    assert_int_equal(acc.count, 2);
    store_reader_close(&rd);
    sources_destroy(&src);
    aggr_destroy(&a);
    store_close(&s);
}

static void test_prune(void **state)
{
    (void)state;
    store_t *s = open_store(16);
    aggr_t *a = aggr_new();
    sources_t *src = sources_new();
    cal_t cal = CAL_DEFAULT;
    for (uint32_t id = 1; id <= 3; id++)
        for (int d = 0; d < 10; d++)
            aggr_add(a, &cal, id, BASE + d * 86400000LL, 1.0, RES_MINUTE);
    assert_int_equal(store_commit(s, a, src, NULL), 0);
    /* Keep minutes from day 8, hours from day 5, days from day 2. */
    int64_t prune[RES_COUNT] = {BASE + 8 * 86400000LL, BASE + 5 * 86400000LL,
                                BASE + 2 * 86400000LL};
    assert_int_equal(store_commit(s, a, src, prune), 0);
    for (uint32_t id = 1; id <= 3; id++) {
        int64_t end = BASE + 10 * 86400000LL;
        assert_int_equal(read_range(s, id, RES_MINUTE, BASE, end).count, 2);
        assert_int_equal(read_range(s, id, RES_HOUR, BASE, end).count, 5);
        assert_int_equal(read_range(s, id, RES_DAY, BASE, end).count, 8);
    }
    sources_destroy(&src);
    aggr_destroy(&a);
    store_close(&s);
}

/* A 1 MiB map fills up; the store grows it and nothing is lost. */
static void test_map_growth(void **state)
{
    (void)state;
    store_t *s = open_store(1);
    aggr_t *a = aggr_new();
    sources_t *src = sources_new();
    cal_t cal = CAL_DEFAULT;
    for (uint32_t id = 1; id <= 20; id++)
        for (int i = 0; i < 2000; i++)
            aggr_add(a, &cal, id, BASE + i * 60000LL, 1.0, RES_MINUTE);
    assert_int_equal(store_commit(s, a, src, NULL), 0);
    assert_true(store_db_bytes(s) > (1u << 20));
    for (uint32_t id = 1; id <= 20; id++)
        assert_int_equal(read_range(s, id, RES_MINUTE, BASE, BASE + 2000 * 60000LL).count, 2000);
    sources_destroy(&src);
    aggr_destroy(&a);
    store_close(&s);
}

static void test_lock(void **state)
{
    (void)state;
    store_t *s = open_store(16);
    store_t *t = NULL;
    char err[256];
    /* flock locks belong to the open file description, so a second open in
     * the same process is refused just like another process. */
    assert_int_equal(store_open(&t, g_dir, 16, false, err, sizeof err), -EBUSY);
    assert_null(t);
    assert_non_null(strstr(err, "in use by another okrd"));
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    assert_non_null(strstr(err, pid));
    store_close(&s);
    t = open_store(16); /* free again once closed */
    store_close(&t);
}

/* Publishers whose latest event is past the day retention are forgotten,
 * in memory and in the store; dirty ones and recent ones are kept. */
static void test_publishers_expire(void **state)
{
    (void)state;
    store_t *s = open_store(16);
    aggr_t *a = aggr_new();
    sources_t *src = sources_new();
    char id[16];
    for (int i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "pub-%d", i);
        source_ent_t *e = sources_get(src, id, strlen(id));
        e->rec = (source_rec_t){.last_seq = 5, .last_ts = i < 150 ? BASE - 1 : BASE, .has_seq = 1};
        sources_mark_dirty(src, e);
    }
    assert_int_equal(store_commit(s, a, src, NULL), 0);
    /* one old publisher is dirty again: sources_expire keeps it while dirty */
    source_ent_t *d = sources_get(src, "pub-7", 5);
    sources_mark_dirty(src, d);
    assert_int_equal(sources_expire(src, BASE), 149);
    assert_int_equal(sources_count(src), 51);
    /* one that only ever sent rejected events has no last_ts: it goes */
    sources_get(src, "junk", 4)->has_seen = true;
    assert_int_equal(sources_count(src), 52);

    /* The pruning commit writes pub-7, then deletes every old record; once
     * clean, pub-7 is forgotten in memory too. */
    int64_t prune[RES_COUNT] = {INT64_MIN, INT64_MIN, BASE};
    assert_int_equal(store_commit(s, a, src, prune), 0);
    assert_int_equal(sources_expire(src, BASE), 2); /* pub-7 and junk */
    assert_int_equal(sources_count(src), 50);
    assert_int_equal(sources_get(src, "pub-199", 7)->rec.last_seq, 5);
    assert_int_equal(sources_count(src), 50);

    sources_t *loaded = sources_new();
    assert_int_equal(store_load_sources(s, loaded), 0);
    assert_int_equal(sources_count(loaded), 50);
    sources_destroy(&loaded);
    sources_destroy(&src);
    aggr_destroy(&a);
    store_close(&s);
}

/* Buckets are aligned to the offset they were written with. */
static void test_offset_recorded(void **state)
{
    (void)state;
    char err[256];
    store_t *s = open_store(16);
    assert_int_equal(store_check_offset(s, 3600, err, sizeof err), 0);
    assert_int_equal(store_check_offset(s, 3600, err, sizeof err), 0);
    store_close(&s);
    s = open_store(16);
    assert_int_equal(store_check_offset(s, -19800, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "\"+01:00\""));
    assert_int_equal(store_check_offset(s, 3600, err, sizeof err), 0);
    store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ids_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_merges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_growth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offset_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publishers_expire, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
