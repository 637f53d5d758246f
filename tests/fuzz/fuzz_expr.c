/*
 * fuzz_expr.c - libFuzzer harness for the `where` and `formula` compilers.
 *
 * Each input, as a NUL-terminated string, is compiled as a filter and as a
 * formula; what compiles is evaluated against a few values and tag sets,
 * and the contract's invariants are checked (an error names its column;
 * references are valid names with no duplicates; a formula's result is
 * finite or nil).  A broken invariant aborts, which the fuzzer reports.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Idaemon \
 *       tests/fuzz/fuzz_expr.c daemon/expr.c daemon/bucket.c -lm -o fuzz_expr
 *   ./fuzz_expr -max_total_time=60 tests/fuzz/corpus_expr
 *
 * With -DOKR_FUZZ_REPLAY (any compiler, no libFuzzer) the file gets a
 * main() that runs every file of the directory argv[1] (or argv[1] itself,
 * if a file) through the harness: that is how ctest replays the corpus.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "expr.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_expr: invariant broken: %s (line %d)\n", #c, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static msgpack_object str_obj(const char *s)
{
    msgpack_object o = {.type = MSGPACK_OBJECT_STR};
    o.via.str.ptr = s;
    o.via.str.size = (uint32_t)strlen(s);
    return o;
}

/* Reference i has a value unless its index is 3 mod 4; values include 0
 * (division by zero), negatives and huge ones (overflow). */
static bool dummy_value(void *ctx, int ref, double *v)
{
    static const double vals[] = {2, 0, -1.5, 1e300, 7, 0.125, -0.0, 1e-300};
    const expr_t *e = ctx;
    CHECK(ref >= 0 && ref < expr_nrefs(e));
    if (ref % 4 == 3)
        return false;
    *v = vals[ref % 8];
    return true;
}

static void check_error(const char *err)
{
    CHECK(strncmp(err, "column ", 7) == 0 || strcmp(err, "out of memory") == 0);
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '-';
}

static void fuzz_where(const char *src)
{
    char err[256];
    expr_t *e = expr_where_compile(src, err, sizeof err);
    if (!e) {
        check_error(err);
        return;
    }
    CHECK(err[0] == '\0');
    CHECK(expr_nrefs(e) == 0);

    /* tag sets: none, a few typical pairs, names and values from the input */
    msgpack_object_kv kv[4];
    kv[0].key = str_obj("channel");
    kv[0].val = str_obj("email");
    kv[1].key = str_obj("region");
    kv[1].val = str_obj("");
    kv[2].key = str_obj("x");
    kv[2].val = (msgpack_object){.type = MSGPACK_OBJECT_NIL};
    char name[65], val[65];
    const char *dot = strstr(src, "tags.");
    size_t n = 0;
    if (dot)
        for (dot += 5; n < 64 && is_name_char(dot[n]); n++)
            name[n] = dot[n];
    name[n] = '\0';
    const char *q = strchr(src, '"');
    size_t m = 0;
    if (q)
        for (q++; m < 64 && *q && *q != '"'; q++)
            val[m++] = *q;
    val[m] = '\0';
    kv[3].key = str_obj(name);
    kv[3].val = str_obj(val);

    static const double values[] = {0, -0.0, 1, -1, 9, 1e300, -1e300, 0.1, NAN, INFINITY};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        (void)expr_where_match(e, values[i], NULL, 0);
        (void)expr_where_match(e, values[i], kv, 4);
        (void)expr_where_match(e, values[i], kv + 3, 1);
    }
    CHECK(!expr_formula_eval(e, dummy_value, e, &(double){0}));
    expr_free(&e);
    CHECK(e == NULL);
}

static void fuzz_formula(const char *src)
{
    char err[256];
    expr_t *e = expr_formula_compile(src, err, sizeof err);
    if (!e) {
        check_error(err);
        return;
    }
    CHECK(err[0] == '\0');
    int n = expr_nrefs(e);
    CHECK(n >= 0 && n <= 512);
    for (int i = 0; i < n; i++) {
        const char *name = expr_ref_name(e, i);
        CHECK(name != NULL);
        size_t len = strlen(name);
        CHECK(len >= 1 && len <= 200);
        for (size_t k = 0; k < len; k++)
            CHECK(is_name_char(name[k]));
        CHECK(strstr(src, name) != NULL);
        agg_spec_t a = expr_ref_agg(e, i);
        char buf[16];
        agg_spec_t back;
        CHECK(agg_parse(agg_name(a, buf, sizeof buf), &back) == 0);
        CHECK(back.kind == a.kind && back.q == a.q);
        for (int j = 0; j < i; j++) {
            agg_spec_t b = expr_ref_agg(e, j);
            CHECK(!(strcmp(expr_ref_name(e, j), name) == 0 && b.kind == a.kind && b.q == a.q));
        }
    }
    CHECK(expr_ref_name(e, n) == NULL);

    double v = 0;
    if (expr_formula_eval(e, dummy_value, e, &v))
        CHECK(isfinite(v) && !(v == 0 && signbit(v)));
    CHECK(!expr_where_match(e, 1, NULL, 0));
    expr_free(&e);
    CHECK(e == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';
    fuzz_where(src);
    fuzz_formula(src);
    free(src);
    return 0;
}

#ifdef OKR_FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR|FILE\n", argv[0]);
        return 2;
    }
    struct stat st;
    if (stat(argv[1], &st) < 0) {
        perror(argv[1]);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(argv[1]) < 0;
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    int n = 0, errors = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (replay_file(path) < 0)
            errors++;
        n++;
    }
    closedir(d);
    printf("fuzz_expr: replayed %d inputs from %s\n", n, argv[1]);
    /* An empty corpus is a broken test set-up, not a pass. */
    return errors || n == 0;
}
#endif
