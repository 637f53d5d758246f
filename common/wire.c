#include "wire.h"

#include <math.h>
#include <string.h>

static const char *const reason_names[WIRE_REASON_COUNT] = {
    "ok", "malformed", "bad_topic", "unknown_source", "bad_value", "bad_time", "duplicate",
};

const char *wire_reason_name(wire_reason_t r)
{
    return (unsigned)r < WIRE_REASON_COUNT ? reason_names[r] : "unknown";
}

/* [A-Za-z0-9_.:/-] */
static const unsigned char topic_ok[256] = {
    ['-'] = 1, ['.'] = 1, ['/'] = 1, [':'] = 1, ['_'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1,
    ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
    ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1,
    ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

bool wire_topic_valid(const char *t, size_t len)
{
    if (len == 0 || len > WIRE_MAX_TOPIC)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!topic_ok[(unsigned char)t[i]])
            return false;
    return true;
}

wire_reason_t wire_body_events(const msgpack_object *body, const msgpack_object **events,
                               uint32_t *n)
{
    if (body->type == MSGPACK_OBJECT_MAP) {
        *events = body;
        *n = 1;
        return WIRE_OK;
    }
    if (body->type != MSGPACK_OBJECT_ARRAY)
        return WIRE_MALFORMED;
    uint32_t size = body->via.array.size;
    if (size == 0 || size > WIRE_MAX_BATCH)
        return WIRE_MALFORMED;
    for (uint32_t i = 0; i < size; i++)
        if (body->via.array.ptr[i].type != MSGPACK_OBJECT_MAP)
            return WIRE_MALFORMED;
    *events = body->via.array.ptr;
    *n = size;
    return WIRE_OK;
}

/* Big-endian n-byte length at p. */
static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

bool wire_plausible(const void *buf, size_t len)
{
    const unsigned char *p = buf, *end = p + len;
    uint64_t need = 1; /* values still to read */
    while (need > 0) {
        if (p >= end)
            return false;
        unsigned b = *p++;
        need--;
        uint64_t skip = 0, items = 0; /* payload bytes; contained values */
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, nil, bool */
        } else if (b <= 0x8f) {
            items = 2 * (uint64_t)(b & 0x0f);
        } else if (b <= 0x9f) {
            items = b & 0x0f;
        } else if (b <= 0xbf) {
            skip = b & 0x1f;
        } else {
            /* Fixed-size headers: bytes of the length field, then what it means. */
            static const struct {
                unsigned char lenbytes, fixed, kind; /* kind: 0 fixed, 1 bytes, 2 array, 3 map */
            } h[0x20] = {
                [0x04] = {1, 0, 1},  [0x05] = {2, 0, 1}, [0x06] = {4, 0, 1}, /* bin */
                [0x07] = {1, 1, 1},  [0x08] = {2, 1, 1}, [0x09] = {4, 1, 1}, /* ext */
                [0x0a] = {0, 4, 0},  [0x0b] = {0, 8, 0},                     /* float */
                [0x0c] = {0, 1, 0},  [0x0d] = {0, 2, 0}, [0x0e] = {0, 4, 0}, /* uint */
                [0x0f] = {0, 8, 0},  [0x10] = {0, 1, 0}, [0x11] = {0, 2, 0}, /* int */
                [0x12] = {0, 4, 0},  [0x13] = {0, 8, 0}, [0x14] = {0, 2, 0}, /* int, fixext */
                [0x15] = {0, 3, 0},  [0x16] = {0, 5, 0}, [0x17] = {0, 9, 0}, /* fixext */
                [0x18] = {0, 17, 0}, [0x19] = {1, 0, 1}, [0x1a] = {2, 0, 1}, /* fixext, str */
                [0x1b] = {4, 0, 1},  [0x1c] = {2, 0, 2}, [0x1d] = {4, 0, 2}, /* str, array */
                [0x1e] = {2, 0, 3},  [0x1f] = {4, 0, 3},                     /* map */
            };
            unsigned i = b - 0xc0;
            if (b == 0xc1 || (h[i].lenbytes == 0 && h[i].fixed == 0))
                return false; /* 0xc1 is never used */
            if ((size_t)(end - p) < h[i].lenbytes)
                return false;
            uint64_t n = be(p, h[i].lenbytes);
            p += h[i].lenbytes;
            if (h[i].kind == 0)
                skip = h[i].fixed;
            else if (h[i].kind == 1)
                skip = n + h[i].fixed;
            else
                items = h[i].kind == 2 ? n : 2 * n;
        }
        if (skip > (uint64_t)(end - p))
            return false;
        p += skip;
        need += items;
        if (need > (uint64_t)(end - p))
            return false;
    }
    return true;
}

/* Key comparison on the hot path: length first, then bytes. */
#define KEY_IS(k, lit) ((k)->size == sizeof(lit) - 1 && memcmp((k)->ptr, lit, sizeof(lit) - 1) == 0)

