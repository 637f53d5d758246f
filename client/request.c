#include "request.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "render.h"
#include "wire.h"

void pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    wire_pack_str(pk, k);
    wire_pack_str(pk, v);
}

void pack_kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
    wire_pack_str(pk, k);
    msgpack_pack_int64(pk, v);
}

/* Report a daemon error reply: its message, else its code. */
static void report_daemon_error(const ctl_t *c, const reply_t *r)
{
    const msgpack_object *msg = wire_map_get(r->map, "message");
    const msgpack_object *code = wire_map_get(r->map, "error");
    char text[1024];

    if (c->json) {
        json_write(stdout, r->map);
        fputc('\n', stdout);
    }
    if (msg != NULL && msg->type == MSGPACK_OBJECT_STR && msg->via.str.size > 0) {
        /* Daemon messages are one line; drop a stray trailing newline. */
        size_t n = msg->via.str.size;
        while (n > 0 && (msg->via.str.ptr[n - 1] == '\n' || msg->via.str.ptr[n - 1] == ' '))
            n--;
        render_sanitize(msg->via.str.ptr, n, text, sizeof(text));
        ctl_error("%s", text);
    } else if (code != NULL && code->type == MSGPACK_OBJECT_STR) {
        render_sanitize(code->via.str.ptr, code->via.str.size, text, sizeof(text));
        ctl_error("okrd answered with an error (%s)", text);
    } else {
        ctl_error("okrd answered with an error");
    }
}

int request_send(ctl_t *c, const msgpack_sbuffer *req, reply_t *r)
{
    char err[2048];

    memset(r, 0, sizeof(*r));
    msgpack_unpacked_init(&r->up);

    switch (rpc_call(c->zctx, c->endpoints, c->nendpoints, c->timeout_ms, req->data, req->size,
                     &r->raw, err, sizeof(err))) {
    case RPC_OK:
        break;
    case RPC_NO_ANSWER:
        ctl_error("%s", err);
        return CTL_EXIT_UNREACHABLE;
    case RPC_BAD_ENDPOINT:
        return ctl_usage_error("%s", err);
    case RPC_ERROR:
    default:
        ctl_error("%s", err);
        return CTL_EXIT_INTERNAL;
    }

    size_t off = 0;
    if (msgpack_unpack_next(&r->up, r->raw.data, r->raw.len, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != r->raw.len || r->up.data.type != MSGPACK_OBJECT_MAP) {
        ctl_error("undecodable reply from %s", r->raw.endpoint);
        return CTL_EXIT_INTERNAL;
    }
    r->map = &r->up.data;

    const msgpack_object *ok = wire_map_get(r->map, "ok");
    if (ok == NULL || ok->type != MSGPACK_OBJECT_BOOLEAN) {
        ctl_error("invalid reply from %s: no 'ok' field", r->raw.endpoint);
        return CTL_EXIT_INTERNAL;
    }
    if (!ok->via.boolean) {
        report_daemon_error(c, r);
        return CTL_EXIT_DAEMON;
    }
    return CTL_EXIT_OK;
}

void reply_free(reply_t *r)
{
    msgpack_unpacked_destroy(&r->up);
    rpc_reply_free(&r->raw);
    r->map = NULL;
}

int reply_print_json(const reply_t *r)
{
    json_write(stdout, r->map);
    fputc('\n', stdout);
    return CTL_EXIT_OK;
}

int request_run(ctl_t *c, msgpack_sbuffer *req, reply_show_fn show)
{
    reply_t r;
    int rc = request_send(c, req, &r);

    msgpack_sbuffer_destroy(req);
    if (rc == CTL_EXIT_OK && c->json)
        rc = reply_print_json(&r);
    else if (rc == CTL_EXIT_OK)
        show(c, r.map);
    reply_free(&r);
    return rc;
}

void request_op(msgpack_sbuffer *sb, const char *op)
{
    msgpack_packer pk;

    msgpack_sbuffer_init(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    pack_kv_str(&pk, "op", op);
}

int request_run_op(ctl_t *c, const char *op, reply_show_fn show)
{
    msgpack_sbuffer sb;
    request_op(&sb, op);
    return request_run(c, &sb, show);
}
