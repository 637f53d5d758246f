#include "okr_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "okr.h"

int okr_writer_checkin(store_t *s, const void *msg, size_t len, msgpack_sbuffer *out)
{
    msgpack_zone zone;
    msgpack_zone_init(&zone, 1024);
    msgpack_object o;
    size_t off = 0;
    int64_t n = -1, ts = 0;
    char kr[256];
    int rc = -EINVAL;
    const msgpack_object *body = NULL;
    if (msgpack_unpack(msg, len, &off, &zone, &o) == MSGPACK_UNPACK_SUCCESS &&
        wire_int(wire_map_get(&o, "n"), &n) && wire_int(wire_map_get(&o, "ts"), &ts) &&
        wire_str_copy(wire_map_get(&o, "kr"), kr, sizeof kr) == 0 &&
        (body = wire_map_get(&o, "body")) != NULL && body->type == MSGPACK_OBJECT_BIN)
        rc = store_put_checkin(s, kr, ts, body->via.bin.ptr, body->via.bin.size);

    msgpack_sbuffer_clear(out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, rc == 0 ? 2 : 3);
    wire_pack_str(&pk, "n");
    msgpack_pack_int64(&pk, n);
    wire_pack_str(&pk, "ok");
    if (rc == 0) {
        msgpack_pack_true(&pk);
    } else {
        msgpack_pack_false(&pk);
        wire_pack_str(&pk, "error");
        wire_pack_str(&pk, rc == -EINVAL ? "malformed check-in" : "cannot store the check-in");
    }
    msgpack_zone_destroy(&zone);
    return rc;
}

int okr_writer_snapshot(store_t *s, store_reader_t *rd, const config_t *cfg, int64_t now,
                        int64_t day_end)
{
    int n = cfg->nobjectives, nkrs = 0;
    for (int i = 0; i < n; i++)
        nkrs += cfg->objectives[i].nkrs;
    if (n == 0)
        return 0;
    obj_eval_t *objs = calloc((size_t)n, sizeof *objs);
    kr_eval_t **krs = calloc((size_t)n, sizeof *krs);
    store_snapshot_t *snaps = calloc((size_t)(n + nkrs), sizeof *snaps);
    int rc = objs && krs && snaps ? 0 : -ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++)
        if ((krs[i] = calloc((size_t)cfg->objectives[i].nkrs + 1, sizeof **krs)) == NULL)
            rc = -ENOMEM;
    if (rc == 0)
        rc = store_reader_begin(rd);
    if (rc == 0) {
        okr_ctx_t ctx = {rd, cfg, window_avail_at(now, cfg->retention)};
        rc = okr_eval_all(&ctx, day_end, objs, krs);
        store_reader_end(rd);
    }
    int m = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        const objective_def_t *o = &cfg->objectives[i];
        /* Only objectives whose period covers the day that ended. */
        if (day_end <= o->from || day_end > o->to)
            continue;
        if (objs[i].has_progress)
            snaps[m++] = (store_snapshot_t){'o', o->id, day_end - MS_DAY, objs[i].progress};
        for (int j = 0; j < o->nkrs; j++)
            if (krs[i][j].has_progress)
                snaps[m++] =
                    (store_snapshot_t){'k', o->krs[j].id, day_end - MS_DAY, krs[i][j].progress};
    }
    if (rc == 0 && m > 0)
        rc = store_put_snapshots(s, snaps, m);
    for (int i = 0; krs != NULL && i < n; i++)
        free(krs[i]);
    free(krs);
    free(objs);
    free(snaps);
    return rc;
}
