/*
 * rpc.h - one request to okrd's query socket with failover (SPEC section 7,
 * the zguide's Lazy Pirate pattern).
 *
 * The endpoints are tried in order.  For each: a new REQ socket (linger 0),
 * connect, send, wait up to timeout_ms for the reply.  A reply ends the
 * call; silence closes that socket (a REQ socket that missed its reply is
 * unusable) and moves on to the next endpoint.  A request is therefore sent
 * at most once per endpoint; the queries are read-only, so a reply that
 * arrives late from an earlier endpoint is harmless and simply discarded.
 */
#ifndef OKRCTL_RPC_H
#define OKRCTL_RPC_H

#include <stddef.h>

typedef enum rpc_status {
    RPC_OK = 0,
    RPC_NO_ANSWER,    /* no endpoint answered in time */
    RPC_BAD_ENDPOINT, /* an endpoint that ZeroMQ refuses (a usage error) */
    RPC_ERROR,        /* ZeroMQ or memory failure */
} rpc_status_t;

typedef struct rpc_reply {
    void *data; /* the reply frame; malloc'd, owned by the caller */
    size_t len;
    const char *endpoint; /* the endpoint that answered: one of the caller's */
} rpc_reply_t;

/*
 * Send req[0..len) and wait for one reply.  zctx is a ZeroMQ context.  On
 * RPC_OK fills *out (free out->data with rpc_reply_free).  On failure writes
 * a message (lowercase, no program name) into err.
 */
rpc_status_t rpc_call(void *zctx, const char *const *endpoints, int nendpoints, int timeout_ms,
                      const void *req, size_t len, rpc_reply_t *out, char *err, size_t errlen);

void rpc_reply_free(rpc_reply_t *r);

#endif
