/*
 * expr.c - the `where` and `formula` languages of KPI definitions (SPEC 2).
 *
 * Two hand-written recursive-descent parsers emit one flat postfix program
 * (an array of ops) into a scratch parser; on success the ops, the formula's
 * references and the strings they point at are copied into a single
 * malloc'd expr_t, so expr_free() is one free().
 *
 * Limits keep every input bounded, whatever the configuration holds: at
 * most EXPR_MAX_OPS ops, and at most EXPR_MAX_NEST levels of nesting
 * (parentheses, `not`, unary minus, which are the parsers' only recursion).
 * Beyond either the compile fails with a message; it never overflows the C
 * stack.  The compiler also tracks the evaluation stack depth the program
 * needs, so the evaluators run on a fixed array on their own C stack, with
 * no allocation and no bounds checks in the loop.  Keeping that stack out of
 * the expr_t keeps evaluation reentrant: one compiled filter can be matched
 * from several threads at once.
 *
 * Columns in error messages are 1-based byte offsets into the source.
 */
#include "expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_OPS   512
#define EXPR_MAX_NEST  64
#define EXPR_MAX_STACK 256 /* nesting bounds the depth to about 2 per level */
#define EXPR_MAX_TAG   64  /* tag names and tag strings, bytes (SPEC 1) */
#define EXPR_MAX_KPI   200 /* KPI names, bytes (SPEC 1, like a topic) */

enum expr_kind { K_WHERE = 1, K_FORMULA = 2 };

enum op_code {
    /* formula */
    OP_NUM, /* push u.num */
    OP_REF, /* push the value of reference `ref`, or the result is nil */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_NEG,
    /* where */
    OP_VCMP, /* push (value cmp u.num) */
    OP_TAG,  /* push (tags[name] cmp str), cmp being C_EQ or C_NE */
    OP_NOT,
    OP_AND,
    OP_OR,
};

enum cmp { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
static const char *const cmp_text[] = {"==", "!=", "<", "<=", ">", ">="};
/* `N < value` is `value > N`. */
static const uint8_t cmp_flip[] = {C_EQ, C_NE, C_GT, C_GE, C_LT, C_LE};

typedef struct op {
    uint8_t code;
    uint8_t cmp;      /* OP_VCMP, OP_TAG */
    uint8_t name_len; /* OP_TAG: 1..EXPR_MAX_TAG */
    uint8_t str_len;  /* OP_TAG: 0..EXPR_MAX_TAG */
    uint32_t ref;     /* OP_REF: index into refs */
    union {
        double num; /* OP_NUM, OP_VCMP */
        struct {
            uint32_t name, str; /* pool offsets */
        } tag;
    } u;
} op_t;

typedef struct ref {
    uint32_t name; /* pool offset of the NUL-terminated KPI name */
    agg_spec_t agg;
} ref_t;

struct expr {
    uint8_t kind;
    uint16_t nops;
    uint16_t nrefs;
    const ref_t *refs; /* inside this allocation, after ops */
    const char *pool;  /* inside this allocation, after refs */
    op_t ops[];
};

/*
 * The scratch state of one compile.  Every string stored in the pool comes
 * from a distinct stretch of the source that is longer than the string plus
 * its NUL (`tags.` before a tag name, the quotes around a tag string,
 * `agg(...)` around a KPI name), so strlen(src) + 1 bytes always suffice.
 */
typedef struct parser {
    const char *src;
    const char *p;
    int kind;
    int nest;
    int sp, maxsp; /* evaluation stack depth after the ops so far, and its peak */
    int nops, nrefs;
    bool failed;
    char *err;
    size_t errlen;
    op_t ops[EXPR_MAX_OPS];
    ref_t refs[EXPR_MAX_OPS];
    size_t poollen, poolcap;
    char pool[];
} parser_t;

/* Record the first error, as "column N: message"; returns -1. */
static int fail(parser_t *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(parser_t *ps, const char *at, const char *fmt, ...)
{
    if (ps->failed)
        return -1;
    ps->failed = true;
    if (ps->err && ps->errlen > 0) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(ps->err, ps->errlen, "column %zu: %s", (size_t)(at - ps->src) + 1, msg);
    }
    return -1;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_word_char(char c)
{
    return is_word_start(c) || is_digit(c);
}

/* Characters of KPI and tag names: [A-Za-z0-9_.:/-]. */
static bool is_name_char(char c)
{
    return is_word_char(c) || c == '.' || c == ':' || c == '/' || c == '-';
}

static void skip_ws(parser_t *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\f' ||
           *ps->p == '\v')
        ps->p++;
}

/* True when the keyword kw (case-sensitive) stands at p as a whole word. */
static bool is_kw(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    return strncmp(p, kw, n) == 0 && !is_word_char(p[n]);
}

/* Length of the comparison operator at p (0 if none), and which; two-byte
 * operators first, so that "<=" is not read as "<". */
static size_t scan_cmp(const char *p, int *cmp)
{
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i <= C_GE; i++) {
            size_t n = strlen(cmp_text[i]);
            if (n == (size_t)(2 - c) && strncmp(p, cmp_text[i], n) == 0) {
                *cmp = i;
                return n;
            }
        }
    }
    return 0;
}

