/*
 * okr_writer.h - the writer thread's OKR duties: storing the check-ins the
 * query thread hands over (only the writer writes to the store), and the
 * daily snapshots of every key result's and objective's progress.
 */
#ifndef OKR_OKR_WRITER_H
#define OKR_OKR_WRITER_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

/*
 * Store the check-in in msg ({n, kr, ts, body}, from the query thread) and
 * build the reply {n, ok, error?} into out.  Returns 0 when stored.
 */
int okr_writer_checkin(store_t *s, const void *msg, size_t len, msgpack_sbuffer *out);

/*
 * Snapshot the progress of every key result and objective whose period
 * covers the day that ends at day_end (a local midnight), evaluated at
 * day_end.  rd is the writer's own reader.  Returns 0 or -errno.
 */
int okr_writer_snapshot(store_t *s, store_reader_t *rd, const config_t *cfg, int64_t now,
                        int64_t day_end);

#endif
