#include "kpi.h"

int kpi_state(store_reader_t *rd, const cal_t *cal, const kpi_def_t *k, int64_t from, int64_t to,
              agg_state_t *out)
{
    *out = AGG_STATE_EMPTY;
    window_piece_t pieces[5];
    int n = window_tile(cal, from, to, pieces);
    for (int i = 0; i < n; i++) {
        int rc = store_read_merge(rd, k->id, pieces[i].res, pieces[i].start, pieces[i].end, out);
        if (rc != 0)
            return rc;
    }
    return 0;
}
