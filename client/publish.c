#include "publish.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for a subscription message (byte 1, then the prefix) whose prefix
 * covers topic.  Returns 1 when one arrived, 0 on timeout, -1 on error; sets
 * *other when subscriptions arrived that do not cover topic.
 */
static int wait_subscriber(void *sock, const char *topic, int timeout_ms, bool *other)
{
    int64_t deadline = mono_ms() + timeout_ms;
    size_t tlen = strlen(topic);

    for (;;) {
        int64_t left = deadline - mono_ms();
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        int n = zmq_poll(&item, 1, left > 0 ? (long)left : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 || !(item.revents & ZMQ_POLLIN)) {
            if (left <= 0)
                return 0;
            continue;
        }
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return -1;
        }
        const unsigned char *d = zmq_msg_data(&msg);
        size_t len = zmq_msg_size(&msg);
        bool covers =
            len >= 1 && d[0] == 1 && len - 1 <= tlen && memcmp(d + 1, topic, len - 1) == 0;
        if (len >= 1 && d[0] == 1 && !covers)
            *other = true;
        zmq_msg_close(&msg);
        if (covers)
            return 1;
    }
}

publish_status_t publish_once(void *zctx, const char *endpoint, int timeout_ms, const char *topic,
                              const void *body, size_t len, char *err, size_t errlen)
{
    publish_status_t r = PUBLISH_ERROR;
    int one = 1, zero = 0;
    bool other = false;

    void *sock = zmq_socket(zctx, ZMQ_XPUB);
    if (sock == NULL) {
        snprintf(err, errlen, "cannot create a socket: %s", zmq_strerror(errno));
        return PUBLISH_ERROR;
    }
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(sock, ZMQ_IPV6, &one, sizeof(one));
    if (zmq_connect(sock, endpoint) != 0) {
        int e = errno;
        if (e == EINVAL || e == EPROTONOSUPPORT || e == ENOCOMPATPROTO) {
            snprintf(err, errlen, "invalid endpoint '%s'", endpoint);
            r = PUBLISH_BAD_ENDPOINT;
        } else {
            snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(e));
        }
        goto done;
    }

    switch (wait_subscriber(sock, topic, timeout_ms, &other)) {
    case 1:
        break;
    case 0:
        if (other)
            snprintf(err, errlen, "event not delivered: okrd at %s does not subscribe to '%s'",
                     endpoint, topic);
        else
            snprintf(err, errlen,
                     "event not delivered: no subscriber at %s within %d ms (is okrd running?)",
                     endpoint, timeout_ms);
        r = PUBLISH_NO_SUBSCRIBER;
        goto done;
    default:
        snprintf(err, errlen, "cannot receive from %s: %s", endpoint, zmq_strerror(errno));
        goto done;
    }

    if (zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE) < 0 || zmq_send(sock, body, len, 0) < 0) {
        snprintf(err, errlen, "cannot send to %s: %s", endpoint, zmq_strerror(errno));
        goto done;
    }
    /* Keep the message for up to the timeout after close: zmq_ctx_term waits. */
    zmq_setsockopt(sock, ZMQ_LINGER, &timeout_ms, sizeof(timeout_ms));
    r = PUBLISH_OK;
done:
    zmq_close(sock);
    return r;
}