static int nest_enter(parser_t *ps, const char *at)
{
    if (++ps->nest > EXPR_MAX_NEST)
        return fail(ps, at, "nesting deeper than %d levels", EXPR_MAX_NEST);
    return 0;
}

/* Append an op, keeping track of the evaluation stack it needs. */
static int emit(parser_t *ps, op_t op, const char *at)
{
    if (ps->nops == EXPR_MAX_OPS)
        return fail(ps, at, "%s too long (more than %d operations)",
                    ps->kind == K_WHERE ? "filter" : "formula", EXPR_MAX_OPS);
    switch (op.code) {
    case OP_NUM:
    case OP_REF:
    case OP_VCMP:
    case OP_TAG:
        ps->sp++;
        break;
    case OP_NEG:
    case OP_NOT:
        break;
    default: /* binary: two operands in, one out */
        ps->sp--;
        break;
    }
    if (ps->sp > ps->maxsp)
        ps->maxsp = ps->sp;
    if (ps->maxsp > EXPR_MAX_STACK) /* unreachable within the nesting limit; a guard */
        return fail(ps, at, "%s too complex", ps->kind == K_WHERE ? "filter" : "formula");
    ps->ops[ps->nops++] = op;
    return 0;
}

static int emit_code(parser_t *ps, int code, const char *at)
{
    return emit(ps, (op_t){.code = (uint8_t)code}, at);
}

/* Copy n bytes and a NUL into the pool; returns the offset. */
static uint32_t pool_add(parser_t *ps, const char *s, size_t n)
{
    uint32_t off = (uint32_t)ps->poollen;
    if (ps->poollen + n + 1 > ps->poolcap) /* cannot happen: see parser_t */
        abort();
    memcpy(ps->pool + off, s, n);
    ps->pool[off + n] = '\0';
    ps->poollen += n + 1;
    return off;
}

/*
 * A decimal number at ps->p: [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?, the
 * sign only where `sign` allows it.  Returns 1 with the value and ps->p
 * after it, 0 when no number starts here (ps->p unchanged), -1 on error: a
 * malformed or out-of-range number.  nan and inf are words, not numbers.
 */
static int scan_number(parser_t *ps, bool sign, double *out)
{
    const char *s = ps->p, *q = s;
    size_t ndigits = 0;
    if (sign && (*q == '+' || *q == '-'))
        q++;
    for (; is_digit(*q); q++)
        ndigits++;
    if (*q == '.')
        for (q++; is_digit(*q); q++)
            ndigits++;
    if (ndigits == 0)
        return 0;
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1;
        if (*e == '+' || *e == '-')
            e++;
        if (!is_digit(*e))
            return fail(ps, s, "malformed number");
        while (is_digit(*e))
            e++;
        q = e;
    }
    /* "3and", "1.2.3", "0x10": not a number followed by something else */
    if (is_word_char(*q) || *q == '.')
        return fail(ps, s, "malformed number");
    /* strtod reads exactly what was scanned (the C locale is assumed). */
    char *end;
    double v = strtod(s, &end);
    if (end != q)
        return fail(ps, s, "malformed number");
    if (!isfinite(v))
        return fail(ps, s, "number out of range");
    ps->p = q;
    *out = v;
    return 1;
}

