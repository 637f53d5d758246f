/*
 * cmd_demo.c - demo: publish plausible events for the KPIs of the demo
 * configuration (conf/okrd.conf), so that a fresh okrd shows a living tree.
 *
 * The events of every source, as the demo makes them ("per day" is the mean
 * today; rates and levels drift by the growth/drift per day, so the backfill
 * has trends for the forecasts to find):
 *
 *   source                         per day  value                          key, tags
 *   sales.order                    250      lognormal, median 70 USD        cust-N, channel
 *                                           (mean ~80), +0.2 %/day
 *   sales.cross_sell               40       count, rate +1 %/day
 *   sales.first_purchase_discount  20       count, rate +0.8 %/day
 *   marketing.email_upsell         15       count, rate +0.6 %/day
 *   loyalty.signup                 30       count (~20-40 a day)           member-SEQ
 *   marketing.lead_cost            80       USD 25-60, -0.3 %/day
 *   sales.acquisition_cost         12       USD 150-300, -0.2 %/day
 *   marketing.mql                  80       count
 *   marketing.sql                  24       count (~30 % of the MQLs)
 *   web.visit                      600      count                          user-N, channel
 *   survey.enps                    4        score 0-10, skewed high (eNPS ~+35)
 *   hr.time_to_hire                0.4      days 20-45
 *   hr.absence_days                3        days: 0.5, 1, 2, 3 or 5
 *   hr.employee_left               0.1      count
 *   hr.headcount                   1        random walk, ~120 now (aggregate last)
 *   hr.training_satisfaction       2        % 70-95
 *   hr.social_attendance           0.25     % 60-95
 *   hr.diversity_hire              0.2      count
 *   cs.satisfaction                30       % 90-100
 *   cs.response_time               60       hours 0.5-4 (lognormal, median 1.6)
 *   cs.customer_retained           20       count
 *   sales.new_customer             12       count
 *   market.share                   1        % ~12.5 now, +0.05 a day (~11 a month ago)
 *
 * First a backfill of the last N days (--days, default 30): each day's
 * events with explicit ts, spread over the day by an office-hours profile,
 * one message per source and day (batches of at most DEMO_BATCH events).
 * Then, unless --once, R events per second (--rate, default 20) live, the
 * sources picked in proportion to their daily rates, until SIGINT or SIGTERM
 * (exit 0 after a summary).
 *
 * Every event has source_id "demo-<pid>" and a seq one more than the one
 * before, across all sources.  If okrd already has that source_id (a reused
 * pid), seq continues after its last_seq (source.list), so nothing is
 * rejected as a duplicate.  Sources no KPI of okrd reads (kpi.list), or that
 * okrd does not subscribe to, are skipped instead of being sent to be
 * rejected.  The generator is seeded (--seed; same seed, same values).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "okrctl.h"
#include "publish.h"
#include "render.h"
#include "request.h"
#include "wire.h"

#define DEMO_BATCH     1000   /* events per message at most */
#define MAX_DAYS       3650   /* --days */
#define MAX_RATE       100000 /* --rate, events per second */
#define LIVE_SLICE_MS  250    /* the longest the live loop sleeps */
#define PROGRESS_EVERY 60000  /* ms between progress lines when not on a terminal */

typedef enum vkind {
    V_COUNT,     /* no value: an occurrence (okrd counts 1) */
    V_LOGNORMAL, /* median a, sigma b */
    V_UNIFORM,   /* a..b */
    V_ENPS,      /* a 0..10 survey score, skewed high */
    V_ABSENCE,   /* 0.5, 1, 2, 3 or 5 days */
    V_WALK,      /* a random walk starting at a (integer steps) */
    V_TREND,     /* a now, rising b a day, with noise */
} vkind_t;

typedef enum kkind { K_NONE, K_CUSTOMER, K_USER, K_MEMBER } kkind_t;
typedef enum tkind { T_NONE, T_ORDER, T_VISIT } tkind_t;

typedef struct demo_source {
    const char *topic;
    double per_day; /* mean events a day, today */
    double growth;  /* relative change of the rate per day */
    vkind_t kind;
    double a, b;   /* the value's parameters (see vkind_t) */
    double lo, hi; /* clamp the value into [lo, hi] when lo < hi */
    double drift;  /* relative change of the value level per day */
    int digits;    /* decimals kept (0: sent as an integer) */
    kkind_t key;
    tkind_t tags;
} demo_source_t;

