/*
 * publish.h - deliver event messages to okrd's ingest socket (SPEC section
 * 1) without the PUB "slow joiner" loss and without dropping under load.
 *
 * A PUB socket drops what it sends before a subscriber has connected and
 * subscribed.  So a publisher connects an XPUB socket and waits until okrd's
 * SUB socket tells it about a subscription (proof that the SUB is connected
 * and will take what covers it).  It keeps the subscriptions it has seen, so
 * a caller can tell which topics okrd reads.  The socket does not drop when
 * okrd falls behind (ZMQ_XPUB_NODROP): a send waits, up to the timeout
 * without progress, for room.  Closing keeps queued messages for a linger
 * time, so that ZeroMQ flushes them when the context is terminated.
 *
 * publish_once() is the one-event case (emit); the demo uses the rest.
 */
#ifndef OKRCTL_PUBLISH_H
#define OKRCTL_PUBLISH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum publish_status {
    PUBLISH_OK = 0,
    PUBLISH_NO_SUBSCRIBER, /* nobody subscribed (to the topic) in time */
    PUBLISH_BAD_ENDPOINT,  /* an endpoint that ZeroMQ refuses (a usage error) */
    PUBLISH_ERROR,         /* ZeroMQ failure */
    PUBLISH_STALLED,       /* okrd took nothing for the whole timeout */
    PUBLISH_INTERRUPTED,   /* *stop was set while waiting; nothing was sent */
} publish_status_t;

typedef struct publisher publisher_t;

/*
 * Connect an XPUB socket to endpoint (the string must outlive the
 * publisher) and wait at most timeout_ms for a subscription that covers
 * topic, or for any subscription when topic is NULL.  On success *out is
 * the publisher.  On failure writes a message (lowercase, no program name)
 * into err.
 */
publish_status_t publisher_open(void *zctx, const char *endpoint, int timeout_ms, const char *topic,
                                publisher_t **out, char *err, size_t errlen);

/* True if a subscription seen so far covers topic (okrd will receive it). */
bool publisher_covers(publisher_t *p, const char *topic);

/*
 * Send the frames topic and body[0..len).  When okrd falls behind this
 * waits for room; it gives up with PUBLISH_STALLED when nothing could be
 * sent for the timeout, or with PUBLISH_INTERRUPTED (nothing sent) when a
 * signal interrupts the wait and stop (may be NULL) is set.  A message to a
 * topic no subscription covers is accepted and dropped by ZeroMQ.
 */
publish_status_t publisher_send(publisher_t *p, const char *topic, const void *body, size_t len,
                                const volatile sig_atomic_t *stop, char *err, size_t errlen);

/*
 * Wait up to ms for (and take in) subscription changes: the publisher's
 * sleep.  Returns early when a signal arrives.
 */
void publisher_wait(publisher_t *p, int ms);

/*
 * Close the socket, keeping unsent messages for up to linger_ms (flushed
 * while the ZeroMQ context terminates), and free the publisher.  Accepts
 * NULL; sets *p to NULL.
 */
void publisher_close(publisher_t **p, int linger_ms);

/*
 * Send one message: open (waiting for a subscription covering topic), send,
 * close with a linger of timeout_ms.  Messages start "event not delivered"
 * when nobody subscribed.
 */
publish_status_t publish_once(void *zctx, const char *endpoint, int timeout_ms, const char *topic,
                              const void *body, size_t len, char *err, size_t errlen);

#endif