/* ---- where ----------------------------------------------------------- */

static int w_or(parser_t *ps);

/* tags.NAME (==|!=) "STRING", with ps->p at `tags.` */
static int w_tag(parser_t *ps)
{
    const char *at = ps->p;
    const char *name = at + 5;
    size_t n = 0;
    while (is_name_char(name[n]))
        n++;
    if (n == 0)
        return fail(ps, name, "expected a tag name after 'tags.'");
    if (n > EXPR_MAX_TAG)
        return fail(ps, name, "tag name longer than %d bytes", EXPR_MAX_TAG);
    ps->p = name + n;
    skip_ws(ps);
    int cmp;
    size_t oplen = scan_cmp(ps->p, &cmp);
    if (oplen == 0 || (cmp != C_EQ && cmp != C_NE))
        return fail(ps, ps->p, "expected '==' or '!=' after 'tags.%.*s'", (int)n, name);
    ps->p += oplen;
    skip_ws(ps);
    const char *quote = ps->p;
    if (*quote != '"')
        return fail(ps, quote, "expected a string after '%s'", cmp_text[cmp]);
    char buf[EXPR_MAX_TAG];
    size_t len = 0;
    const char *q = quote + 1;
    for (;; q++) {
        char c = *q;
        if (c == '\0')
            return fail(ps, quote, "unterminated string");
        if (c == '"')
            break;
        if (c == '\\') {
            if (q[1] != '"' && q[1] != '\\')
                return fail(ps, q, "bad escape in string (only \\\" and \\\\)");
            c = *++q;
        }
        if (len == EXPR_MAX_TAG)
            return fail(ps, quote, "string longer than %d bytes", EXPR_MAX_TAG);
        buf[len++] = c;
    }
    ps->p = q + 1;
    op_t op = {
        .code = OP_TAG, .cmp = (uint8_t)cmp, .name_len = (uint8_t)n, .str_len = (uint8_t)len};
    op.u.tag.name = pool_add(ps, name, n);
    op.u.tag.str = pool_add(ps, buf, len);
    return emit(ps, op, at);
}

/* value OP NUMBER, or NUMBER OP value */
static int w_compare(parser_t *ps)
{
    const char *at = ps->p;
    int cmp;
    size_t oplen;
    double v;
    if (is_kw(at, "value")) {
        ps->p += 5;
        skip_ws(ps);
        oplen = scan_cmp(ps->p, &cmp);
        if (oplen == 0)
            return fail(ps, ps->p, "expected a comparison operator after 'value'");
        ps->p += oplen;
        skip_ws(ps);
        int r = scan_number(ps, true, &v);
        if (r < 0)
            return -1;
        if (r == 0)
            return fail(ps, ps->p, "expected a number after '%s'", cmp_text[cmp]);
    } else {
        int r = scan_number(ps, true, &v);
        if (r < 0)
            return -1;
        if (r == 0)
            return fail(ps, at, "expected 'value', 'tags.NAME', 'not' or '('");
        skip_ws(ps);
        oplen = scan_cmp(ps->p, &cmp);
        if (oplen == 0)
            return fail(ps, ps->p, "expected a comparison operator after the number");
        ps->p += oplen;
        skip_ws(ps);
        if (!is_kw(ps->p, "value"))
            return fail(ps, ps->p, "expected 'value' after '%s'", cmp_text[cmp]);
        ps->p += 5;
        cmp = cmp_flip[cmp];
    }
    op_t op = {.code = OP_VCMP, .cmp = (uint8_t)cmp};
    op.u.num = v;
    return emit(ps, op, at);
}

/* A parenthesised sub-expression of either language: '(' inner ')'. */
static int parens(parser_t *ps, int (*inner)(parser_t *))
{
    if (nest_enter(ps, ps->p) < 0)
        return -1;
    ps->p++;
    if (inner(ps) < 0)
        return -1;
    skip_ws(ps);
    if (*ps->p != ')')
        return fail(ps, ps->p, "expected ')'");
    ps->p++;
    ps->nest--;
    return 0;
}

