/*
 * wire.h - the event wire schema (SPEC section 1) and MessagePack helpers
 * shared by okrd (decoding) and okrctl (encoding).
 *
 * A message is two frames: the topic (the event's source name) and a body
 * that is one event map or an array of at most WIRE_MAX_BATCH event maps.
 * Decoding never allocates: a wire_event_t points into the msgpack object,
 * which points into the received frame, so it is valid only while both are.
 */
#ifndef OKR_WIRE_H
#define OKR_WIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX_TOPIC     200
#define WIRE_MAX_BATCH     10000
#define WIRE_MAX_KEY       256
#define WIRE_MAX_TAGS      16
#define WIRE_MAX_TAG_LEN   64
#define WIRE_MAX_SOURCE_ID 64

/* Why an event was rejected; the names are those of stats.rejected. */
typedef enum wire_reason {
    WIRE_OK = 0,
    WIRE_MALFORMED,
    WIRE_BAD_TOPIC,
    WIRE_UNKNOWN_SOURCE,
    WIRE_BAD_VALUE,
    WIRE_BAD_TIME,
    WIRE_DUPLICATE,
    WIRE_REASON_COUNT
} wire_reason_t;

/* "malformed", "bad_topic", ... ; "ok" for WIRE_OK. */
const char *wire_reason_name(wire_reason_t r);

typedef struct wire_event {
    double value; /* 1 when absent */
    int64_t ts;   /* valid when has_ts */
    bool has_ts;
    bool has_seq;
    uint64_t seq;
    const char *key; /* NULL when absent; not NUL-terminated */
    uint32_t key_len;
    const char *source_id; /* NULL when absent; not NUL-terminated */
    uint32_t source_id_len;
    const msgpack_object_kv *tags; /* str -> str pairs, validated */
    uint32_t ntags;
} wire_event_t;

/* True if t[0..len) is a valid topic: 1..200 bytes of [A-Za-z0-9_.:/-]. */
bool wire_topic_valid(const char *t, size_t len);

/*
 * Check the body's shape: a map, or an array of 1..WIRE_MAX_BATCH maps.
 * Sets *events and *n to the event maps.  Returns WIRE_OK or WIRE_MALFORMED.
 */
wire_reason_t wire_body_events(const msgpack_object *body, const msgpack_object **events,
                               uint32_t *n);

/*
 * Decode one event map into ev.  Returns WIRE_OK, WIRE_MALFORMED (a field
 * other than value breaks its type or size limit) or WIRE_BAD_VALUE (value is
 * present but not a finite int or float).  Unknown keys are ignored.
 */
wire_reason_t wire_event_decode(const msgpack_object *map, wire_event_t *ev);

/*
 * Check that buf holds one MessagePack value whose containers are all
 * plausible: at no point may the values still to read outnumber the bytes
 * left (each takes at least one).  msgpack-c allocates a container's
 * elements when it reads its header, so without this a 5-byte body claiming
 * 2^32 elements would make it allocate hundreds of GiB.  With it, what
 * msgpack-c allocates is bounded by the message's size.  Walks the bytes
 * once; allocates nothing.  Trailing bytes are left to the decoder.
 */
bool wire_plausible(const void *buf, size_t len);

/* ---- helpers for requests, replies and encoding ----------------------- */

/* The value of key k in map m, or NULL (also when m is not a map). */
const msgpack_object *wire_map_get(const msgpack_object *m, const char *k);

/* True if o is a str equal to s. */
bool wire_str_eq(const msgpack_object *o, const char *s);

/* Copy a str object into buf as a C string; returns -1 if o is not a str or
 * does not fit. */
int wire_str_copy(const msgpack_object *o, char *buf, size_t len);

/* Numeric value of an int or float object; returns false for other types. */
bool wire_number(const msgpack_object *o, double *out);

/* Integer value of an int object (or of a float with an integral value). */
bool wire_int(const msgpack_object *o, int64_t *out);

/* Pack a NUL-terminated string. */
void wire_pack_str(msgpack_packer *pk, const char *s);

/* Pack a double, or nil when has is false. */
void wire_pack_num(msgpack_packer *pk, bool has, double v);

#endif
