#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"
#include "wire.h"

/* Copy s into buf; return buf. */
static const char *set(char *buf, size_t len, const char *s)
{
    snprintf(buf, len, "%s", s);
    return buf;
}

/* Insert ',' every three digits of the integer part of s (an optional '-',
 * digits, then anything). */
static const char *group_digits(const char *s, char *buf, size_t len)
{
    char tmp[128];
    size_t o = 0;
    const char *p = s;

    if (*p == '-')
        tmp[o++] = *p++;
    size_t ndig = strspn(p, "0123456789");
    for (size_t i = 0; i < ndig && o < sizeof(tmp) - 2; i++) {
        if (i > 0 && (ndig - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = p[i];
    }
    tmp[o] = '\0';
    snprintf(buf, len, "%s%s", tmp, p + ndig);
    return buf;
}

const char *render_num(double v, char *buf, size_t len)
{
    char tmp[64];
    double a = fabs(v);

    if (!isfinite(v))
        return set(buf, len, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    /* %.2f would show these as 0.00 or as a wall of digits. */
    if ((a != 0 && a < 0.005) || a >= 1e15) {
        snprintf(buf, len, a < 1 ? "%.3g" : "%.6g", v);
        return buf;
    }
    snprintf(tmp, sizeof(tmp), "%.2f", v);
    char *dot = strchr(tmp, '.');
    if (dot != NULL) {
        char *end = tmp + strlen(tmp);
        while (end > dot + 1 && end[-1] == '0')
            *--end = '\0';
        if (end == dot + 1)
            *dot = '\0';
    }
    if (strcmp(tmp, "-0") == 0)
        strcpy(tmp, "0");
    return group_digits(tmp, buf, len);
}

const char *render_obj_num(const msgpack_object *o, char *buf, size_t len)
{
    char tmp[32];

    if (o == NULL)
        return set(buf, len, RENDER_NONE);
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" PRIu64, o->via.u64);
        return group_digits(tmp, buf, len);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" PRId64, o->via.i64);
        return group_digits(tmp, buf, len);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return render_num(o->via.f64, buf, len);
    default:
        return set(buf, len, RENDER_NONE);
    }
}

const char *render_obj_plain_int(const msgpack_object *o, char *buf, size_t len)
{
    if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        snprintf(buf, len, "%" PRIu64, o->via.u64);
        return buf;
    }
    if (o != NULL && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        snprintf(buf, len, "%" PRId64, o->via.i64);
        return buf;
    }
    return render_obj_num(o, buf, len);
}

const char *render_obj_str(const msgpack_object *o, char *buf, size_t len)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0)
        return set(buf, len, RENDER_NONE);
    render_sanitize(o->via.str.ptr, o->via.str.size, buf, len);
    return buf;
}

const char *render_obj_time(const cal_t *c, const msgpack_object *o, char *buf, size_t len)
{
    int64_t t;

    if (!wire_int(o, &t))
        return set(buf, len, RENDER_NONE);
    return cal_format(c, t, buf, (unsigned)len);
}

const char *render_bytes(double v, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    size_t u = 0;
    char num[64];

    while (fabs(v) >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(num, sizeof(num), "%.0f", v);
    else
        snprintf(num, sizeof(num), "%.1f", v);
    snprintf(buf, len, "%s %s", num, units[u]);
    return buf;
}

const char *render_duration(int64_t s, char *buf, size_t len)
{
    if (s < 0)
        s = 0;
    int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
    if (d > 0)
        snprintf(buf, len, "%" PRId64 "d %" PRId64 "h", d, h);
    else if (h > 0)
        snprintf(buf, len, "%" PRId64 "h %" PRId64 "m", h, m);
    else if (m > 0)
        snprintf(buf, len, "%" PRId64 "m %" PRId64 "s", m, sec);
    else
        snprintf(buf, len, "%" PRId64 "s", sec);
    return buf;
}

void render_sanitize(const char *s, size_t n, char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;

    if (len == 0)
        return;
    for (size_t i = 0; i < n && o + 1 < len;) {
        uint32_t cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        /* C0, DEL and C1 controls could drive the terminal. */
        if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            buf[o++] = '?';
            i += k ? k : 1;
            continue;
        }
        if (o + k >= len)
            break;
        memcpy(buf + o, p + i, k);
        o += k;
        i += k;
    }
    buf[o] = '\0';
}

