#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"

/* 2: bucket records may carry sketches after the fixed part.  Format 1
 * (records without sketches) is a subset and is upgraded in place; an okrd
 * that reads only format 1 refuses format 2 instead of losing sketches. */
#define STORE_FORMAT     2
#define PRUNE_PER_COMMIT 20000
#define KEY_LEN          13

struct store {
    MDB_env *env;
    MDB_dbi meta, kpis, buckets, sources, checkins, history;
    int lock_fd;
    size_t map_size;
    /* Readers hold it shared for the life of a read transaction; the writer
     * takes it exclusively to grow the map, which LMDB allows only while no
     * transaction is active in the process. */
    pthread_rwlock_t resize;
};

struct store_reader {
    store_t *s;
    MDB_txn *txn;
    MDB_cursor *cur;
    bool active;
};

/* LMDB error -> -errno at the boundary. */
static int mdb_errno(int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case MDB_MAP_FULL:
        return -ENOSPC;
    case MDB_NOTFOUND:
        return -ENOENT;
    case MDB_READERS_FULL:
        return -EAGAIN;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        return -EIO;
    default:
        return rc > 0 ? -rc : -EIO;
    }
}

static void key_encode(unsigned char *k, uint32_t id, res_t res, int64_t start)
{
    uint64_t u = (uint64_t)start ^ (UINT64_C(1) << 63);
    k[0] = (unsigned char)(id >> 24);
    k[1] = (unsigned char)(id >> 16);
    k[2] = (unsigned char)(id >> 8);
    k[3] = (unsigned char)id;
    k[4] = (unsigned char)res;
    for (int i = 0; i < 8; i++)
        k[5 + i] = (unsigned char)(u >> (56 - 8 * i));
}

static int64_t key_start(const unsigned char *k)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | k[5 + i];
    return (int64_t)(u ^ (UINT64_C(1) << 63));
}

static int lock_state_dir(const char *dir, int *fd_out, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/okrd.pid", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(e));
        return -e;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "?";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        if (n > 0) {
            pid[n] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
        }
        close(fd);
        if (e == EWOULDBLOCK) {
            snprintf(err, errlen,
                     "state directory '%s' is in use by another okrd (pid %s); stop that one "
                     "first, or give this one another daemon.state_dir",
                     dir, pid);
            return -EBUSY;
        }
        snprintf(err, errlen, "cannot lock '%s': %s", path, strerror(e));
        return -e;
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len)
        log_warn("event=pidfile_write_failed path=%s", path);
    *fd_out = fd;
    return 0;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int open_dbis(store_t *s, char *err, size_t errlen)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "kpis", MDB_CREATE, &s->kpis);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "buckets", MDB_CREATE, &s->buckets);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sources", MDB_CREATE, &s->sources);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "checkins", MDB_CREATE, &s->checkins);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "history", MDB_CREATE, &s->history);
    if (rc != 0) {
        snprintf(err, errlen, "cannot open the databases: %s", mdb_strerror(rc));
        if (txn != NULL)
            mdb_txn_abort(txn);
        return mdb_errno(rc);
    }
    MDB_val k = {6, "format"}, v;
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        uint32_t fmt = STORE_FORMAT;
        v = (MDB_val){sizeof fmt, &fmt};
        rc = mdb_put(txn, s->meta, &k, &v, 0);
    } else if (rc == 0) {
        uint32_t fmt = 0;
        if (v.mv_size == sizeof fmt)
            memcpy(&fmt, v.mv_data, sizeof fmt);
        if (fmt == 1) {
            fmt = STORE_FORMAT;
            v = (MDB_val){sizeof fmt, &fmt};
            rc = mdb_put(txn, s->meta, &k, &v, 0);
        } else if (fmt != STORE_FORMAT) {
            snprintf(err, errlen,
                     "the state directory holds data in format %u, this okrd reads formats 1 "
                     "and %u",
                     fmt, STORE_FORMAT);
            mdb_txn_abort(txn);
            return -EPROTO;
        }
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc != 0) {
        snprintf(err, errlen, "cannot initialise the databases: %s", mdb_strerror(rc));
        return mdb_errno(rc);
    }
    return 0;
}

