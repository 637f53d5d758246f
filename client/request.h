/*
 * request.h - one query to okrd, from packed request to an `ok` reply.
 *
 * request_send() does everything that is the same for every query: the
 * round trip with failover (rpc.c), decoding, and the error paths with their
 * exit codes: no answer (3), an undecodable reply (4), a daemon error reply
 * (1: its message on stderr, and with --json the reply on stdout).  The
 * commands only deal with a successful reply.
 */
#ifndef OKRCTL_REQUEST_H
#define OKRCTL_REQUEST_H

#include <msgpack.h>

#include "okrctl.h"
#include "rpc.h"

typedef struct reply {
    rpc_reply_t raw; /* the frame; the objects below point into it */
    msgpack_unpacked up;
    const msgpack_object *map; /* the reply map (ok is true) */
} reply_t;

/*
 * Send req and wait for the reply.  Returns CTL_EXIT_OK with *r holding an
 * ok reply, or another exit code after reporting the failure.  Call
 * reply_free() in both cases.
 */
int request_send(ctl_t *c, const msgpack_sbuffer *req, reply_t *r);

void reply_free(reply_t *r);

/* How a command shows a successful reply to people. */
typedef void (*reply_show_fn)(const ctl_t *c, const msgpack_object *map);

/*
 * Send req (and destroy it), then print the reply as JSON with --json, or
 * with show otherwise.  Returns the exit code.
 */
int request_run(ctl_t *c, msgpack_sbuffer *req, reply_show_fn show);

/* Initialise sb with the request {op}; the caller destroys it. */
void request_op(msgpack_sbuffer *sb, const char *op);

/* request_run for a request that is just {op}. */
int request_run_op(ctl_t *c, const char *op, reply_show_fn show);

/* Print the reply map as one line of JSON to stdout; returns CTL_EXIT_OK. */
int reply_print_json(const reply_t *r);

/* Packing helpers for requests: a str key followed by its value. */
void pack_kv_str(msgpack_packer *pk, const char *k, const char *v);
void pack_kv_int(msgpack_packer *pk, const char *k, int64_t v);

#endif