const char *render_truncate(const char *s, size_t max_chars, const char *ellipsis, char *buf,
                            size_t len)
{
    size_t chars = 0, cut = 0, ell = strlen(ellipsis), ell_chars = 0;

    for (const char *p = ellipsis; *p; p++)
        ell_chars += ((unsigned char)*p & 0xc0) != 0x80;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xc0) == 0x80)
            continue;
        /* where the text is cut if it must be: room left for the ellipsis */
        if (chars + ell_chars == max_chars)
            cut = i;
        if (++chars > max_chars) {
            if (ell_chars > max_chars)
                cut = 0, ell = 0;
            snprintf(buf, len, "%.*s%.*s", (int)cut, s, (int)ell, ellipsis);
            return buf;
        }
    }
    return set(buf, len, s);
}

bool render_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");

    if (nc != NULL && nc[0] != '\0')
        return false;
    if (term != NULL && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(f)) == 1;
}

/* ---- tables ----------------------------------------------------------- */

struct table {
    int ncols;
    char *align;
    char **header; /* NULL: no header line */
    char ***rows;
    size_t nrows, cap;
};

static char **copy_cells(int n, const char *const *cells)
{
    char **v = calloc((size_t)n, sizeof(*v));
    if (v == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        v[i] = strdup(cells[i] != NULL ? cells[i] : "");
        if (v[i] == NULL) {
            for (int j = 0; j < i; j++)
                free(v[j]);
            free(v);
            return NULL;
        }
    }
    return v;
}

static void free_cells(int n, char **v)
{
    if (v == NULL)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

table_t *table_new(int ncols, const char *const *headers, const char *align)
{
    table_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->ncols = ncols;
    t->align = calloc((size_t)ncols + 1, 1);
    if (t->align == NULL)
        goto fail;
    for (int i = 0; i < ncols; i++)
        t->align[i] = align != NULL && align[i] == 'r' ? 'r' : 'l';
    if (headers != NULL && (t->header = copy_cells(ncols, headers)) == NULL)
        goto fail;
    return t;
fail:
    table_destroy(&t);
    return NULL;
}

int table_add(table_t *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char ***rows = realloc(t->rows, cap * sizeof(*rows));
        if (rows == NULL)
            return -1;
        t->rows = rows;
        t->cap = cap;
    }
    char **row = copy_cells(t->ncols, cells);
    if (row == NULL)
        return -1;
    t->rows[t->nrows++] = row;
    return 0;
}

/*
 * Width in characters: every byte that does not continue a UTF-8 sequence,
 * except ANSI escape sequences (ESC [ ... final byte), which have none, so a
 * coloured cell lines up like a plain one.
 */
static size_t width(const char *s)
{
    size_t w = 0;
    while (*s) {
        if (s[0] == '\033' && s[1] == '[') {
            s += 2;
            while (*s && !((unsigned char)*s >= 0x40 && (unsigned char)*s <= 0x7e))
                s++;
            if (*s)
                s++;
            continue;
        }
        w += ((unsigned char)*s & 0xc0) != 0x80;
        s++;
    }
    return w;
}

static void print_row(const table_t *t, char *const *cells, const size_t *w, FILE *f)
{
    for (int c = 0; c < t->ncols; c++) {
        size_t pad = w[c] - width(cells[c]);
        bool last = c == t->ncols - 1;
        if (t->align[c] == 'r')
            fprintf(f, "%*s%s", (int)pad, "", cells[c]);
        else if (last)
            fputs(cells[c], f);
        else
            fprintf(f, "%s%*s", cells[c], (int)pad, "");
        fputs(last ? "\n" : "  ", f);
    }
}

void table_print(const table_t *t, FILE *f)
{
    size_t *w = calloc((size_t)t->ncols, sizeof(*w));
    if (w == NULL)
        return;
    for (int c = 0; c < t->ncols; c++) {
        if (t->header != NULL)
            w[c] = width(t->header[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t cw = width(t->rows[r][c]);
            if (cw > w[c])
                w[c] = cw;
        }
    }
    if (t->header != NULL)
        print_row(t, t->header, w, f);
    for (size_t r = 0; r < t->nrows; r++)
        print_row(t, t->rows[r], w, f);
    free(w);
}

void table_destroy(table_t **tp)
{
    table_t *t = tp != NULL ? *tp : NULL;
    if (t == NULL)
        return;
    free_cells(t->ncols, t->header);
    for (size_t r = 0; r < t->nrows; r++)
        free_cells(t->ncols, t->rows[r]);
    free(t->rows);
    free(t->align);
    free(t);
    *tp = NULL;
}