int store_open(store_t **out, const char *dir, uint64_t map_size_mb, bool sync, char *err,
               size_t errlen)
{
    *out = NULL;
    int rc = mkdir_p(dir);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create state directory '%s': %s", dir, strerror(-rc));
        return rc;
    }
    store_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->lock_fd = -1;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->resize, &attr);
    pthread_rwlockattr_destroy(&attr);

    rc = lock_state_dir(dir, &s->lock_fd, err, errlen);
    if (rc != 0)
        goto fail;

    /* Never map less than what the file already holds. */
    s->map_size = (size_t)map_size_mb << 20;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (stat(path, &st) == 0 && (size_t)st.st_size > s->map_size)
        s->map_size = (size_t)st.st_size;

    int mrc = mdb_env_create(&s->env);
    if (mrc == 0)
        mrc = mdb_env_set_maxdbs(s->env, 8);
    if (mrc == 0)
        mrc = mdb_env_set_mapsize(s->env, s->map_size);
    if (mrc == 0)
        mrc = mdb_env_open(s->env, dir, MDB_NOTLS | (sync ? 0 : MDB_NOSYNC), 0640);
    if (mrc != 0) {
        snprintf(err, errlen, "cannot open LMDB environment in '%s': %s", dir, mdb_strerror(mrc));
        rc = mdb_errno(mrc);
        goto fail;
    }
    rc = open_dbis(s, err, errlen);
    if (rc != 0)
        goto fail;
    *out = s;
    return 0;

fail:
    store_close(&s);
    return rc;
}

void store_close(store_t **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    store_t *s = *sp;
    if (s->env != NULL) {
        mdb_env_sync(s->env, 1);
        mdb_env_close(s->env);
    }
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    pthread_rwlock_destroy(&s->resize);
    free(s);
    *sp = NULL;
}

/* Double the map.  Called with no write transaction open. */
static int grow_map(store_t *s)
{
    size_t want = s->map_size * 2;
    pthread_rwlock_wrlock(&s->resize);
    int rc = mdb_env_set_mapsize(s->env, want);
    pthread_rwlock_unlock(&s->resize);
    if (rc != 0) {
        log_error("event=map_grow_failed size_mb=%zu error=\"%s\"", want >> 20, mdb_strerror(rc));
        return mdb_errno(rc);
    }
    log_info("event=map_grown size_mb=%zu", want >> 20);
    s->map_size = want;
    return 0;
}

static int put_offset(void *ctx, store_t *s, MDB_txn *txn)
{
    MDB_val k = {10, "utc_offset"}, v = {sizeof(int32_t), ctx};
    return mdb_put(txn, s->meta, &k, &v, 0);
}

static int write_txn(store_t *s, int (*fn)(void *ctx, store_t *s, MDB_txn *txn), void *ctx);

int store_check_offset(store_t *s, int32_t utc_offset_s, char *err, size_t errlen)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return mdb_errno(rc);
    MDB_val k = {10, "utc_offset"}, v;
    int32_t stored = 0;
    rc = mdb_get(txn, s->meta, &k, &v);
    bool found = rc == 0 && v.mv_size == sizeof stored;
    if (found)
        memcpy(&stored, v.mv_data, sizeof stored);
    mdb_txn_abort(txn);
    if (!found)
        return write_txn(s, put_offset, &utc_offset_s);
    if (stored == utc_offset_s)
        return 0;
    int a = stored < 0 ? -stored : stored;
    snprintf(err, errlen,
             "the stored buckets are aligned to time.utc_offset = \"%c%02d:%02d\"; keep that "
             "offset, or give this configuration a new daemon.state_dir",
             stored < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    return -EINVAL;
}

