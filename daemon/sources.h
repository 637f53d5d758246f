/*
 * sources.h - what okrd knows of each publisher instance (source_id): the
 * last applied seq, for exact de-duplication, the last event time and the
 * gaps seen.  The writer thread owns the table; entries changed since the
 * last commit are "dirty" and the store writes them in the same transaction
 * as the aggregates they produced.
 *
 * Ids are stored inline (at most WIRE_MAX_SOURCE_ID bytes), so a known
 * publisher costs no allocation; the table grows only for new publishers.
 */
#ifndef OKR_SOURCES_H
#define OKR_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/wire.h"

typedef struct source_rec {
    uint64_t last_seq; /* last applied seq, valid when has_seq */
    int64_t last_ts;   /* ts of the latest applied event */
    uint64_t gaps;     /* missing seq numbers seen */
    uint64_t has_seq;  /* 1 once an event with a seq was applied */
} source_rec_t;

typedef struct source_ent {
    char id[WIRE_MAX_SOURCE_ID];
    uint8_t len;
    bool used;
    bool dirty;        /* changed since the last commit: see sources_mark_dirty() */
    bool has_seen;     /* in memory only: the highest seq received, even if */
    uint64_t seen_seq; /* rejected, so that a rejected event is not a gap */
    source_rec_t rec;
} source_ent_t;

typedef struct sources sources_t;

sources_t *sources_new(void);
void sources_destroy(sources_t **s);

/* The entry of id, created (zeroed, not dirty) when new; NULL on OOM.
 * len <= WIRE_MAX_SOURCE_ID.  The pointer is valid until the next call. */
source_ent_t *sources_get(sources_t *s, const char *id, size_t len);

/* Number of known publishers. */
size_t sources_count(const sources_t *s);

/* Mark e (an entry of s) changed, so that the next commit writes it. */
void sources_mark_dirty(sources_t *s, source_ent_t *e);

/* Call fn for each dirty entry; stops at the first non-zero return. */
int sources_foreach_dirty(sources_t *s, int (*fn)(void *ctx, const source_ent_t *e), void *ctx);

/*
 * Forget the publishers whose latest applied event is older than before
 * (and those that never had one applied), except dirty ones.  An event that
 * old is rejected anyway (bad_time), so nothing can be replayed twice.
 * Returns how many were forgotten, or -1 (out of memory: none).  Entry
 * pointers are invalid afterwards when any was forgotten.
 */
long sources_expire(sources_t *s, int64_t before);

/* Mark every entry clean (after a successful commit). */
void sources_clean(sources_t *s);

#endif