static const demo_source_t sources[] = {
    {"sales.order", 250, 0.004, V_LOGNORMAL, 70, 0.5, 5, 2000, 0.002, 2, K_CUSTOMER, T_ORDER},
    {"sales.cross_sell", 40, 0.01, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"sales.first_purchase_discount", 20, 0.008, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"marketing.email_upsell", 15, 0.006, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"loyalty.signup", 30, 0.005, V_COUNT, 0, 0, 0, 0, 0, 0, K_MEMBER, T_NONE},
    {"marketing.lead_cost", 80, 0, V_UNIFORM, 25, 60, 0, 0, -0.003, 2, K_NONE, T_NONE},
    {"sales.acquisition_cost", 12, 0, V_UNIFORM, 150, 300, 0, 0, -0.002, 2, K_NONE, T_NONE},
    {"marketing.mql", 80, 0.003, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"marketing.sql", 24, 0.004, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"web.visit", 600, 0.003, V_COUNT, 0, 0, 0, 0, 0, 0, K_USER, T_VISIT},
    {"survey.enps", 4, 0, V_ENPS, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"hr.time_to_hire", 0.4, 0, V_UNIFORM, 20, 45, 0, 0, 0, 0, K_NONE, T_NONE},
    {"hr.absence_days", 3, 0, V_ABSENCE, 0, 0, 0, 0, 0, 1, K_NONE, T_NONE},
    {"hr.employee_left", 0.1, 0, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"hr.headcount", 1, 0, V_WALK, 120, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"hr.training_satisfaction", 2, 0, V_UNIFORM, 70, 95, 0, 100, 0.001, 0, K_NONE, T_NONE},
    {"hr.social_attendance", 0.25, 0, V_UNIFORM, 60, 95, 0, 0, 0, 0, K_NONE, T_NONE},
    {"hr.diversity_hire", 0.2, 0, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"cs.satisfaction", 30, 0, V_UNIFORM, 90, 100, 0, 0, 0, 1, K_NONE, T_NONE},
    {"cs.response_time", 60, 0, V_LOGNORMAL, 1.6, 0.45, 0.5, 4, -0.002, 2, K_NONE, T_NONE},
    {"cs.customer_retained", 20, 0.002, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"sales.new_customer", 12, 0.004, V_COUNT, 0, 0, 0, 0, 0, 0, K_NONE, T_NONE},
    {"market.share", 1, 0, V_TREND, 12.5, 0.05, 0, 100, 0, 2, K_NONE, T_NONE},
};

#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

/* Relative activity by local hour of the day: office hours, quiet nights. */
static const double hour_profile[24] = {
    0.10, 0.05, 0.05, 0.05, 0.05, 0.10, 0.20, 0.40, 0.70, 0.90, 1.00, 1.00,
    0.90, 1.00, 1.00, 0.95, 0.90, 0.80, 0.70, 0.60, 0.50, 0.40, 0.30, 0.20,
};

/* Set by SIGINT/SIGTERM; the loops look at it. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct demo {
    ctl_t *c;
    publisher_t *pub;
    char source_id[32];
    bool active[NSOURCES]; /* okrd reads it and subscribes to it */
    double walk[NSOURCES]; /* V_WALK levels */
    uint64_t rng[4];       /* xoshiro256** */
    bool has_spare;
    double spare; /* the second normal of a Box-Muller pair */
    uint64_t seed, first_seq, seq;
    uint64_t backfill_events, live_events, messages;
    int64_t origin; /* wall ms that is "today" for the trends */
    msgpack_sbuffer sb;
    char err[512];
} demo_t;

/* ---- the generator ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(demo_t *d, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        d->rng[i] = splitmix64(&x);
    d->has_spare = false;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(demo_t *d)
{
    uint64_t *s = d->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* Uniform in [0, 1). */
static double uniform(demo_t *d)
{
    return (double)(rng_next(d) >> 11) * 0x1.0p-53;
}