static int w_primary(parser_t *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    if (*at == '(')
        return parens(ps, w_or);
    if (strncmp(at, "tags.", 5) == 0)
        return w_tag(ps);
    return w_compare(ps);
}

static int w_not(parser_t *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    if (!is_kw(at, "not"))
        return w_primary(ps);
    if (nest_enter(ps, at) < 0)
        return -1;
    ps->p += 3;
    if (w_not(ps) < 0)
        return -1;
    ps->nest--;
    return emit_code(ps, OP_NOT, at);
}

static int w_and(parser_t *ps)
{
    if (w_not(ps) < 0)
        return -1;
    for (;;) {
        skip_ws(ps);
        const char *at = ps->p;
        if (!is_kw(at, "and"))
            return 0;
        ps->p += 3;
        if (w_not(ps) < 0 || emit_code(ps, OP_AND, at) < 0)
            return -1;
    }
}

static int w_or(parser_t *ps)
{
    if (w_and(ps) < 0)
        return -1;
    for (;;) {
        skip_ws(ps);
        const char *at = ps->p;
        if (!is_kw(at, "or"))
            return 0;
        ps->p += 2;
        if (w_and(ps) < 0 || emit_code(ps, OP_OR, at) < 0)
            return -1;
    }
}

/* ---- formula --------------------------------------------------------- */

static int f_expr(parser_t *ps);

/* The index of reference (name, agg), added if new. */
static uint32_t add_ref(parser_t *ps, const char *name, size_t n, agg_spec_t agg)
{
    for (int i = 0; i < ps->nrefs; i++) {
        const ref_t *r = &ps->refs[i];
        const char *s = ps->pool + r->name;
        if (r->agg.kind == agg.kind && r->agg.q == agg.q && strncmp(s, name, n) == 0 &&
            s[n] == '\0')
            return (uint32_t)i;
    }
    /* nrefs <= nops < EXPR_MAX_OPS: each reference is first met in a new op */
    ps->refs[ps->nrefs] = (ref_t){pool_add(ps, name, n), agg};
    return (uint32_t)ps->nrefs++;
}

/* AGG(kpi), with ps->p at AGG */
static int f_ref(parser_t *ps)
{
    const char *at = ps->p;
    size_t n = 0;
    while (is_word_char(at[n]))
        n++;
    char word[16];
    agg_spec_t agg;
    if (n >= sizeof word)
        return fail(ps, at, "unknown aggregate '%.*s'", n > 64 ? 64 : (int)n, at);
    memcpy(word, at, n);
    word[n] = '\0';
    if (agg_parse(word, &agg) < 0)
        return fail(ps, at, "unknown aggregate '%s'", word);
    ps->p = at + n;
    skip_ws(ps);
    if (*ps->p != '(')
        return fail(ps, ps->p, "expected '(' after '%s'", word);
    ps->p++;
    skip_ws(ps);
    const char *name = ps->p;
    size_t k = 0;
    while (is_name_char(name[k]))
        k++;
    if (k == 0)
        return fail(ps, name, "expected a KPI name");
    if (k > EXPR_MAX_KPI)
        return fail(ps, name, "KPI name longer than %d bytes", EXPR_MAX_KPI);
    ps->p = name + k;
    skip_ws(ps);
    if (*ps->p != ')')
        return fail(ps, ps->p, "expected ')'");
    ps->p++;
    if (ps->nops == EXPR_MAX_OPS) /* before add_ref, which relies on a free op */
        return emit_code(ps, OP_REF, at);
    op_t op = {.code = OP_REF, .ref = add_ref(ps, name, k, agg)};
    return emit(ps, op, at);
}

static int f_primary(parser_t *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    if (*at == '(')
        return parens(ps, f_expr);
    if (is_word_start(*at))
        return f_ref(ps);
    double v;
    int r = scan_number(ps, false, &v);
    if (r < 0)
        return -1;
    if (r == 0)
        return fail(ps, at, "expected a number, an aggregate or '('");
    op_t op = {.code = OP_NUM};
    op.u.num = v;
    return emit(ps, op, at);
}

