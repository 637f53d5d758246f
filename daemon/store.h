/*
 * store.h - okrd's state in LMDB.
 *
 * One environment in daemon.state_dir, with these databases:
 *   meta     "format" -> u32 version
 *   kpis     KPI name -> u32 storage id (ids are never reused, so the data of
 *            a removed KPI stays readable until retention expires)
 *   buckets  [u32 id BE][u8 res][u64 start BE, sign-flipped] -> bucket_record_t
 *   sources  source_id -> source_rec_t (last applied seq, last ts, gaps)
 *   checkins [kr id][0][u64 ts BE, sign-flipped][u32 n BE] -> MessagePack map
 *            {value?, done?, confidence?, note?, author?}
 *   history  [kind 'k'|'o'][id][0][u64 day BE, sign-flipped] -> double progress
 *            (daily snapshots of key results and objectives)
 *
 * One writer (the ingest thread) group-commits the dirty buckets and the
 * dirty publisher records in one transaction, so de-duplication state and
 * the aggregates it guards are always committed together.  Readers (the
 * query thread) use their own read transactions: LMDB's MVCC lets them read
 * the last commit while the writer builds the next one.
 *
 * Errors are returned as 0 / -errno; LMDB's codes are translated here
 * (MDB_MAP_FULL never escapes: the map is grown and the commit retried).
 */
#ifndef OKR_STORE_H
#define OKR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "bucket.h"
#include "config.h"
#include "sources.h"

typedef struct store store_t;

/*
 * Open (creating if missing) the environment in dir.  A second process on
 * the same dir is refused: -EBUSY with a message naming the holder's pid.
 * On error, err receives a sentence that says what to do.
 */
int store_open(store_t **out, const char *dir, uint64_t map_size_mb, bool sync, char *err,
               size_t errlen);

/* Close; accepts NULL and sets *s to NULL.  No reader may be open. */
void store_close(store_t **s);

/*
 * Buckets are aligned to the local days and hours of time.utc_offset, so the
 * offset is part of the stored data: the first call records it; a later
 * call with another offset returns -EINVAL with a sentence in err.
 */
int store_check_offset(store_t *s, int32_t utc_offset_s, char *err, size_t errlen);

/* Give each KPI its persistent storage id (kpis[i].id), assigning new ids
 * to names never seen before.  Writer thread only. */
int store_assign_ids(store_t *s, kpi_def_t *kpis, int n);

/* Load every publisher record into src (at start-up). */
int store_load_sources(store_t *s, sources_t *src);

/*
 * Commit: merge every dirty bucket of a into its stored bucket, write every
 * dirty publisher record of src, and, when prune is not NULL, delete buckets
 * of resolution r that start before prune[r] (at most a bounded number per
 * commit; the rest go in later ones).  All in one transaction, synced when
 * the store was opened with sync.  With prune, publisher records whose
 * latest event is older than prune[RES_DAY] are deleted too (the caller
 * forgets them with sources_expire()).  On success clears a and marks src clean;
 * on failure both are left as they were, so the caller can retry.
 */
int store_commit(store_t *s, aggr_t *a, sources_t *src, const int64_t *prune);

/*
 * Store one check-in of key result kr_id at ts (its body a MessagePack map)
 * and commit it at once, synced like every commit.  Writer thread only.
 */
int store_put_checkin(store_t *s, const char *kr_id, int64_t ts, const void *body, size_t len);

/* One daily snapshot: progress of key result (kind 'k') or objective ('o') id
 * at the end of the day that starts at day. */
typedef struct store_snapshot {
    char kind;
    const char *id;
    int64_t day;
    double progress;
} store_snapshot_t;

/* Write snapshots in one transaction.  Writer thread only. */
int store_put_snapshots(store_t *s, const store_snapshot_t *snaps, int n);

/* Bytes of the map in use (pages used x page size). */
uint64_t store_db_bytes(store_t *s);

/* ---- readers ------------------------------------------------------------ */

typedef struct store_reader store_reader_t;

/* One reader per thread. */
int store_reader_open(store_t *s, store_reader_t **out);
void store_reader_close(store_reader_t **r);

/* Start reading the latest commit; everything read until store_reader_end
 * sees that one snapshot. */
int store_reader_begin(store_reader_t *r);
void store_reader_end(store_reader_t *r);

/* Merge into acc the buckets of KPI id and resolution res whose start lies
 * in [from, to). */
int store_read_merge(store_reader_t *r, uint32_t id, res_t res, int64_t from, int64_t to,
                     agg_state_t *acc);

/* The same, also merging the buckets' sketches into hll and qsk when they
 * are not NULL.  -ENOMEM when a sketch cannot be read. */
int store_read_merge_sketch(store_reader_t *r, uint32_t id, res_t res, int64_t from, int64_t to,
                            agg_state_t *acc, hll_t *hll, qsk_t *qsk);

/* Call fn for each bucket of KPI id and resolution res whose start lies in
 * [from, to), in time order; stops at the first non-zero return of fn. */
typedef int (*store_bucket_fn)(void *ctx, int64_t start, const agg_state_t *state);
int store_read_each(store_reader_t *r, uint32_t id, res_t res, int64_t from, int64_t to,
                    store_bucket_fn fn, void *ctx);

/* Call fn for every publisher record, in id order. */
typedef int (*store_source_fn)(void *ctx, const char *id, size_t len, const source_rec_t *rec);
int store_read_sources(store_reader_t *r, store_source_fn fn, void *ctx);

/*
 * Call fn for each check-in of key result kr_id with ts in [from, to), in
 * time order (oldest first), or newest first when newest_first; stop at
 * the first non-zero return of fn (returned), or after limit calls when
 * limit > 0.
 */
typedef int (*store_checkin_fn)(void *ctx, int64_t ts, const void *body, size_t len);
int store_read_checkins(store_reader_t *r, const char *kr_id, int64_t from, int64_t to,
                        bool newest_first, int limit, store_checkin_fn fn, void *ctx);

/* Call fn for each snapshot of (kind, id) with day in [from, to), oldest first. */
typedef int (*store_history_fn)(void *ctx, int64_t day, double progress);
int store_read_history(store_reader_t *r, char kind, const char *id, int64_t from, int64_t to,
                       store_history_fn fn, void *ctx);

#endif
