/*
 * cmd_emit.c - emit: check the arguments against the wire schema (SPEC
 * section 1), encode one event and publish it to okrd's ingest socket.
 *
 * Everything okrd would reject as malformed is refused here as a usage
 * error, so an event that leaves okrctl is one okrd can decode.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "okrctl.h"
#include "publish.h"
#include "wire.h"

typedef struct event_args {
    bool has_value, value_is_int;
    int64_t ivalue;
    double dvalue;
    bool has_ts;
    int64_t ts;
    uint64_t seq;
} event_args_t;

/* VALUE: an integer (sent as a msgpack int) or a finite float. */
static int parse_value(const char *s, event_args_t *ev)
{
    char *end;

    if (s[0] == '\0' || isspace((unsigned char)s[0]))
        return ctl_usage_error("invalid value '%s'", s);
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*end == '\0' && errno == 0) {
        ev->has_value = ev->value_is_int = true;
        ev->ivalue = i;
        return CTL_EXIT_OK;
    }
    errno = 0;
    double d = strtod(s, &end);
    if (*end != '\0' || !isfinite(d) || errno == ERANGE)
        return ctl_usage_error("invalid value '%s': not a finite number", s);
    ev->has_value = true;
    ev->dvalue = d;
    return CTL_EXIT_OK;
}

/* --seq: a decimal unsigned 64-bit integer. */
static int parse_seq(const char *s, uint64_t *seq)
{
    char *end;

    if (s[0] < '0' || s[0] > '9')
        return ctl_usage_error("invalid sequence number '%s'", s);
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0)
        return ctl_usage_error("invalid sequence number '%s'", s);
    *seq = v;
    return CTL_EXIT_OK;
}

/* Every --tag is k=v with a non-empty k, both within the size limit, k unique. */
static int check_tags(const ctl_t *c)
{
    if (c->ntags > WIRE_MAX_TAGS)
        return ctl_usage_error("too many tags (at most %d)", WIRE_MAX_TAGS);
    for (int i = 0; i < c->ntags; i++) {
        const char *eq = strchr(c->tags[i], '=');
        if (eq == NULL || eq == c->tags[i])
            return ctl_usage_error("invalid tag '%s': must be k=v", c->tags[i]);
        size_t klen = (size_t)(eq - c->tags[i]);
        if (klen > WIRE_MAX_TAG_LEN || strlen(eq + 1) > WIRE_MAX_TAG_LEN)
            return ctl_usage_error("invalid tag '%s': key and value are at most %d bytes",
                                   c->tags[i], WIRE_MAX_TAG_LEN);
        for (int j = 0; j < i; j++)
            if (strncmp(c->tags[j], c->tags[i], klen + 1) == 0)
                return ctl_usage_error("duplicate tag '%.*s'", (int)klen, c->tags[i]);
    }
    return CTL_EXIT_OK;
}

static int check_args(const ctl_t *c, event_args_t *ev)
{
    const char *source = c->args[0], *key = c->opt[CTL_OPT_KEY];
    const char *sid = c->opt[CTL_OPT_SOURCE_ID], *seq = c->opt[CTL_OPT_SEQ];
    int rc;

    memset(ev, 0, sizeof(*ev));
    if (!wire_topic_valid(source, strlen(source)))
        return ctl_usage_error(
            "invalid source name '%s' (1-%d characters of A-Z a-z 0-9 _ . : / -)", source,
            WIRE_MAX_TOPIC);
    if (c->nargs > 1 && (rc = parse_value(c->args[1], ev)) != CTL_EXIT_OK)
        return rc;
    if ((rc = check_tags(c)) != CTL_EXIT_OK)
        return rc;
    if (c->opt[CTL_OPT_TS] != NULL) {
        if ((rc = ctl_time_arg(c, c->opt[CTL_OPT_TS], &ev->ts)) != CTL_EXIT_OK)
            return rc;
        ev->has_ts = true;
    }
    if (key != NULL && strlen(key) > WIRE_MAX_KEY)
        return ctl_usage_error("key too long (at most %d bytes)", WIRE_MAX_KEY);
    if ((sid == NULL) != (seq == NULL))
        return ctl_usage_error("--source-id and --seq go together");
    if (sid != NULL && (sid[0] == '\0' || strlen(sid) > WIRE_MAX_SOURCE_ID))
        return ctl_usage_error("invalid source id '%s' (1-%d bytes)", sid, WIRE_MAX_SOURCE_ID);
    if (seq != NULL && (rc = parse_seq(seq, &ev->seq)) != CTL_EXIT_OK)
        return rc;
    return CTL_EXIT_OK;
}