int store_assign_ids(store_t *s, kpi_def_t *kpis, int n)
{
    for (int attempt = 0;; attempt++) {
        MDB_txn *txn;
        int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (rc != 0)
            return mdb_errno(rc);
        /* The next id is one past the largest ever given. */
        uint32_t next = 1;
        MDB_val k = {7, "next_id"}, v;
        if (mdb_get(txn, s->meta, &k, &v) == 0 && v.mv_size == sizeof next)
            memcpy(&next, v.mv_data, sizeof next);
        for (int i = 0; i < n && rc == 0; i++) {
            MDB_val nk = {strlen(kpis[i].name), kpis[i].name};
            rc = mdb_get(txn, s->kpis, &nk, &v);
            if (rc == 0 && v.mv_size == sizeof(uint32_t)) {
                memcpy(&kpis[i].id, v.mv_data, sizeof(uint32_t));
            } else if (rc == MDB_NOTFOUND) {
                kpis[i].id = next++;
                v = (MDB_val){sizeof(uint32_t), &kpis[i].id};
                rc = mdb_put(txn, s->kpis, &nk, &v, 0);
            } else if (rc == 0) {
                rc = MDB_CORRUPTED;
            }
        }
        if (rc == 0) {
            v = (MDB_val){sizeof next, &next};
            rc = mdb_put(txn, s->meta, &k, &v, 0);
        }
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (rc == MDB_MAP_FULL && attempt < 8 && grow_map(s) == 0)
            continue;
        return mdb_errno(rc);
    }
}

int store_load_sources(store_t *s, sources_t *src)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return mdb_errno(rc);
    rc = mdb_cursor_open(txn, s->sources, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return mdb_errno(rc);
    }
    MDB_val k, v;
    for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
        if (rc != 0)
            break;
        if (v.mv_size != sizeof(source_rec_t) || k.mv_size > WIRE_MAX_SOURCE_ID)
            continue;
        source_ent_t *e = sources_get(src, k.mv_data, k.mv_size);
        if (e == NULL) {
            rc = ENOMEM;
            break;
        }
        memcpy(&e->rec, v.mv_data, sizeof e->rec);
    }
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = 0;
    mdb_cursor_close(cur); /* a read-only transaction does not free its cursors */
    mdb_txn_abort(txn);
    return mdb_errno(rc);
}

typedef struct commit_ctx {
    store_t *s;
    MDB_txn *txn;
} commit_ctx_t;

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sketches stored after a record; false when the bytes are not sound. */
static bool record_sketches(const MDB_val *v, uint32_t flags, hll_t **hll, qsk_t **qsk)
{
    const unsigned char *p = (const unsigned char *)v->mv_data + sizeof(bucket_record_t);
    size_t left = v->mv_size - sizeof(bucket_record_t);
    for (uint32_t bit = BUCKET_HAS_HLL; bit <= BUCKET_HAS_QSK; bit <<= 1) {
        if (!(flags & bit))
            continue;
        uint32_t len;
        if (left < sizeof len)
            return false;
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        left -= sizeof len;
        if (len > left)
            return false;
        if (bit == BUCKET_HAS_HLL && hll != NULL && (*hll = hll_read(p, len)) == NULL)
            return false;
        if (bit == BUCKET_HAS_QSK && qsk != NULL && (*qsk = qsk_read(p, len)) == NULL)
            return false;
        p += len;
        left -= len;
    }
    return true;
}

/* Merge src into *dst, creating it when NULL.  0 or -1. */
static int merge_hll(hll_t **dst, const hll_t *src)
{
    if (*dst == NULL && (*dst = hll_new()) == NULL)
        return -1;
    return hll_merge(*dst, src);
}

static int merge_qsk(qsk_t **dst, const qsk_t *src)
{
    if (*dst == NULL && (*dst = qsk_new()) == NULL)
        return -1;
    return qsk_merge(*dst, src);
}

