#include "ingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "../common/log.h"
#include "../common/wire.h"
#include "expr.h"

/* The KPIs that read one source. */
typedef struct route {
    const char *source; /* points into the config */
    size_t len;
    const kpi_def_t **kpis;
    int n;
} route_t;

struct ingest {
    config_t *cfg;
    aggr_t *aggr;
    sources_t *src;
    stats_counts_t *counts;
    route_t *routes;        /* open addressing by source name */
    size_t nroutes;         /* power of two */
    const kpi_def_t **kpis; /* storage of every route's KPIs */
    int64_t max_future_ms;
    uint32_t max_id;       /* largest storage id of the configured KPIs */
    source_ent_t *last_se; /* the publisher of the previous event, and */
    size_t last_nsrc;      /* how many publishers there were then */
    void *sock;
    zmq_msg_t frames[2];
    msgpack_zone zone;
    log_limit_t limits[WIRE_REASON_COUNT];
};

static uint64_t name_hash(const char *p, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * UINT64_C(1099511628211);
    return h;
}

static route_t *route_find(route_t *routes, size_t cap, const char *name, size_t len)
{
    size_t i = name_hash(name, len) & (cap - 1);
    while (routes[i].source != NULL &&
           !(routes[i].len == len && memcmp(routes[i].source, name, len) == 0))
        i = (i + 1) & (cap - 1);
    return &routes[i];
}

int ingest_set_config(ingest_t *in, config_t *cfg)
{
    size_t cap = 16;
    while (cap < (size_t)cfg->nkpis * 2 + 2)
        cap *= 2;
    route_t *routes = calloc(cap, sizeof *routes);
    const kpi_def_t **kpis = malloc(((size_t)cfg->nkpis + 1) * sizeof *kpis);
    if (routes == NULL || kpis == NULL) {
        free(routes);
        free(kpis);
        return -ENOMEM;
    }
    /* Group the raw KPIs by source: count, then place each route's KPIs
     * together.  Derived KPIs read no source. */
    for (int k = 0; k < cfg->nkpis; k++) {
        const char *s = cfg->kpis[k].source;
        if (s == NULL)
            continue;
        route_t *r = route_find(routes, cap, s, strlen(s));
        r->source = s;
        r->len = strlen(s);
        r->n++;
    }
    size_t off = 0;
    for (size_t i = 0; i < cap; i++) {
        if (routes[i].source != NULL) {
            routes[i].kpis = kpis + off;
            off += (size_t)routes[i].n;
            routes[i].n = 0;
        }
    }
    in->max_id = 0;
    for (int k = 0; k < cfg->nkpis; k++) {
        if (cfg->kpis[k].source == NULL)
            continue;
        route_t *r = route_find(routes, cap, cfg->kpis[k].source, strlen(cfg->kpis[k].source));
        r->kpis[r->n++] = &cfg->kpis[k];
        if (cfg->kpis[k].id > in->max_id)
            in->max_id = cfg->kpis[k].id;
    }
    free(in->routes);
    free(in->kpis);
    in->routes = routes;
    in->nroutes = cap;
    in->kpis = kpis;
    config_unref(&in->cfg);
    in->cfg = config_ref(cfg);
    in->max_future_ms = (int64_t)cfg->ingest.max_future_s * 1000;
    return 0;
}

ingest_t *ingest_new(config_t *cfg, aggr_t *aggr, sources_t *src, stats_counts_t *counts)
{
    ingest_t *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->aggr = aggr;
    in->src = src;
    in->counts = counts;
    /* One chunk holds the objects of a batch of a few hundred events; larger
     * batches add chunks that the next clear gives back. */
    if (!msgpack_zone_init(&in->zone, 256 * 1024) || ingest_set_config(in, cfg) != 0) {
        ingest_destroy(&in);
        return NULL;
    }
    zmq_msg_init(&in->frames[0]);
    zmq_msg_init(&in->frames[1]);
    return in;
}

void ingest_destroy(ingest_t **inp)
{
    if (inp == NULL || *inp == NULL)
        return;
    ingest_t *in = *inp;
    if (in->sock != NULL) {
        zmq_msg_close(&in->frames[0]);
        zmq_msg_close(&in->frames[1]);
        zmq_close(in->sock);
    }
    msgpack_zone_destroy(&in->zone);
    free(in->routes);
    free(in->kpis);
    config_unref(&in->cfg);
    free(in);
    *inp = NULL;
}