static double normal(demo_t *d)
{
    if (d->has_spare) {
        d->has_spare = false;
        return d->spare;
    }
    double u, v, s;
    do {
        u = 2 * uniform(d) - 1;
        v = 2 * uniform(d) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    s = sqrt(-2 * log(s) / s);
    d->spare = v * s;
    d->has_spare = true;
    return u * s;
}

static uint64_t poisson(demo_t *d, double mean)
{
    if (mean <= 0)
        return 0;
    if (mean > 30) {
        double x = floor(mean + sqrt(mean) * normal(d) + 0.5);
        return x > 0 ? (uint64_t)x : 0;
    }
    double limit = exp(-mean), p = uniform(d);
    uint64_t k = 0;
    while (p > limit) {
        p *= uniform(d);
        k++;
    }
    return k;
}

/* An index by weight: w[0..n) sum to total. */
static size_t pick(demo_t *d, const double *w, size_t n, double total)
{
    double x = uniform(d) * total;
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ---- events ----------------------------------------------------------- */

/* The value of one event of s, day days from today (negative: the past). */
static double make_value(demo_t *d, size_t i, double day)
{
    const demo_source_t *s = &sources[i];
    double level = pow(1 + s->drift, day), v;
    static const double enps_w[11] = {1, 1, 1, 2, 2, 4, 6, 12, 20, 26, 25};
    static const double absence_v[5] = {0.5, 1, 2, 3, 5};
    static const double absence_w[5] = {30, 45, 15, 7, 3};

    switch (s->kind) {
    case V_LOGNORMAL:
        v = s->a * level * exp(s->b * normal(d));
        break;
    case V_UNIFORM:
        v = (s->a + (s->b - s->a) * uniform(d)) * level;
        break;
    case V_ENPS:
        v = (double)pick(d, enps_w, 11, 100);
        break;
    case V_ABSENCE:
        v = absence_v[pick(d, absence_w, 5, 100)];
        break;
    case V_WALK: {
        double u = uniform(d);
        d->walk[i] += u < 0.3 ? 1 : u < 0.45 ? -1 : 0;
        v = d->walk[i];
        break;
    }
    case V_TREND:
        v = s->a + s->b * day + s->b * 3 * normal(d);
        break;
    case V_COUNT:
    default:
        return 1;
    }
    if (s->lo < s->hi)
        v = fmin(fmax(v, s->lo), s->hi);
    double scale = pow(10, s->digits);
    return floor(v * scale + 0.5) / scale;
}

static void pack_tags(demo_t *d, msgpack_packer *pk, tkind_t t)
{
    static const char *const order_ch[] = {"web", "app", "store"};
    static const double order_w[] = {60, 25, 15};
    static const char *const visit_ch[] = {"organic", "ads", "email", "social"};
    static const double visit_w[] = {45, 25, 15, 15};

    wire_pack_str(pk, "tags");
    msgpack_pack_map(pk, 1);
    wire_pack_str(pk, "channel");
    if (t == T_ORDER)
        wire_pack_str(pk, order_ch[pick(d, order_w, 3, 100)]);
    else
        wire_pack_str(pk, visit_ch[pick(d, visit_w, 4, 100)]);
}

/* One event map: value (unless a count), ts, key, tags, source_id, seq. */
static void pack_event(demo_t *d, msgpack_packer *pk, size_t i, int64_t ts)
{
    const demo_source_t *s = &sources[i];
    double day = (double)(ts - d->origin) / (double)MS_DAY;
    char key[64];

    msgpack_pack_map(pk, 3 + (s->kind != V_COUNT) + (s->key != K_NONE) + (s->tags != T_NONE));
    if (s->kind != V_COUNT) {
        double v = make_value(d, i, day);
        wire_pack_str(pk, "value");
        if (s->digits == 0)
            msgpack_pack_int64(pk, (int64_t)v);
        else
            msgpack_pack_double(pk, v);
    }
    wire_pack_str(pk, "ts");
    msgpack_pack_int64(pk, ts);
    if (s->key != K_NONE) {
        /* Returning visitors and customers: low ids come back more often. */
        double u = uniform(d);
        if (s->key == K_USER)
            snprintf(key, sizeof(key), "user-%d", 1 + (int)(u * u * 8000));
        else if (s->key == K_CUSTOMER)
            snprintf(key, sizeof(key), "cust-%d", 1 + (int)(u * u * 3000));
        else
            snprintf(key, sizeof(key), "member-%" PRIu64, d->seq);
        wire_pack_str(pk, "key");
        wire_pack_str(pk, key);
    }
    if (s->tags != T_NONE)
        pack_tags(d, pk, s->tags);
    wire_pack_str(pk, "source_id");
    wire_pack_str(pk, d->source_id);
    wire_pack_str(pk, "seq");
    msgpack_pack_uint64(pk, d->seq++);
}

/* Publish events of source i at ts[0..n), in batches.  A publish status. */
static publish_status_t send_events(demo_t *d, size_t i, const int64_t *ts, size_t n, bool live)
{
    for (size_t done = 0; done < n;) {
        size_t k = n - done < DEMO_BATCH ? n - done : DEMO_BATCH;
        uint64_t seq0 = d->seq;
        msgpack_packer pk;

        msgpack_sbuffer_clear(&d->sb);
        msgpack_packer_init(&pk, &d->sb, msgpack_sbuffer_write);
        msgpack_pack_array(&pk, k);
        for (size_t j = 0; j < k; j++)
            pack_event(d, &pk, i, ts[done + j]);
        publish_status_t r = publisher_send(d->pub, sources[i].topic, d->sb.data, d->sb.size,
                                            &stop_flag, d->err, sizeof(d->err));
        if (r != PUBLISH_OK) {
            d->seq = seq0; /* not sent: the numbers stay free */
            return r;
        }
        d->messages++;
        if (live)
            d->live_events += k;
        else
            d->backfill_events += k;
        done += k;
    }
    return PUBLISH_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A time in [from, from + MS_DAY) before limit, following the hour profile. */
static int64_t day_time(demo_t *d, int64_t from, int64_t limit)
{
    int64_t span = limit - from < MS_DAY ? limit - from : MS_DAY, t = from;
    int64_t off = (int64_t)d->c->cal.utc_offset_s * 1000;
    for (int tries = 0; tries < 64; tries++) {
        t = from + (int64_t)(uniform(d) * (double)span);
        int64_t local = ((t + off) % MS_DAY + MS_DAY) % MS_DAY;
        if (uniform(d) < hour_profile[local / MS_HOUR])
            break;
    }
    return t;
}

/* ---- the phases ------------------------------------------------------- */

static bool tty_out(const ctl_t *c)
{
    return !c->json && isatty(fileno(stdout)) == 1;
}

/* N days of events before now, oldest first. */
static publish_status_t backfill(demo_t *d, int days)
{
    int64_t now = d->origin;
    int64_t *ts = NULL;
    size_t cap = 0;
    publish_status_t r = PUBLISH_OK;
    char num[64];

    /* The walks end near their level today. */
    for (size_t i = 0; i < NSOURCES; i++)
        d->walk[i] = sources[i].a - 0.15 * sources[i].per_day * days;
    for (int k = 0; k < days && r == PUBLISH_OK && !stop_flag; k++) {
        int64_t from = now - (int64_t)(days - k) * MS_DAY;
        double day = -(double)(days - k) + 0.5;
        for (size_t i = 0; i < NSOURCES && r == PUBLISH_OK; i++) {
            if (!d->active[i])
                continue;
            uint64_t n = poisson(d, sources[i].per_day * pow(1 + sources[i].growth, day));
            if (n == 0)
                continue;
            if (n > cap) {
                int64_t *v = realloc(ts, n * sizeof(*v));
                if (v == NULL) {
                    snprintf(d->err, sizeof(d->err), "out of memory");
                    r = PUBLISH_ERROR;
                    break;
                }
                ts = v;
                cap = n;
            }
            for (uint64_t j = 0; j < n; j++)
                ts[j] = day_time(d, from, now);
            qsort(ts, n, sizeof(*ts), cmp_i64);
            r = send_events(d, i, ts, n, false);
        }
        if (tty_out(d->c)) {
            printf("\rbackfilling: day %d of %d, %s events\033[K", k + 1, days,
                   render_num((double)d->backfill_events, num, sizeof(num)));
            fflush(stdout);
        }
    }
    if (tty_out(d->c))
        printf("\r\033[K");
    free(ts);
    return r;
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* rate events per second, until a signal. */
static publish_status_t live(demo_t *d, double rate)
{
    double w[NSOURCES], total = 0;
    uint64_t counts[NSOURCES], sent = 0, burst = (uint64_t)ceil(rate);
    int64_t t0 = mono_ms(), last_report = t0;
    int64_t ts[DEMO_BATCH];
    char num[64], dur[64];

    for (size_t i = 0; i < NSOURCES; i++)
        total += w[i] = d->active[i] ? sources[i].per_day : 0;
    while (!stop_flag) {
        int64_t now = mono_ms();
        uint64_t due = (uint64_t)((double)(now - t0) * rate / 1000.0);
        if (due > sent) {
            uint64_t n = due - sent;
            /* After a pause (a stopped process), do not make up for it in a burst. */
            if (n > burst) {
                t0 += (int64_t)((double)(n - burst) * 1000.0 / rate);
                n = burst;
            }
            memset(counts, 0, sizeof(counts));
            for (uint64_t j = 0; j < n; j++)
                counts[pick(d, w, NSOURCES, total)]++;
            int64_t wall = wall_ms();
            for (size_t i = 0; i < NSOURCES; i++) {
                while (counts[i] > 0) {
                    size_t k = counts[i] < DEMO_BATCH ? (size_t)counts[i] : DEMO_BATCH;
                    for (size_t j = 0; j < k; j++)
                        ts[j] = wall;
                    publish_status_t r = send_events(d, i, ts, k, true);
                    if (r == PUBLISH_INTERRUPTED)
                        return PUBLISH_OK;
                    if (r != PUBLISH_OK)
                        return r;
                    counts[i] -= k;
                }
            }
            sent += n;
        }
        bool tty = tty_out(d->c);
        if (!d->c->json && now - last_report >= (tty ? 1000 : PROGRESS_EVERY)) {
            last_report = now;
            render_num((double)d->live_events, num, sizeof(num));
            render_duration((now - t0) / 1000, dur, sizeof(dur));
            if (tty)
                printf("\rlive: %s events in %s\033[K", num, dur);
            else
                printf("live: %s events in %s\n", num, dur);
            fflush(stdout);
        }
        int64_t next = t0 + (int64_t)((double)(sent + 1) * 1000.0 / rate) - mono_ms();
        publisher_wait(d->pub, (int)(next < 1 ? 1 : next > LIVE_SLICE_MS ? LIVE_SLICE_MS : next));
    }
    if (tty_out(d->c))
        printf("\r\033[K");
    return PUBLISH_OK;
}

/* ---- asking okrd ------------------------------------------------------ */

/*
 * Which demo sources some KPI of okrd reads (all of them if okrd does not
 * say).  Returns the query's exit code.
 */
static int known_sources(demo_t *d, bool known[NSOURCES])
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    reply_t r;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    pack_kv_str(&pk, "op", "kpi.list");
    int rc = request_send(d->c, &sb, &r);
    msgpack_sbuffer_destroy(&sb);
    const msgpack_object *list = rc == CTL_EXIT_OK ? wire_map_get(r.map, "kpis") : NULL;
    bool ok = list != NULL && list->type == MSGPACK_OBJECT_ARRAY;
    for (size_t i = 0; i < NSOURCES; i++)
        known[i] = !ok;
    for (uint32_t k = 0; ok && k < list->via.array.size; k++) {
        const msgpack_object *kpi = &list->via.array.ptr[k];
        const msgpack_object *src = wire_map_get(kpi, "source");
        /* A raw KPI reads the source with its own name unless it says otherwise. */
        if (src == NULL || src->type != MSGPACK_OBJECT_STR)
            src = wire_map_get(kpi, "name");
        for (size_t i = 0; i < NSOURCES; i++)
            if (wire_str_eq(src, sources[i].topic))
                known[i] = true;
    }
    reply_free(&r);
    return ok || rc != CTL_EXIT_OK ? rc : CTL_EXIT_INTERNAL;
}

/* okrd's last_seq of our source_id (a reused pid), or 0. */
static uint64_t resume_seq(demo_t *d)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    reply_t r;
    uint64_t last = 0;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    pack_kv_str(&pk, "op", "source.list");
    int rc = request_send(d->c, &sb, &r);
    msgpack_sbuffer_destroy(&sb);
    const msgpack_object *list = rc == CTL_EXIT_OK ? wire_map_get(r.map, "sources") : NULL;
    for (uint32_t k = 0;
         list != NULL && list->type == MSGPACK_OBJECT_ARRAY && k < list->via.array.size; k++) {
        const msgpack_object *s = &list->via.array.ptr[k];
        const msgpack_object *seq = wire_map_get(s, "last_seq");
        if (wire_str_eq(wire_map_get(s, "source_id"), d->source_id) && seq != NULL &&
            seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER && seq->via.u64 < UINT64_MAX / 2)
            last = seq->via.u64;
    }
    reply_free(&r);
    return last;
}

/* ---- the command ------------------------------------------------------ */

static int parse_options(const ctl_t *c, int *days, double *rate, bool *has_seed, uint64_t *seed)
{
    const char *s;
    char *end;

    *days = 30;
    *rate = 20;
    *has_seed = false;
    if ((s = c->opt[CTL_OPT_DAYS]) != NULL) {
        errno = 0;
        long v = strtol(s, &end, 10);
        if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v > MAX_DAYS)
            return ctl_usage_error("invalid number of days '%s' (0 to %d)", s, MAX_DAYS);
        *days = (int)v;
    }
    if ((s = c->opt[CTL_OPT_RATE]) != NULL) {
        errno = 0;
        double v = strtod(s, &end);
        if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || !(v > 0) || v > MAX_RATE)
            return ctl_usage_error("invalid rate '%s' (events per second, up to %d)", s, MAX_RATE);
        *rate = v;
    }
    if ((s = c->opt[CTL_OPT_SEED]) != NULL) {
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
            return ctl_usage_error("invalid seed '%s' (a non-negative integer)", s);
        *seed = v;
        *has_seed = true;
    }
    return CTL_EXIT_OK;
}