static int put_bucket(void *ctx, const bucket_key_t *key, const agg_state_t *st, const hll_t *dhll,
                      const qsk_t *dqsk)
{
    commit_ctx_t *c = ctx;
    unsigned char kb[KEY_LEN];
    key_encode(kb, key->kpi, (res_t)key->res, key->start);
    MDB_val k = {KEY_LEN, kb}, v;
    bucket_record_t rec = {BUCKET_RECORD_VERSION, 0, *st};
    hll_t *hll = NULL;
    qsk_t *qsk = NULL;
    int rc = mdb_get(c->txn, c->s->buckets, &k, &v);
    if (rc == 0 && v.mv_size >= sizeof rec) {
        memcpy(&rec, v.mv_data, sizeof rec);
        agg_merge(&rec.state, st);
        /* Unreadable stored sketches are dropped, not fatal: the numbers stand. */
        if (!record_sketches(&v, rec.flags, &hll, &qsk)) {
            hll_free(&hll);
            qsk_free(&qsk);
            static log_limit_t limit; /* the writer thread only */
            int64_t n = log_limit_pass(&limit, clock_ms());
            if (n >= 0)
                log_warn("event=sketch_dropped kpi=%u reason=unreadable suppressed=%lld", key->kpi,
                         (long long)n);
        }
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
    }
    if ((dhll != NULL && merge_hll(&hll, dhll) != 0) ||
        (dqsk != NULL && merge_qsk(&qsk, dqsk) != 0)) {
        hll_free(&hll);
        qsk_free(&qsk);
        return ENOMEM;
    }
    size_t hlen = hll ? hll_size(hll) : 0, qlen = qsk ? qsk_size(qsk) : 0;
    rec.version = BUCKET_RECORD_VERSION;
    rec.flags = (hll ? BUCKET_HAS_HLL : 0) | (qsk ? BUCKET_HAS_QSK : 0);
    size_t size = sizeof rec + (hll ? 4 + hlen : 0) + (qsk ? 4 + qlen : 0);
    v = (MDB_val){size, NULL};
    rc = mdb_put(c->txn, c->s->buckets, &k, &v, MDB_RESERVE);
    if (rc == 0) {
        unsigned char *p = v.mv_data;
        memcpy(p, &rec, sizeof rec);
        p += sizeof rec;
        if (hll) {
            uint32_t n = (uint32_t)hlen;
            memcpy(p, &n, 4);
            hll_write(hll, p + 4);
            p += 4 + hlen;
        }
        if (qsk) {
            uint32_t n = (uint32_t)qlen;
            memcpy(p, &n, 4);
            qsk_write(qsk, p + 4);
        }
    }
    hll_free(&hll);
    qsk_free(&qsk);
    return rc;
}

static int put_source(void *ctx, const source_ent_t *e)
{
    commit_ctx_t *c = ctx;
    MDB_val k = {e->len, (void *)e->id}, v = {sizeof e->rec, (void *)&e->rec};
    return mdb_put(c->txn, c->s->sources, &k, &v, 0);
}

/* Delete expired buckets: for each storage id and resolution, the keys from
 * the start of that range up to prune[res]. */
