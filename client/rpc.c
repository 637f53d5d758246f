#include "rpc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* Replies larger than this are refused by ZeroMQ (a reply is a few KiB). */
#define RPC_MAX_REPLY (INT64_C(64) << 20)

typedef enum attempt {
    ATTEMPT_REPLY,
    ATTEMPT_SILENT,
    ATTEMPT_BAD_ENDPOINT,
    ATTEMPT_ERROR,
} attempt_t;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True for the errors zmq_connect gives for an endpoint it cannot parse. */
static bool endpoint_error(int e)
{
    return e == EINVAL || e == EPROTONOSUPPORT || e == ENOCOMPATPROTO;
}

/* Take the (first) frame of the reply that is waiting on sock. */
static attempt_t take_reply(void *sock, rpc_reply_t *out, char *err, size_t errlen)
{
    zmq_msg_t msg;
    attempt_t r = ATTEMPT_ERROR;

    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
        snprintf(err, errlen, "cannot receive: %s", zmq_strerror(errno));
        goto done;
    }
    size_t len = zmq_msg_size(&msg);
    void *data = malloc(len ? len : 1);
    if (data == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    memcpy(data, zmq_msg_data(&msg), len);
    out->data = data;
    out->len = len;
    r = ATTEMPT_REPLY;
    /* A reply is one frame; drop any extra frames a confused peer sends. */
    while (zmq_msg_more(&msg) && zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0)
        ;
done:
    zmq_msg_close(&msg);
    return r;
}

static attempt_t try_endpoint(void *zctx, const char *ep, int timeout_ms, const void *req,
                              size_t len, rpc_reply_t *out, char *err, size_t errlen)
{
    int64_t deadline = mono_ms() + timeout_ms;
    int zero = 0, one = 1;
    int64_t maxsize = RPC_MAX_REPLY;
    attempt_t r = ATTEMPT_ERROR;

    void *sock = zmq_socket(zctx, ZMQ_REQ);
    if (sock == NULL) {
        snprintf(err, errlen, "cannot create a socket: %s", zmq_strerror(errno));
        return ATTEMPT_ERROR;
    }
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(sock, ZMQ_IPV6, &one, sizeof(one));
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxsize, sizeof(maxsize));
    /* A REQ socket blocks in send while it has no pipe; bound that too. */
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof(timeout_ms));

    if (zmq_connect(sock, ep) != 0) {
        if (endpoint_error(errno)) {
            snprintf(err, errlen, "invalid endpoint '%s'", ep);
            r = ATTEMPT_BAD_ENDPOINT;
        } else {
            snprintf(err, errlen, "cannot connect to %s: %s", ep, zmq_strerror(errno));
        }
        goto done;
    }
    if (zmq_send(sock, req, len, 0) < 0) {
        if (errno == EAGAIN) {
            r = ATTEMPT_SILENT;
        } else {
            snprintf(err, errlen, "cannot send to %s: %s", ep, zmq_strerror(errno));
        }
        goto done;
    }
    for (;;) {
        int64_t left = deadline - mono_ms();
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        int n = zmq_poll(&item, 1, left > 0 ? (long)left : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot poll: %s", zmq_strerror(errno));
            goto done;
        }
        if (n > 0 && (item.revents & ZMQ_POLLIN)) {
            r = take_reply(sock, out, err, errlen);
            goto done;
        }
        if (left <= 0) {
            r = ATTEMPT_SILENT;
            goto done;
        }
    }
done:
    zmq_close(sock);
    return r;
}

rpc_status_t rpc_call(void *zctx, const char *const *endpoints, int nendpoints, int timeout_ms,
                      const void *req, size_t len, rpc_reply_t *out, char *err, size_t errlen)
{
    out->data = NULL;
    out->len = 0;
    out->endpoint = NULL;
    for (int i = 0; i < nendpoints; i++) {
        switch (try_endpoint(zctx, endpoints[i], timeout_ms, req, len, out, err, errlen)) {
        case ATTEMPT_REPLY:
            out->endpoint = endpoints[i];
            return RPC_OK;
        case ATTEMPT_SILENT:
            break;
        case ATTEMPT_BAD_ENDPOINT:
            return RPC_BAD_ENDPOINT;
        case ATTEMPT_ERROR:
            return RPC_ERROR;
        }
    }

    /* "no answer from A, B within 2000 ms (is okrd running?)" */
    size_t o = (size_t)snprintf(err, errlen, "no answer from ");
    for (int i = 0; i < nendpoints && o < errlen; i++)
        o += (size_t)snprintf(err + o, errlen - o, "%s%s", i ? ", " : "", endpoints[i]);
    if (o < errlen)
        snprintf(err + o, errlen - o, " within %d ms (is okrd running?)", timeout_ms);
    return RPC_NO_ANSWER;
}

void rpc_reply_free(rpc_reply_t *r)
{
    if (r == NULL)
        return;
    free(r->data);
    r->data = NULL;
    r->len = 0;
}
