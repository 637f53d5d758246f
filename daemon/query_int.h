/*
 * query_int.h - what the files of the query path share: the request being
 * answered and the helpers that read its fields and pack its reply.  Not a
 * public contract: include only from daemon/query*.c.
 */
#ifndef OKR_QUERY_INT_H
#define OKR_QUERY_INT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "query.h"
#include "store.h"

/* Instants beyond +-2^53 ms (about 285 000 years) are refused, so that no
 * window arithmetic can overflow. */
#define MAX_ABS_MS (INT64_C(1) << 53)

/* One request being answered. */
typedef struct req {
    query_shared_t *sh;
    config_t *cfg;
    store_reader_t *rd;
    const msgpack_object *body;
    int64_t now;
    msgpack_packer pk;
    msgpack_sbuffer *out;
    void *writer; /* PAIR socket to the writer thread (check-ins); may be NULL */
    uint64_t *writer_seq;
} req_t;

/* Reply packing: keys and key-value pairs. */
void pack_key(req_t *r, const char *k);
void kv_str(req_t *r, const char *k, const char *v);
void kv_int(req_t *r, const char *k, int64_t v);
void kv_num(req_t *r, const char *k, bool has, double v);
/* A string, or nil when v is NULL. */
void kv_opt(req_t *r, const char *k, const char *v);

/* Start an ok reply with n fields besides ok. */
void reply_ok(req_t *r, uint32_t n);

/* Replace whatever was packed with an error reply. */
void reply_error(req_t *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Request fields: 1 found, 0 absent, -1 wrong type (an error reply was sent). */
int field_str(req_t *r, const char *k, char *buf, size_t len);
int field_int(req_t *r, const char *k, int64_t *v);

/* "at": the request's, or now; 0, or -1 when an error reply was sent. */
int field_at(req_t *r, int64_t *at);

/* Where buckets of each resolution exist now. */
window_avail_t avail_now(req_t *r);

/* The OKR ops (query_okr.c). */
void op_okr_tree(req_t *r);
void op_objective_get(req_t *r);
void op_kr_get(req_t *r);
void op_checkin(req_t *r);

#endif