static int prune_buckets(store_t *s, MDB_txn *txn, const int64_t *prune)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->buckets, &cur);
    if (rc != 0)
        return rc;
    int budget = PRUNE_PER_COMMIT;
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && budget > 0) {
        if (k.mv_size != KEY_LEN) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        const unsigned char *kb = k.mv_data;
        uint32_t id = (uint32_t)kb[0] << 24 | (uint32_t)kb[1] << 16 | (uint32_t)kb[2] << 8 | kb[3];
        res_t res = (res_t)kb[4];
        if (res < RES_COUNT && key_start(kb) < prune[res]) {
            rc = mdb_cursor_del(cur, 0);
            budget--;
            /* After a delete the cursor already stands on the next item, and
             * MDB_NEXT returns that one. */
            if (rc == 0)
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        /* Skip to the next (id, res) range. */
        unsigned char next[KEY_LEN];
        if (res + 1 < RES_COUNT)
            key_encode(next, id, res + 1, INT64_MIN);
        else if (id < UINT32_MAX)
            key_encode(next, id + 1, RES_MINUTE, INT64_MIN);
        else
            break;
        k = (MDB_val){KEY_LEN, next};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Delete the publisher records whose latest event is older than before:
 * sources_expire() forgets them in memory at the same time. */
static int prune_sources(store_t *s, MDB_txn *txn, int64_t before)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->sources, &cur);
    if (rc != 0)
        return rc;
    MDB_val k, v;
    int budget = PRUNE_PER_COMMIT;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && budget > 0) {
        source_rec_t rec;
        if (v.mv_size == sizeof rec) {
            memcpy(&rec, v.mv_data, sizeof rec);
            if (rec.last_ts < before) {
                budget--;
                if ((rc = mdb_cursor_del(cur, 0)) != 0)
                    break;
            }
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int store_commit(store_t *s, aggr_t *a, sources_t *src, const int64_t *prune)
{
    for (int attempt = 0;; attempt++) {
        commit_ctx_t c = {s, NULL};
        int rc = mdb_txn_begin(s->env, NULL, 0, &c.txn);
        if (rc != 0)
            return mdb_errno(rc);
        rc = aggr_foreach_sketch(a, put_bucket, &c);
        if (rc == 0)
            rc = sources_foreach_dirty(src, put_source, &c);
        if (rc == 0 && prune != NULL)
            rc = prune_buckets(s, c.txn, prune);
        if (rc == 0 && prune != NULL)
            rc = prune_sources(s, c.txn, prune[RES_DAY]);
        if (rc == 0)
            rc = mdb_txn_commit(c.txn);
        else
            mdb_txn_abort(c.txn);
        if (rc == 0) {
            aggr_clear(a);
            sources_clean(src);
            return 0;
        }
        if (rc == MDB_MAP_FULL && attempt < 8 && grow_map(s) == 0)
            continue;
        log_error("event=commit_failed error=\"%s\"", mdb_strerror(rc));
        return mdb_errno(rc);
    }
}

/* ---- check-ins and history ------------------------------------------------ */

#define ID_KEY_MAX 256 /* ids are at most 200 bytes */

/* [prefix][id][0][u64 t BE, sign-flipped][u32 n BE, when with_n]; returns the length. */
static size_t id_key(unsigned char *k, char prefix, const char *id, int64_t t, uint32_t n,
                     bool with_n)
{
    size_t len = 0;
    if (prefix != 0)
        k[len++] = (unsigned char)prefix;
    size_t idlen = strnlen(id, 200);
    memcpy(k + len, id, idlen);
    len += idlen;
    k[len++] = 0;
    uint64_t u = (uint64_t)t ^ (UINT64_C(1) << 63);
    for (int i = 0; i < 8; i++)
        k[len++] = (unsigned char)(u >> (56 - 8 * i));
    if (with_n)
        for (int i = 0; i < 4; i++)
            k[len++] = (unsigned char)(n >> (24 - 8 * i));
    return len;
}

/* The time in a key made by id_key, given the length of its [prefix][id][0]. */
static int64_t id_key_time(const unsigned char *k, size_t head)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | k[head + i];
    return (int64_t)(u ^ (UINT64_C(1) << 63));
}

/* Run fn(ctx, txn) in a write transaction, growing the map when full. */
static int write_txn(store_t *s, int (*fn)(void *ctx, store_t *s, MDB_txn *txn), void *ctx)
{
    for (int attempt = 0;; attempt++) {
        MDB_txn *txn;
        int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (rc != 0)
            return mdb_errno(rc);
        rc = fn(ctx, s, txn);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (rc == MDB_MAP_FULL && attempt < 8 && grow_map(s) == 0)
            continue;
        return mdb_errno(rc);
    }
}

typedef struct checkin_put {
    const char *kr;
    int64_t ts;
    MDB_val body;
} checkin_put_t;

static int put_checkin(void *ctx, store_t *s, MDB_txn *txn)
{
    checkin_put_t *c = ctx;
    unsigned char k[ID_KEY_MAX];
    /* Check-ins at the same ms are kept apart by a counter. */
    for (uint32_t n = 0; n < 1000; n++) {
        MDB_val key = {id_key(k, 0, c->kr, c->ts, n, true), k};
        int rc = mdb_put(txn, s->checkins, &key, &c->body, MDB_NOOVERWRITE);
        if (rc != MDB_KEYEXIST)
            return rc;
    }
    return MDB_KEYEXIST;
}

int store_put_checkin(store_t *s, const char *kr_id, int64_t ts, const void *body, size_t len)
{
    checkin_put_t c = {kr_id, ts, {len, (void *)body}};
    return write_txn(s, put_checkin, &c);
}

typedef struct snaps_put {
    const store_snapshot_t *snaps;
    int n;
} snaps_put_t;

static int put_snaps(void *ctx, store_t *s, MDB_txn *txn)
{
    snaps_put_t *p = ctx;
    for (int i = 0; i < p->n; i++) {
        unsigned char k[ID_KEY_MAX];
        const store_snapshot_t *sn = &p->snaps[i];
        MDB_val key = {id_key(k, sn->kind, sn->id, sn->day, 0, false), k};
        MDB_val val = {sizeof sn->progress, (void *)&sn->progress};
        int rc = mdb_put(txn, s->history, &key, &val, 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int store_put_snapshots(store_t *s, const store_snapshot_t *snaps, int n)
{
    snaps_put_t p = {snaps, n};
    return write_txn(s, put_snaps, &p);
}

/* Walk the keys k of dbi with lo <= k < hi, forwards or backwards.  lo and
 * hi have the same length and share the [prefix][id][0] head, so every key
 * between them belongs to that id. */
typedef int (*range_fn)(void *ctx, const MDB_val *k, const MDB_val *v);

static bool in_range(const MDB_val *k, const unsigned char *lo, const unsigned char *hi, size_t len)
{
    return k->mv_size == len && memcmp(k->mv_data, lo, len) >= 0 && memcmp(k->mv_data, hi, len) < 0;
}

static int walk_range(store_reader_t *r, MDB_dbi dbi, const unsigned char *lo,
                      const unsigned char *hi, size_t len, bool backwards, int limit, range_fn fn,
                      void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, dbi, &cur);
    if (rc != 0)
        return mdb_errno(rc);
    MDB_val k = {len, (void *)(backwards ? hi : lo)}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (backwards)
        rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    int n = 0, frc = 0;
    while (rc == 0 && in_range(&k, lo, hi, len) && (limit <= 0 || n < limit)) {
        frc = fn(ctx, &k, &v);
        n++;
        if (frc != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, backwards ? MDB_PREV : MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (frc != 0)
        return frc;
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}

typedef struct checkin_walk {
    size_t head;
    store_checkin_fn fn;
    void *ctx;
} checkin_walk_t;

static int checkin_cb(void *ctx, const MDB_val *k, const MDB_val *v)
{
    checkin_walk_t *w = ctx;
    return w->fn(w->ctx, id_key_time(k->mv_data, w->head), v->mv_data, v->mv_size);
}

int store_read_checkins(store_reader_t *r, const char *kr_id, int64_t from, int64_t to,
                        bool newest_first, int limit, store_checkin_fn fn, void *ctx)
{
    if (from >= to)
        return 0;
    unsigned char lo[ID_KEY_MAX], hi[ID_KEY_MAX];
    size_t len = id_key(lo, 0, kr_id, from, 0, true);
    id_key(hi, 0, kr_id, to, 0, true);
    checkin_walk_t w = {strnlen(kr_id, 200) + 1, fn, ctx};
    return walk_range(r, r->s->checkins, lo, hi, len, newest_first, limit, checkin_cb, &w);
}

typedef struct history_walk {
    size_t head;
    store_history_fn fn;
    void *ctx;
} history_walk_t;

static int history_cb(void *ctx, const MDB_val *k, const MDB_val *v)
{
    history_walk_t *w = ctx;
    double p;
    if (v->mv_size != sizeof p)
        return 0;
    memcpy(&p, v->mv_data, sizeof p);
    return w->fn(w->ctx, id_key_time(k->mv_data, w->head), p);
}

int store_read_history(store_reader_t *r, char kind, const char *id, int64_t from, int64_t to,
                       store_history_fn fn, void *ctx)
{
    if (from >= to)
        return 0;
    unsigned char lo[ID_KEY_MAX], hi[ID_KEY_MAX];
    size_t len = id_key(lo, kind, id, from, 0, false);
    id_key(hi, kind, id, to, 0, false);
    history_walk_t w = {strnlen(id, 200) + 2, fn, ctx};
    return walk_range(r, r->s->history, lo, hi, len, false, 0, history_cb, &w);
}

uint64_t store_db_bytes(store_t *s)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
        return 0;
    return (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

int store_reader_open(store_t *s, store_reader_t **out)
{
    store_reader_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->s = s;
    *out = r;
    return 0;
}

void store_reader_close(store_reader_t **rp)
{
    if (rp == NULL || *rp == NULL)
        return;
    store_reader_t *r = *rp;
    store_reader_end(r);
    if (r->txn != NULL) {
        mdb_cursor_close(r->cur);
        mdb_txn_abort(r->txn);
    }
    free(r);
    *rp = NULL;
}

int store_reader_begin(store_reader_t *r)
{
    if (r->active)
        store_reader_end(r);
    pthread_rwlock_rdlock(&r->s->resize);
    int rc;
    if (r->txn == NULL) {
        rc = mdb_txn_begin(r->s->env, NULL, MDB_RDONLY, &r->txn);
        if (rc == 0 && (rc = mdb_cursor_open(r->txn, r->s->buckets, &r->cur)) != 0) {
            mdb_txn_abort(r->txn);
            r->txn = NULL;
        }
    } else {
        rc = mdb_txn_renew(r->txn);
        if (rc == 0)
            rc = mdb_cursor_renew(r->txn, r->cur);
    }
    if (rc != 0) {
        pthread_rwlock_unlock(&r->s->resize);
        return mdb_errno(rc);
    }
    r->active = true;
    return 0;
}

void store_reader_end(store_reader_t *r)
{
    if (!r->active)
        return;
    mdb_txn_reset(r->txn);
    pthread_rwlock_unlock(&r->s->resize);
    r->active = false;
}

int store_read_merge_sketch(store_reader_t *r, uint32_t id, res_t res, int64_t from, int64_t to,
                            agg_state_t *acc, hll_t *hll, qsk_t *qsk)
{
    if (from >= to)
        return 0;
    unsigned char kb[KEY_LEN], end[KEY_LEN];
    key_encode(kb, id, res, from);
    key_encode(end, id, res, to);
    MDB_val k = {KEY_LEN, kb}, v;
    int rc = mdb_cursor_get(r->cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        if (k.mv_size != KEY_LEN || memcmp(k.mv_data, end, KEY_LEN) >= 0)
            break;
        if (v.mv_size >= sizeof(bucket_record_t)) {
            bucket_record_t rec;
            memcpy(&rec, v.mv_data, sizeof rec);
            agg_merge(acc, &rec.state);
            if ((hll != NULL || qsk != NULL) && rec.flags != 0) {
                hll_t *h = NULL;
                qsk_t *q = NULL;
                bool ok = record_sketches(&v, rec.flags, hll ? &h : NULL, qsk ? &q : NULL);
                int mrc = 0;
                if (ok && h != NULL)
                    mrc = hll_merge(hll, h);
                if (ok && q != NULL && mrc == 0)
                    mrc = qsk_merge(qsk, q);
                hll_free(&h);
                qsk_free(&q);
                if (mrc != 0)
                    return -ENOMEM;
            }
        }
        rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT);
    }
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}

int store_read_merge(store_reader_t *r, uint32_t id, res_t res, int64_t from, int64_t to,
                     agg_state_t *acc)
{
    return store_read_merge_sketch(r, id, res, from, to, acc, NULL, NULL);
}

int store_read_each(store_reader_t *r, uint32_t id, res_t res, int64_t from, int64_t to,
                    store_bucket_fn fn, void *ctx)
{
    if (from >= to)
        return 0;
    unsigned char kb[KEY_LEN], end[KEY_LEN];
    key_encode(kb, id, res, from);
    key_encode(end, id, res, to);
    MDB_val k = {KEY_LEN, kb}, v;
    int rc = mdb_cursor_get(r->cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == KEY_LEN && memcmp(k.mv_data, end, KEY_LEN) < 0) {
        if (v.mv_size >= sizeof(bucket_record_t)) {
            bucket_record_t rec;
            memcpy(&rec, v.mv_data, sizeof rec);
            int frc = fn(ctx, key_start(k.mv_data), &rec.state);
            if (frc != 0)
                return frc;
        }
        rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT);
    }
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}

int store_read_sources(store_reader_t *r, store_source_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, r->s->sources, &cur);
    if (rc != 0)
        return mdb_errno(rc);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size != sizeof(source_rec_t))
            continue;
        source_rec_t rec;
        memcpy(&rec, v.mv_data, sizeof rec);
        int frc = fn(ctx, k.mv_data, k.mv_size, &rec);
        if (frc != 0) {
            mdb_cursor_close(cur);
            return frc;
        }
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}