static int f_unary(parser_t *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    if (*at != '-')
        return f_primary(ps);
    if (nest_enter(ps, at) < 0)
        return -1;
    ps->p++;
    if (f_unary(ps) < 0)
        return -1;
    ps->nest--;
    return emit_code(ps, OP_NEG, at);
}

static int f_term(parser_t *ps)
{
    if (f_unary(ps) < 0)
        return -1;
    for (;;) {
        skip_ws(ps);
        const char *at = ps->p;
        if (*at != '*' && *at != '/')
            return 0;
        ps->p++;
        if (f_unary(ps) < 0 || emit_code(ps, *at == '*' ? OP_MUL : OP_DIV, at) < 0)
            return -1;
    }
}

static int f_expr(parser_t *ps)
{
    if (f_term(ps) < 0)
        return -1;
    for (;;) {
        skip_ws(ps);
        const char *at = ps->p;
        if (*at != '+' && *at != '-')
            return 0;
        ps->p++;
        if (f_term(ps) < 0 || emit_code(ps, *at == '+' ? OP_ADD : OP_SUB, at) < 0)
            return -1;
    }
}

/* ---- compile --------------------------------------------------------- */

static expr_t *compile(const char *src, int kind, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!src)
        src = "";
    size_t len = strlen(src);
    parser_t *ps = malloc(sizeof *ps + len + 1);
    if (!ps) {
        if (err && errlen > 0)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ps->src = ps->p = src;
    ps->kind = kind;
    ps->nest = ps->sp = ps->maxsp = ps->nops = ps->nrefs = 0;
    ps->failed = false;
    ps->err = err;
    ps->errlen = errlen;
    ps->poollen = 0;
    ps->poolcap = len + 1;

    expr_t *e = NULL;
    skip_ws(ps);
    if (*ps->p == '\0') {
        fail(ps, src, "empty %s", kind == K_WHERE ? "filter" : "formula");
        goto out;
    }
    if ((kind == K_WHERE ? w_or(ps) : f_expr(ps)) < 0)
        goto out;
    skip_ws(ps);
    if (*ps->p == ')') {
        fail(ps, ps->p, "unmatched ')'");
        goto out;
    }
    if (*ps->p != '\0') {
        fail(ps, ps->p, "%s",
             kind == K_WHERE ? "expected 'and', 'or' or end of filter"
                             : "expected an operator or end of formula");
        goto out;
    }

    size_t opsz = (size_t)ps->nops * sizeof(op_t);
    size_t refsz = (size_t)ps->nrefs * sizeof(ref_t);
    e = malloc(sizeof *e + opsz + refsz + ps->poollen);
    if (!e) {
        if (err && errlen > 0)
            snprintf(err, errlen, "out of memory");
        goto out;
    }
    e->kind = (uint8_t)kind;
    e->nops = (uint16_t)ps->nops;
    e->nrefs = (uint16_t)ps->nrefs;
    char *refs = (char *)e->ops + opsz;
    char *pool = refs + refsz;
    memcpy(e->ops, ps->ops, opsz);
    memcpy(refs, ps->refs, refsz);
    memcpy(pool, ps->pool, ps->poollen);
    e->refs = (const ref_t *)(void *)refs;
    e->pool = pool;
out:
    free(ps);
    return e;
}

expr_t *expr_where_compile(const char *src, char *err, size_t errlen)
{
    return compile(src, K_WHERE, err, errlen);
}

expr_t *expr_formula_compile(const char *src, char *err, size_t errlen)
{
    return compile(src, K_FORMULA, err, errlen);
}

void expr_free(expr_t **e)
{
    if (!e)
        return;
    free(*e);
    *e = NULL;
}

/* ---- evaluate -------------------------------------------------------- */

static bool str_is(const msgpack_object *o, const char *s, uint32_t n)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           (n == 0 || memcmp(o->via.str.ptr, s, n) == 0);
}