int ingest_open_socket(ingest_t *in, void *zctx, char *err, size_t errlen)
{
    const config_t *c = in->cfg;
    void *s = zmq_socket(zctx, ZMQ_SUB);
    if (s == NULL) {
        snprintf(err, errlen, "cannot create the ingest socket: %s", zmq_strerror(errno));
        return -1;
    }
    int hwm = c->ingest.rcvhwm, linger = 0;
    int64_t maxmsg = c->ingest.max_message_bytes;
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    for (int i = 0; i < c->ingest.topics.n; i++) {
        const char *t = c->ingest.topics.v[i];
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, t, strlen(t));
    }
    for (int i = 0; i < c->ingest.bind.n; i++) {
        if (zmq_bind(s, c->ingest.bind.v[i]) != 0) {
            snprintf(err, errlen, "cannot bind the ingest socket to '%s': %s", c->ingest.bind.v[i],
                     zmq_strerror(errno));
            zmq_close(s);
            return -1;
        }
    }
    for (int i = 0; i < c->ingest.connect.n; i++) {
        if (zmq_connect(s, c->ingest.connect.v[i]) != 0) {
            snprintf(err, errlen, "cannot connect the ingest socket to '%s': %s",
                     c->ingest.connect.v[i], zmq_strerror(errno));
            zmq_close(s);
            return -1;
        }
    }
    in->sock = s;
    return 0;
}