static void pack_event(const ctl_t *c, const event_args_t *ev, msgpack_packer *pk)
{
    const char *key = c->opt[CTL_OPT_KEY], *sid = c->opt[CTL_OPT_SOURCE_ID];

    msgpack_pack_map(pk, ev->has_value + ev->has_ts + (key != NULL) + (c->ntags > 0) +
                             2 * (sid != NULL));
    if (ev->has_value) {
        wire_pack_str(pk, "value");
        if (ev->value_is_int)
            msgpack_pack_int64(pk, ev->ivalue);
        else
            msgpack_pack_double(pk, ev->dvalue);
    }
    if (ev->has_ts) {
        wire_pack_str(pk, "ts");
        msgpack_pack_int64(pk, ev->ts);
    }
    if (key != NULL) {
        wire_pack_str(pk, "key");
        wire_pack_str(pk, key);
    }
    if (c->ntags > 0) {
        wire_pack_str(pk, "tags");
        msgpack_pack_map(pk, (size_t)c->ntags);
        for (int i = 0; i < c->ntags; i++) {
            const char *eq = strchr(c->tags[i], '=');
            msgpack_pack_str(pk, (size_t)(eq - c->tags[i]));
            msgpack_pack_str_body(pk, c->tags[i], (size_t)(eq - c->tags[i]));
            wire_pack_str(pk, eq + 1);
        }
    }
    if (sid != NULL) {
        wire_pack_str(pk, "source_id");
        wire_pack_str(pk, sid);
        wire_pack_str(pk, "seq");
        msgpack_pack_uint64(pk, ev->seq);
    }
}

/* --json: {"ok":true,"endpoint":E,"topic":T,"event":{...}} */
static void print_json(const ctl_t *c, const msgpack_sbuffer *body)
{
    msgpack_unpacked up;
    size_t off = 0;

    msgpack_unpacked_init(&up);
    fputs("{\"ok\":true,\"endpoint\":", stdout);
    json_write_str(stdout, c->ingest, strlen(c->ingest));
    fputs(",\"topic\":", stdout);
    json_write_str(stdout, c->args[0], strlen(c->args[0]));
    fputs(",\"event\":", stdout);
    if (msgpack_unpack_next(&up, body->data, body->size, &off) == MSGPACK_UNPACK_SUCCESS)
        json_write(stdout, &up.data);
    else
        fputs("null", stdout);
    fputs("}\n", stdout);
    msgpack_unpacked_destroy(&up);
}

int cmd_emit(ctl_t *c)
{
    event_args_t ev;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    char err[512];
    int rc;

    if ((rc = check_args(c, &ev)) != CTL_EXIT_OK)
        return rc;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_event(c, &ev, &pk);

    switch (publish_once(c->zctx, c->ingest, c->timeout_ms, c->args[0], sb.data, sb.size, err,
                         sizeof(err))) {
    case PUBLISH_OK:
        if (c->json)
            print_json(c, &sb);
        else
            printf("sent '%s' to %s\n", c->args[0], c->ingest);
        rc = CTL_EXIT_OK;
        break;
    case PUBLISH_NO_SUBSCRIBER:
    case PUBLISH_STALLED:
        ctl_error("%s", err);
        rc = CTL_EXIT_UNREACHABLE;
        break;
    case PUBLISH_BAD_ENDPOINT:
        rc = ctl_usage_error("%s", err);
        break;
    case PUBLISH_ERROR:
    default:
        ctl_error("%s", err);
        rc = CTL_EXIT_INTERNAL;
        break;
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