/* Whether tag `name` is present with value `str`; the first pair with that
 * key decides.  An absent tag equals nothing. */
static bool tag_equals(const expr_t *e, const op_t *o, const msgpack_object_kv *tags,
                       uint32_t ntags)
{
    const char *name = e->pool + o->u.tag.name;
    for (uint32_t i = 0; tags && i < ntags; i++)
        if (str_is(&tags[i].key, name, o->name_len))
            return str_is(&tags[i].val, e->pool + o->u.tag.str, o->str_len);
    return false;
}

static bool compare(double a, int cmp, double b)
{
    switch (cmp) {
    case C_EQ:
        return a == b;
    case C_NE:
        return a != b;
    case C_LT:
        return a < b;
    case C_LE:
        return a <= b;
    case C_GT:
        return a > b;
    default:
        return a >= b;
    }
}

/* A NULL filter is no filter: everything passes. */
bool expr_where_match(const expr_t *e, double value, const msgpack_object_kv *tags, uint32_t ntags)
{
    if (!e)
        return true;
    if (e->kind != K_WHERE)
        return false;
    bool st[EXPR_MAX_STACK];
    int sp = 0;
    for (int i = 0; i < e->nops; i++) {
        const op_t *o = &e->ops[i];
        switch (o->code) {
        case OP_VCMP:
            st[sp++] = compare(value, o->cmp, o->u.num);
            break;
        case OP_TAG:
            st[sp++] = tag_equals(e, o, tags, ntags) == (o->cmp == C_EQ);
            break;
        case OP_NOT:
            st[sp - 1] = !st[sp - 1];
            break;
        case OP_AND:
            sp--;
            st[sp - 1] = st[sp - 1] && st[sp];
            break;
        case OP_OR:
            sp--;
            st[sp - 1] = st[sp - 1] || st[sp];
            break;
        default:
            return false;
        }
    }
    return sp == 1 && st[0];
}

/*
 * Every intermediate result must be finite too: 1 / (1e308 * 10) is nil,
 * not 0.  A reference that reports a non-finite value counts as nil.  A
 * zero result is returned as +0, never -0.
 */
bool expr_formula_eval(const expr_t *e, expr_ref_fn value, void *ctx, double *out)
{
    if (!e || e->kind != K_FORMULA || !out)
        return false;
    double st[EXPR_MAX_STACK];
    int sp = 0;
    for (int i = 0; i < e->nops; i++) {
        const op_t *o = &e->ops[i];
        double r;
        switch (o->code) {
        case OP_NUM:
            st[sp++] = o->u.num;
            continue;
        case OP_REF:
            if (!value || !value(ctx, (int)o->ref, &r) || !isfinite(r))
                return false;
            st[sp++] = r;
            continue;
        case OP_NEG:
            st[sp - 1] = -st[sp - 1];
            continue;
        case OP_ADD:
            r = st[sp - 2] + st[sp - 1];
            break;
        case OP_SUB:
            r = st[sp - 2] - st[sp - 1];
            break;
        case OP_MUL:
            r = st[sp - 2] * st[sp - 1];
            break;
        case OP_DIV:
            if (st[sp - 1] == 0)
                return false;
            r = st[sp - 2] / st[sp - 1];
            break;
        default:
            return false;
        }
        if (!isfinite(r))
            return false;
        st[--sp - 1] = r;
    }
    if (sp != 1)
        return false;
    *out = st[0] == 0 ? 0.0 : st[0];
    return true;
}

/* ---- references ------------------------------------------------------ */

int expr_nrefs(const expr_t *e)
{
    return e ? e->nrefs : 0;
}

/* NULL when i is out of range. */
const char *expr_ref_name(const expr_t *e, int i)
{
    if (!e || i < 0 || i >= e->nrefs)
        return NULL;
    return e->pool + e->refs[i].name;
}

/* count when i is out of range. */
agg_spec_t expr_ref_agg(const expr_t *e, int i)
{
    if (!e || i < 0 || i >= e->nrefs)
        return (agg_spec_t){AGG_COUNT, 0};
    return e->refs[i].agg;
}
