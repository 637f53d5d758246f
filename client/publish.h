/*
 * publish.h - deliver one event message to okrd's ingest socket (SPEC
 * section 1) without the PUB "slow joiner" loss.
 *
 * A PUB socket drops what it sends before a subscriber has connected and
 * subscribed.  So this connects an XPUB socket, waits until okrd's SUB socket
 * tells it about a subscription that covers the topic (proof that the SUB is
 * connected and will take the message), sends the two frames, and closes the
 * socket with a linger of the timeout so that ZeroMQ flushes the message
 * before the process exits.
 */
#ifndef OKRCTL_PUBLISH_H
#define OKRCTL_PUBLISH_H

#include <stddef.h>

typedef enum publish_status {
    PUBLISH_OK = 0,
    PUBLISH_NO_SUBSCRIBER, /* nobody subscribed to the topic in time */
    PUBLISH_BAD_ENDPOINT,  /* an endpoint that ZeroMQ refuses (a usage error) */
    PUBLISH_ERROR,         /* ZeroMQ failure */
} publish_status_t;

/*
 * Send the frames topic and body[0..len) to endpoint, waiting at most
 * timeout_ms for a subscriber and then at most timeout_ms for the flush
 * (when zctx is terminated).  On failure writes a message (lowercase, no
 * program name) into err.
 */
publish_status_t publish_once(void *zctx, const char *endpoint, int timeout_ms, const char *topic,
                              const void *body, size_t len, char *err, size_t errlen);

#endif
