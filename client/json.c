#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "utf8.h"

/* Deeper nesting is written as null; msgpack-c refuses deeper input anyway. */
#define JSON_MAX_DEPTH 64

void json_write_str(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', f);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (k == 0) {
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        switch (cp) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            /* U+2028/9 are valid JSON but end a line in JavaScript. */
            if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029)
                fprintf(f, "\\u%04" PRIx32, cp);
            else
                fwrite(p + i, 1, k, f);
        }
        i += k;
    }
    fputc('"', f);
}

static void write_base64(FILE *f, const unsigned char *p, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fputc('"', f);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        fputc(b64[v >> 18 & 63], f);
        fputc(b64[v >> 12 & 63], f);
        fputc(i + 1 < n ? b64[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? b64[v & 63] : '=', f);
    }
    fputc('"', f);
}

static void write_value(FILE *f, const msgpack_object *o, int depth);

/* A non-str key: its JSON text, as a string. */
static void write_key(FILE *f, const msgpack_object *k, int depth)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m;

    if (k->type == MSGPACK_OBJECT_STR) {
        json_write_str(f, k->via.str.ptr, k->via.str.size);
        return;
    }
    m = open_memstream(&text, &len);
    if (m == NULL) {
        fputs("\"\"", f);
        return;
    }
    write_value(m, k, depth + 1);
    if (fclose(m) != 0) {
        free(text);
        fputs("\"\"", f);
        return;
    }
    json_write_str(f, text, len);
    free(text);
}

static void write_value(FILE *f, const msgpack_object *o, int depth)
{
    if (o == NULL || depth > JSON_MAX_DEPTH) {
        fputs("null", f);
        return;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        fputs("null", f);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        fputs(o->via.boolean ? "true" : "false", f);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        fprintf(f, "%" PRIu64, o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        fprintf(f, "%" PRId64, o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (isfinite(o->via.f64))
            fprintf(f, "%.17g", o->via.f64);
        else
            fputs("null", f);
        break;
    case MSGPACK_OBJECT_STR:
        json_write_str(f, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        write_base64(f, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', f);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i > 0)
                fputc(',', f);
            write_value(f, &o->via.array.ptr[i], depth + 1);
        }
        fputc(']', f);
        break;
    case MSGPACK_OBJECT_MAP:
        fputc('{', f);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i > 0)
                fputc(',', f);
            write_key(f, &o->via.map.ptr[i].key, depth);
            fputc(':', f);
            write_value(f, &o->via.map.ptr[i].val, depth + 1);
        }
        fputc('}', f);
        break;
    default: /* ext, and anything newer */
        fputs("null", f);
        break;
    }
}

void json_write(FILE *f, const msgpack_object *o)
{
    write_value(f, o, 0);
}