void *ingest_socket(ingest_t *in)
{
    return in->sock;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reject(ingest_t *in, wire_reason_t why, uint64_t n, const void *topic, size_t topic_len,
                   int64_t now)
{
    in->counts->received += n;
    in->counts->rejected[why] += n;
    int64_t suppressed = log_limit_pass(&in->limits[why], now);
    if (suppressed >= 0) {
        /* Show the topic only when it is printable (a bad topic may not be). */
        int len = (int)(topic_len > 64 ? 64 : topic_len);
        if (topic == NULL || !wire_topic_valid(topic, (size_t)len))
            len = 0;
        log_warn("event=reject reason=%s topic=%.*s count=%llu suppressed=%lld",
                 wire_reason_name(why), len, len ? (const char *)topic : "", (unsigned long long)n,
                 (long long)suppressed);
    }
}

/* Validate, de-duplicate and apply one decoded event. */
/* The entry of the event's publisher; NULL when out of memory. */
static source_ent_t *publisher(ingest_t *in, const wire_event_t *ev)
{
    /* A batch usually comes from one publisher: reuse its entry while no
     * publisher was added (an addition may move the entries). */
    source_ent_t *se = in->last_se;
    if (se == NULL || in->last_nsrc != sources_count(in->src) || se->len != ev->source_id_len ||
        memcmp(se->id, ev->source_id, se->len) != 0) {
        se = sources_get(in->src, ev->source_id, ev->source_id_len);
        in->last_se = se;
        in->last_nsrc = sources_count(in->src);
    }
    return se;
}

/* Validate, de-duplicate and apply one decoded event. */
static void handle_event(ingest_t *in, const route_t *r, const msgpack_object *map,
                         const void *topic, size_t topic_len, int64_t now)
{
    wire_event_t ev;
    wire_reason_t why = wire_event_decode(map, &ev);
    if (why == WIRE_MALFORMED) {
        reject(in, why, 1, topic, topic_len, now);
        return;
    }
    const int64_t *ret = in->cfg->retention;
    int64_t ts = ev.has_ts ? ev.ts : now;
    if (why == WIRE_OK && (ts < now - ret[RES_DAY] || ts > now + in->max_future_ms))
        why = WIRE_BAD_TIME;
    source_ent_t *se = NULL;
    if (ev.source_id != NULL && (se = publisher(in, &ev)) == NULL) {
        log_error("event=drop reason=out_of_memory");
        return;
    }
    if (why == WIRE_OK && se != NULL && ev.has_seq && se->rec.has_seq && ev.seq <= se->rec.last_seq)
        why = WIRE_DUPLICATE;
    if (why != WIRE_OK) {
        /* A rejected event's seq was still sent: the next one is no gap. */
        if (se != NULL && ev.has_seq && why != WIRE_DUPLICATE &&
            (!se->has_seen || ev.seq > se->seen_seq)) {
            se->seen_seq = ev.seq;
            se->has_seen = true;
        }
        reject(in, why, 1, topic, topic_len, now);
        return;
    }
    /* The finest resolution whose retention still covers ts. */
    res_t first = RES_DAY;
    if (ts >= now - ret[RES_MINUTE])
        first = RES_MINUTE;
    else if (ts >= now - ret[RES_HOUR])
        first = RES_HOUR;
    /* Make room first, so that the event is applied to all its KPIs or none. */
    if (aggr_reserve(in->aggr, in->max_id, (size_t)r->n * RES_COUNT) != 0) {
        log_error("event=drop reason=out_of_memory");
        return;
    }
    /* Every KPI of the source whose filter the event passes; an event that
     * passes none is still applied: it was valid, just not counted. */
    for (int k = 0; k < r->n; k++) {
        const kpi_def_t *kd = r->kpis[k];
        if (kd->where != NULL && !expr_where_match(kd->where, ev.value, ev.tags, ev.ntags))
            continue;
        if (kd->distinct || kd->quantiles)
            aggr_add_sketch(in->aggr, &in->cfg->cal, kd->id, ts, ev.value, first, kd->distinct,
                            kd->quantiles, ev.key, ev.key_len);
        else
            aggr_add(in->aggr, &in->cfg->cal, kd->id, ts, ev.value, first);
    }
    if (se != NULL) {
        if (ev.has_seq) {
            /* Missing numbers since the last seq sent, applied or not. */
            bool known = se->rec.has_seq || se->has_seen;
            uint64_t prev = se->rec.has_seq ? se->rec.last_seq : 0;
            if (se->has_seen && se->seen_seq > prev)
                prev = se->seen_seq;
            if (known && ev.seq > prev + 1) {
                se->rec.gaps += ev.seq - prev - 1;
                in->counts->gaps += ev.seq - prev - 1;
            }
            se->rec.last_seq = ev.seq;
            se->rec.has_seq = 1;
        }
        if (ts > se->rec.last_ts)
            se->rec.last_ts = ts;
        sources_mark_dirty(in->src, se);
    }
    in->counts->received++;
    in->counts->applied++;
}

void ingest_message(ingest_t *in, int nframes, const void *topic, size_t topic_len,
                    const void *body, size_t body_len, int64_t now)
{
    if (nframes != 2) {
        reject(in, WIRE_MALFORMED, 1, nframes >= 1 ? topic : NULL, topic_len, now);
        return;
    }
    msgpack_object obj;
    size_t off = 0;
    msgpack_unpack_return urc = MSGPACK_UNPACK_PARSE_ERROR;
    if (wire_plausible(body, body_len))
        urc = msgpack_unpack(body, body_len, &off, &in->zone, &obj);
    const msgpack_object *events;
    uint32_t n;
    if (urc != MSGPACK_UNPACK_SUCCESS || wire_body_events(&obj, &events, &n) != WIRE_OK) {
        reject(in, WIRE_MALFORMED, 1, topic, topic_len, now);
    } else if (!wire_topic_valid(topic, topic_len)) {
        reject(in, WIRE_BAD_TOPIC, n, topic, topic_len, now);
    } else {
        const route_t *r = route_find(in->routes, in->nroutes, topic, topic_len);
        if (r->source == NULL) {
            reject(in, WIRE_UNKNOWN_SOURCE, n, topic, topic_len, now);
        } else {
            for (uint32_t i = 0; i < n; i++)
                handle_event(in, r, &events[i], topic, topic_len, now);
        }
    }
    msgpack_zone_clear(&in->zone);
}

int ingest_drain(ingest_t *in, int max, int64_t deadline_ms)
{
    int done = 0;
    while (done < max) {
        if (zmq_msg_recv(&in->frames[0], in->sock, ZMQ_DONTWAIT) < 0)
            break; /* EAGAIN, or EINTR: the loop comes back */
        int nframes = 1;
        int more = zmq_msg_more(&in->frames[0]);
        if (more) {
            if (zmq_msg_recv(&in->frames[1], in->sock, 0) >= 0) {
                nframes = 2;
                more = zmq_msg_more(&in->frames[1]);
            } else {
                more = 0;
            }
        }
        /* Frames past the second are drained and the message is rejected. */
        while (more) {
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            if (zmq_msg_recv(&extra, in->sock, 0) < 0)
                more = 0;
            else
                more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
            nframes++;
        }
        int64_t now = now_ms();
        ingest_message(in, nframes, zmq_msg_data(&in->frames[0]), zmq_msg_size(&in->frames[0]),
                       nframes == 2 ? zmq_msg_data(&in->frames[1]) : NULL,
                       nframes == 2 ? zmq_msg_size(&in->frames[1]) : 0, now);
        done++;
        if (now >= deadline_ms)
            break;
    }
    return done;
}