static wire_reason_t decode_tags(const msgpack_object *o, wire_event_t *ev)
{
    if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size > WIRE_MAX_TAGS)
        return WIRE_MALFORMED;
    const msgpack_object_kv *kv = o->via.map.ptr;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        if (kv[i].key.type != MSGPACK_OBJECT_STR || kv[i].val.type != MSGPACK_OBJECT_STR ||
            kv[i].key.via.str.size > WIRE_MAX_TAG_LEN || kv[i].val.via.str.size > WIRE_MAX_TAG_LEN)
            return WIRE_MALFORMED;
    }
    ev->tags = kv;
    ev->ntags = o->via.map.size;
    return WIRE_OK;
}

wire_reason_t wire_event_decode(const msgpack_object *map, wire_event_t *ev)
{
    ev->value = 1.0;
    ev->has_ts = false;
    ev->has_seq = false;
    ev->key = NULL;
    ev->key_len = 0;
    ev->source_id = NULL;
    ev->source_id_len = 0;
    ev->tags = NULL;
    ev->ntags = 0;
    if (map->type != MSGPACK_OBJECT_MAP)
        return WIRE_MALFORMED;

    bool bad_value = false;
    const msgpack_object_kv *kv = map->via.map.ptr;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        if (kv[i].key.type != MSGPACK_OBJECT_STR)
            continue; /* not one of ours: ignored like any unknown key */
        const msgpack_object_str *k = &kv[i].key.via.str;
        const msgpack_object *v = &kv[i].val;
        switch (k->size) {
        case 5:
            if (KEY_IS(k, "value")) {
                if (v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32)
                    ev->value = v->via.f64;
                else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                    ev->value = (double)v->via.u64;
                else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
                    ev->value = (double)v->via.i64;
                else
                    bad_value = true;
                if (!bad_value && !isfinite(ev->value))
                    bad_value = true;
            }
            break;
        case 2:
            if (KEY_IS(k, "ts")) {
                if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
                    if (v->via.u64 > (uint64_t)INT64_MAX)
                        return WIRE_MALFORMED;
                    ev->ts = (int64_t)v->via.u64;
                } else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
                    ev->ts = v->via.i64;
                } else {
                    return WIRE_MALFORMED;
                }
                ev->has_ts = true;
            }
            break;
        case 3:
            if (KEY_IS(k, "key")) {
                if (v->type != MSGPACK_OBJECT_STR || v->via.str.size > WIRE_MAX_KEY)
                    return WIRE_MALFORMED;
                ev->key = v->via.str.ptr;
                ev->key_len = v->via.str.size;
            } else if (KEY_IS(k, "seq")) {
                if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                    return WIRE_MALFORMED;
                ev->seq = v->via.u64;
                ev->has_seq = true;
            }
            break;
        case 4:
            if (KEY_IS(k, "tags") && decode_tags(v, ev) != WIRE_OK)
                return WIRE_MALFORMED;
            break;
        case 9:
            if (KEY_IS(k, "source_id")) {
                if (v->type != MSGPACK_OBJECT_STR || v->via.str.size > WIRE_MAX_SOURCE_ID)
                    return WIRE_MALFORMED;
                ev->source_id = v->via.str.ptr;
                ev->source_id_len = v->via.str.size;
            }
            break;
        default:
            break;
        }
    }
    return bad_value ? WIRE_BAD_VALUE : WIRE_OK;
}

const msgpack_object *wire_map_get(const msgpack_object *m, const char *k)
{
    if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen(k);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *key = &m->via.map.ptr[i].key;
        if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == len &&
            memcmp(key->via.str.ptr, k, len) == 0)
            return &m->via.map.ptr[i].val;
    }
    return NULL;
}

bool wire_str_eq(const msgpack_object *o, const char *s)
{
    size_t len = strlen(s);
    return o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
           memcmp(o->via.str.ptr, s, len) == 0;
}

int wire_str_copy(const msgpack_object *o, char *buf, size_t len)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= len)
        return -1;
    memcpy(buf, o->via.str.ptr, o->via.str.size);
    buf[o->via.str.size] = '\0';
    return 0;
}

bool wire_number(const msgpack_object *o, double *out)
{
    if (o == NULL)
        return false;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *out = (double)o->via.u64;
        return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = (double)o->via.i64;
        return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *out = o->via.f64;
        return true;
    default:
        return false;
    }
}

bool wire_int(const msgpack_object *o, int64_t *out)
{
    if (o == NULL)
        return false;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)o->via.u64;
        return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = o->via.i64;
        return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        /* 9.2e18 is the largest double below 2^63 that is safe to convert. */
        if (!isfinite(o->via.f64) || o->via.f64 != floor(o->via.f64) || fabs(o->via.f64) > 9.2e18)
            return false;
        *out = (int64_t)o->via.f64;
        return true;
    default:
        return false;
    }
}

void wire_pack_str(msgpack_packer *pk, const char *s)
{
    size_t len = strlen(s);
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

void wire_pack_num(msgpack_packer *pk, bool has, double v)
{
    if (has)
        msgpack_pack_double(pk, v);
    else
        msgpack_pack_nil(pk);
}
