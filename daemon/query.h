/*
 * query.h - the query API (SPEC section 4): a REP socket served by a thread
 * of its own, answering from LMDB read transactions, so that queries never
 * wait for ingest and ingest never waits for queries.
 *
 * Every request gets exactly one reply, an error reply when it is malformed,
 * unknown or incomplete, so the REP socket can never get stuck.
 */
#ifndef OKR_QUERY_H
#define OKR_QUERY_H

#include <msgpack.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "stats.h"
#include "store.h"

#define QUERY_PROTOCOL   1
#define QUERY_MAX_POINTS 10000
/* The writer thread binds a PAIR socket here; the query thread hands it
 * check-ins, since only the writer writes to the store. */
#define QUERY_WRITER_ENDPOINT "inproc://okrd-writer"

/* What the query thread shares with the writer. */
typedef struct query_shared {
    store_t *store;
    stats_t *stats;
    int64_t started_ms;
    pthread_mutex_t lock; /* guards cfg */
    config_t *cfg;        /* the running configuration; swapped on reload */
} query_shared_t;

/* The running configuration, with a reference the caller must drop. */
config_t *query_config(query_shared_t *sh);
/* Swap in a new configuration (takes a reference to cfg). */
void query_set_config(query_shared_t *sh, config_t *cfg);

typedef struct query query_t;

/*
 * Bind the REP socket to cfg's query.bind endpoints (in the calling thread,
 * so that a bind error stops start-up) and start the thread.  On error
 * returns -1 with a sentence in err.
 */
int query_start(query_t **out, void *zctx, query_shared_t *sh, char *err, size_t errlen);

/* Stop the thread and close the socket; accepts NULL. */
void query_stop(query_t **q);

/*
 * Answer one request (the bytes of its frame) into out, which is cleared
 * first.  rd is the calling thread's reader; now_ms is the clock; writer is
 * the PAIR socket connected to QUERY_WRITER_ENDPOINT (NULL: check-ins are
 * refused).  This is the whole request path without the REP socket.
 */
void query_handle(query_shared_t *sh, store_reader_t *rd, void *writer, const char *req, size_t len,
                  int64_t now_ms, msgpack_sbuffer *out);

#endif