/* how: "done", "stopped" (a signal) or "failed"; --json says interrupted and ok. */
static void print_summary(const demo_t *d, int days, int64_t started, const char *how)
{
    char a[64], b[64], e[64], m[64], dur[64];
    uint64_t events = d->backfill_events + d->live_events;

    bool interrupted = strcmp(how, "stopped") == 0;

    if (d->c->json) {
        printf("{\"ok\":%s,\"endpoint\":", strcmp(how, "failed") == 0 ? "false" : "true");
        json_write_str(stdout, d->c->ingest, strlen(d->c->ingest));
        fputs(",\"source_id\":", stdout);
        json_write_str(stdout, d->source_id, strlen(d->source_id));
        printf(",\"seed\":%" PRIu64 ",\"days\":%d,\"backfill_events\":%" PRIu64
               ",\"live_events\":%" PRIu64 ",\"messages\":%" PRIu64,
               d->seed, days, d->backfill_events, d->live_events, d->messages);
        if (events > 0)
            printf(",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64, d->first_seq, d->seq - 1);
        else
            fputs(",\"first_seq\":null,\"last_seq\":null", stdout);
        fputs(",\"skipped\":[", stdout);
        bool first = true;
        for (size_t i = 0; i < NSOURCES; i++) {
            if (d->active[i])
                continue;
            if (!first)
                fputc(',', stdout);
            json_write_str(stdout, sources[i].topic, strlen(sources[i].topic));
            first = false;
        }
        printf("],\"interrupted\":%s}\n", interrupted ? "true" : "false");
        return;
    }
    render_num((double)events, e, sizeof(e));
    render_num((double)d->messages, m, sizeof(m));
    if (events == 0) {
        printf("%s: no events sent\n", how);
        return;
    }
    printf("%s: %s events in %s messages as %s, seq %" PRIu64 "..%" PRIu64 "\n", how, e, m,
           d->source_id, d->first_seq, d->seq - 1);
    if (d->live_events > 0) {
        render_num((double)d->backfill_events, a, sizeof(a));
        render_num((double)d->live_events, b, sizeof(b));
        render_duration((mono_ms() - started) / 1000, dur, sizeof(dur));
        printf("  %s backfilled, %s live; ran %s\n", a, b, dur);
    }
}

int cmd_demo(ctl_t *c)
{
    demo_t *d = calloc(1, sizeof(*d));
    bool known[NSOURCES], has_seed, interrupted = false;
    struct sigaction sa = {0}, old_int, old_term;
    int days, rc = CTL_EXIT_OK, nactive = 0;
    double rate;
    char num[64];
    publish_status_t r;

    if (d == NULL) {
        ctl_error("out of memory");
        return CTL_EXIT_INTERNAL;
    }
    d->c = c;
    msgpack_sbuffer_init(&d->sb);
    if ((rc = parse_options(c, &days, &rate, &has_seed, &d->seed)) != CTL_EXIT_OK)
        goto out;
    if (!has_seed)
        d->seed = (uint64_t)c->now_ms ^ ((uint64_t)getpid() << 32);
    rng_seed(d, d->seed);
    snprintf(d->source_id, sizeof(d->source_id), "demo-%ld", (long)getpid());
    d->origin = c->now_ms;

    /* First the subscription: the clearest error when okrd is not running. */
    r = publisher_open(c->zctx, c->ingest, c->timeout_ms, NULL, &d->pub, d->err, sizeof(d->err));
    if (r != PUBLISH_OK) {
        rc = r == PUBLISH_BAD_ENDPOINT ? ctl_usage_error("%s", d->err) : CTL_EXIT_UNREACHABLE;
        if (r != PUBLISH_BAD_ENDPOINT)
            ctl_error("%s", d->err);
        goto out;
    }
    int qrc = known_sources(d, known);
    if (qrc != CTL_EXIT_OK)
        ctl_error("publishing every demo source: okrd did not list its kpis");
    /* Not twice the timeout when the query endpoint does not answer. */
    d->first_seq = d->seq = (qrc == CTL_EXIT_UNREACHABLE ? 0 : resume_seq(d)) + 1;
    publisher_wait(d->pub, 50); /* okrd's other subscriptions, if it has several */
    for (size_t i = 0; i < NSOURCES; i++) {
        d->active[i] = known[i] && publisher_covers(d->pub, sources[i].topic);
        nactive += d->active[i];
    }
    if (nactive == 0) {
        ctl_error("okrd at %s reads none of the demo sources (the demo is made for "
                  "conf/okrd.conf)",
                  c->ingest);
        rc = CTL_EXIT_DAEMON;
        goto out;
    }
    if (!c->json) {
        printf("demo: publishing to %s as %s (seed %" PRIu64 "): %d of %zu sources\n", c->ingest,
               d->source_id, d->seed, nactive, NSOURCES);
        if (nactive < (int)NSOURCES) {
            printf("  skipped (no kpi reads them, or okrd does not subscribe):");
            for (size_t i = 0; i < NSOURCES; i++)
                if (!d->active[i])
                    printf(" %s", sources[i].topic);
            putchar('\n');
        }
        fflush(stdout);
    }

    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked wait returns EINTR */
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int64_t started = mono_ms();

    r = backfill(d, days);
    if (r == PUBLISH_OK && !c->json && days > 0 && !stop_flag)
        printf("backfilled %d day%s: %s events\n", days, days == 1 ? "" : "s",
               render_num((double)d->backfill_events, num, sizeof(num)));
    if (r == PUBLISH_OK && !stop_flag && c->opt[CTL_OPT_ONCE] == NULL) {
        if (!c->json) {
            printf("live: %s events a second until interrupted (Ctrl-C)\n",
                   render_num(rate, num, sizeof(num)));
            fflush(stdout);
        }
        r = live(d, rate);
    }
    interrupted = stop_flag != 0 || r == PUBLISH_INTERRUPTED;
    /* A second Ctrl-C while the last messages are flushed ends it at once. */
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    if (r != PUBLISH_OK && r != PUBLISH_INTERRUPTED) {
        if (tty_out(c))
            putchar('\n');
        ctl_error("%s", d->err);
        rc = r == PUBLISH_STALLED ? CTL_EXIT_UNREACHABLE : CTL_EXIT_INTERNAL;
    }
    print_summary(d, days, started,
                  rc != CTL_EXIT_OK ? "failed"
                  : interrupted     ? "stopped"
                                    : "done");

out:
    publisher_close(&d->pub, c->timeout_ms);
    msgpack_sbuffer_destroy(&d->sb);
    free(d);
    return rc;
}
