/*
 * ingest.h - the event path: SUB socket, decode, validate, de-duplicate,
 * and add to the dirty buckets (SPEC section 1).
 *
 * Every event received is either applied, whole, to every KPI that reads its
 * source, or rejected and counted under one reason; nothing a publisher sends
 * can crash or stall the loop.  Decoding borrows the received frame (no copy)
 * and a reused msgpack zone, so a warm loop allocates nothing per event.
 *
 * Writer thread only.  ingest_new() builds the validation and routing state
 * from a configuration without any socket, so tests can feed messages
 * directly; ingest_open_socket() adds the SUB socket.
 */
#ifndef OKR_INGEST_H
#define OKR_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "config.h"
#include "sources.h"
#include "stats.h"

typedef struct ingest ingest_t;

/* cfg's KPIs must have their storage ids.  ingest keeps a reference to cfg. */
ingest_t *ingest_new(config_t *cfg, aggr_t *aggr, sources_t *src, stats_counts_t *counts);
void ingest_destroy(ingest_t **in);

/* Switch to a new configuration (new KPIs, sources, retention) for the
 * events that follow.  Socket options are not changed.  Returns 0 or -ENOMEM. */
int ingest_set_config(ingest_t *in, config_t *cfg);

/* Create the SUB socket: options, subscriptions, binds and connects.  On
 * error returns -1 with a sentence in err. */
int ingest_open_socket(ingest_t *in, void *zctx, char *err, size_t errlen);

/* The SUB socket, for zmq_poll. */
void *ingest_socket(ingest_t *in);

/* Receive and process up to max messages without blocking, stopping early
 * once the clock reaches deadline_ms (the next commit), so that a flood of
 * large batches cannot hold off commits and the watchdog.  Returns the
 * number of messages processed. */
int ingest_drain(ingest_t *in, int max, int64_t deadline_ms);

/*
 * Process one message as received: nframes frames, of which the first two
 * are given (topic may be NULL when nframes is 0).  now_ms is the time of
 * receipt.  This is the whole validation and aggregation path.
 */
void ingest_message(ingest_t *in, int nframes, const void *topic, size_t topic_len,
                    const void *body, size_t body_len, int64_t now_ms);

#endif
