#include "publish.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* How long one blocked send waits before the caller's flags are looked at. */
#define SEND_SLICE_MS 100

/* A subscription prefix okrd's SUB socket announced. */
typedef struct prefix {
    char *data;
    size_t len;
} prefix_t;

struct publisher {
    void *sock;
    const char *endpoint;
    int timeout_ms;
    prefix_t *subs; /* current subscriptions */
    size_t nsubs, cap;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool prefix_covers(const prefix_t *s, const char *topic, size_t tlen)
{
    return s->len <= tlen && memcmp(s->data, topic, s->len) == 0;
}

/* Apply one subscription message: byte 1 (subscribe) or 0, then the prefix. */
static void take_subscription(publisher_t *p, const unsigned char *d, size_t len)
{
    if (len < 1 || d[0] > 1)
        return;
    const char *pre = (const char *)d + 1;
    size_t plen = len - 1;
    for (size_t i = 0; i < p->nsubs; i++) {
        if (p->subs[i].len == plen && memcmp(p->subs[i].data, pre, plen) == 0) {
            if (d[0] == 0) {
                free(p->subs[i].data);
                p->subs[i] = p->subs[--p->nsubs];
            }
            return;
        }
    }
    if (d[0] == 0)
        return;
    if (p->nsubs == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        prefix_t *v = realloc(p->subs, cap * sizeof(*v));
        if (v == NULL)
            return;
        p->subs = v;
        p->cap = cap;
    }
    char *copy = malloc(plen + 1);
    if (copy == NULL)
        return;
    memcpy(copy, pre, plen);
    copy[plen] = '\0';
    p->subs[p->nsubs++] = (prefix_t){copy, plen};
}

/* Take in every subscription message already received.  -1 on error. */
static int drain(publisher_t *p)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, p->sock, ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(&msg);
            return e == EAGAIN || e == EINTR ? 0 : -1;
        }
        take_subscription(p, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}

bool publisher_covers(publisher_t *p, const char *topic)
{
    size_t tlen = strlen(topic);

    drain(p);
    for (size_t i = 0; i < p->nsubs; i++)
        if (prefix_covers(&p->subs[i], topic, tlen))
            return true;
    return false;
}

void publisher_wait(publisher_t *p, int ms)
{
    zmq_pollitem_t item = {.socket = p->sock, .events = ZMQ_POLLIN};

    if (zmq_poll(&item, 1, ms) > 0)
        drain(p);
}

/* Wait until a subscription covers topic (any, if NULL): 1, 0 on timeout, -1. */
static int wait_subscriber(publisher_t *p, const char *topic)
{
    int64_t deadline = mono_ms() + p->timeout_ms;

    for (;;) {
        if (drain(p) != 0)
            return -1;
        if (topic == NULL ? p->nsubs > 0 : publisher_covers(p, topic))
            return 1;
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return 0;
        zmq_pollitem_t item = {.socket = p->sock, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, (long)left) < 0 && errno != EINTR)
            return -1;
    }
}

publish_status_t publisher_open(void *zctx, const char *endpoint, int timeout_ms, const char *topic,
                                publisher_t **out, char *err, size_t errlen)
{
    publish_status_t r = PUBLISH_ERROR;
    int one = 1, zero = 0, slice = SEND_SLICE_MS;
    publisher_t *p = calloc(1, sizeof(*p));

    *out = NULL;
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return PUBLISH_ERROR;
    }
    p->endpoint = endpoint;
    p->timeout_ms = timeout_ms;
    p->sock = zmq_socket(zctx, ZMQ_XPUB);
    if (p->sock == NULL) {
        snprintf(err, errlen, "cannot create a socket: %s", zmq_strerror(errno));
        goto fail;
    }
    zmq_setsockopt(p->sock, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(p->sock, ZMQ_IPV6, &one, sizeof(one));
    /* Wait for room instead of dropping when okrd falls behind. */
    zmq_setsockopt(p->sock, ZMQ_XPUB_NODROP, &one, sizeof(one));
    zmq_setsockopt(p->sock, ZMQ_SNDTIMEO, &slice, sizeof(slice));
    if (zmq_connect(p->sock, endpoint) != 0) {
        int e = errno;
        if (e == EINVAL || e == EPROTONOSUPPORT || e == ENOCOMPATPROTO) {
            snprintf(err, errlen, "invalid endpoint '%s'", endpoint);
            r = PUBLISH_BAD_ENDPOINT;
        } else {
            snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(e));
        }
        goto fail;
    }

    switch (wait_subscriber(p, topic)) {
    case 1:
        *out = p;
        return PUBLISH_OK;
    case 0:
        if (topic != NULL && p->nsubs > 0)
            snprintf(err, errlen, "okrd at %s does not subscribe to '%s'", endpoint, topic);
        else
            snprintf(err, errlen, "no subscriber at %s within %d ms (is okrd running?)", endpoint,
                     timeout_ms);
        r = PUBLISH_NO_SUBSCRIBER;
        break;
    default:
        snprintf(err, errlen, "cannot receive from %s: %s", endpoint, zmq_strerror(errno));
        break;
    }
fail:
    publisher_close(&p, 0);
    return r;
}

publish_status_t publisher_send(publisher_t *p, const char *topic, const void *body, size_t len,
                                const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    int64_t deadline = mono_ms() + p->timeout_ms;

    /* The first frame: this is where a full queue makes the send wait. */
    for (;;) {
        drain(p);
        if (zmq_send(p->sock, topic, strlen(topic), ZMQ_SNDMORE) >= 0)
            break;
        int e = errno;
        if (e == EINTR && stop != NULL && *stop)
            return PUBLISH_INTERRUPTED;
        if (e != EAGAIN && e != EINTR) {
            snprintf(err, errlen, "cannot send to %s: %s", p->endpoint, zmq_strerror(e));
            return PUBLISH_ERROR;
        }
        if (mono_ms() >= deadline) {
            snprintf(err, errlen, "okrd at %s took no events for %d ms", p->endpoint,
                     p->timeout_ms);
            return PUBLISH_STALLED;
        }
    }
    /* The rest of a message whose first frame was accepted goes through (ZeroMQ
     * counts whole messages against the high-water mark); finish it. */
    for (;;) {
        if (zmq_send(p->sock, body, len, 0) >= 0)
            return PUBLISH_OK;
        int e = errno;
        if ((e != EAGAIN && e != EINTR) || mono_ms() >= deadline + p->timeout_ms) {
            snprintf(err, errlen, "cannot send to %s: %s", p->endpoint, zmq_strerror(e));
            return PUBLISH_ERROR;
        }
    }
}

void publisher_close(publisher_t **pp, int linger_ms)
{
    publisher_t *p = pp != NULL ? *pp : NULL;

    if (p == NULL)
        return;
    if (p->sock != NULL) {
        /* Keep what is queued for up to linger_ms after close: zmq_ctx_term waits. */
        zmq_setsockopt(p->sock, ZMQ_LINGER, &linger_ms, sizeof(linger_ms));
        zmq_close(p->sock);
    }
    for (size_t i = 0; i < p->nsubs; i++)
        free(p->subs[i].data);
    free(p->subs);
    free(p);
    *pp = NULL;
}

publish_status_t publish_once(void *zctx, const char *endpoint, int timeout_ms, const char *topic,
                              const void *body, size_t len, char *err, size_t errlen)
{
    publisher_t *p;
    char why[512];

    publish_status_t r = publisher_open(zctx, endpoint, timeout_ms, topic, &p, why, sizeof(why));
    if (r == PUBLISH_NO_SUBSCRIBER) {
        snprintf(err, errlen, "event not delivered: %s", why);
        return r;
    }
    if (r != PUBLISH_OK) {
        snprintf(err, errlen, "%s", why);
        return r;
    }
    r = publisher_send(p, topic, body, len, NULL, err, errlen);
    publisher_close(&p, r == PUBLISH_OK ? timeout_ms : 0);
    return r;
}
