/*
 * config_rows.h - the table-driven harness of test_config.c and
 * test_config_okr.c: a configuration text is written to t.conf in a
 * temporary directory and loaded with config_load().
 *
 * must_not_load rows (bad_row_t) give a text and every error it must
 * produce, "t.conf:LINE: message" (a prefix of the message will do); a row
 * fails if an expected line is missing or if any other error is reported.
 * must_load rows (good_row_t) must load cleanly and have a function that
 * checks what was parsed.
 *
 * Include it from exactly one file of a test program (it defines the
 * LeakSanitizer suppressions); define CONFIG_ROWS_TMPNAME first to name the
 * temporary directory.  Use setup_dir and teardown_dir as the group's setup
 * and teardown.
 */
#ifndef OKR_TESTS_CONFIG_ROWS_H
#define OKR_TESTS_CONFIG_ROWS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OKR_SOURCE_DIR
#define OKR_SOURCE_DIR "."
#endif

#ifndef CONFIG_ROWS_TMPNAME
#define CONFIG_ROWS_TMPNAME "okr_test_config"
#endif

/* The most errors one row may expect. */
#define MAX_WANT 24

/*
 * libconfig 1.5's scanner leaks its string buffer when a syntax error hits
 * inside a string (e.g. 'k"nd = "x";'): its bug, not ours, and one that the
 * mutation tests find.  Keep LeakSanitizer quiet about exactly that.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* The temporary directory and the t.conf in it. */
static char tmpdir[512];
static char tpath[600];

static inline int setup_dir(void **state)
{
    const char *base = getenv("TMPDIR");
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/" CONFIG_ROWS_TMPNAME "_XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(tpath, sizeof tpath, "%s/t.conf", tmpdir);
    return 0;
}

static inline int teardown_dir(void **state)
{
    (void)state;
    unlink(tpath);
    return rmdir(tmpdir);
}

static inline void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Write text to t.conf and load it; *errors is NULL on success. */
static inline int load_text(const char *text, config_t **c, char **errors)
{
    write_file(tpath, text, strlen(text));
    return config_load(tpath, c, errors);
}

/* Load text that must load cleanly. */
static inline config_t *must_load(const char *text)
{
    config_t *c = NULL;
    char *errors = NULL;
    if (load_text(text, &c, &errors) != 0)
        fail_msg("unexpected errors for:\n%s\n--- errors:\n%s", text, errors ? errors : "(null)");
    assert_null(errors);
    assert_non_null(c);
    assert_int_equal(c->refs, 1);
    return c;
}

/* Load a file that must load cleanly (the demo configuration). */
static inline config_t *must_load_file(const char *path)
{
    config_t *c = NULL;
    char *errors = NULL;
    if (config_load(path, &c, &errors) != 0)
        fail_msg("%s does not load:\n%s", path, errors ? errors : "(null)");
    assert_null(errors);
    assert_non_null(c);
    return c;
}

static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Every line of errors is "PATH:LINE: message" or "PATH: message". */
static inline void assert_well_formed(const char *errors, const char *path)
{
    size_t plen = strlen(path);
    const char *line = errors;
    assert_true(strlen(errors) > 0);
    assert_int_equal(errors[strlen(errors) - 1], '\n');
    while (*line) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        if (strncmp(line, path, plen) != 0 || line[plen] != ':')
            fail_msg("error line without the path: %.*s", (int)(end - line), line);
        line = end + 1;
    }
}

/*
 * Load whatever is in t.conf (truncated or mutated texts) and check the
 * contract of a failed load: -1, no config, well-formed errors.  Returns 0
 * with a config in *c, which the caller checks and unrefs, or -1.
 */
static inline int load_any_tpath(config_t **c)
{
    char *errors = (char *)0x1;
    *c = (config_t *)0x1;
    int rc = config_load(tpath, c, &errors);
    if (rc == 0) {
        assert_non_null(*c);
        assert_null(errors);
        return 0;
    }
    assert_int_equal(rc, -1);
    assert_null(*c);
    assert_non_null(errors);
    assert_well_formed(errors, tpath);
    free(errors);
    return -1;
}

/* ---- must_not_load ---------------------------------------------------- */

typedef struct bad_row {
    const char *what;
    const char *text;
    const char *want[MAX_WANT]; /* "t.conf:LINE: message" (a prefix of the message will do) */
} bad_row_t;

/*
 * Every row fails to load with exactly the errors it wants; with in_order,
 * they also come in the order listed (line order).
 */
static inline void check_bad_rows(const bad_row_t *rows, size_t nrows, bool in_order)
{
    for (size_t r = 0; r < nrows; r++) {
        const bad_row_t *row = &rows[r];
        config_t *c = (config_t *)0x1;
        char *errors = NULL;
        const char *prev = NULL;
        int nwant = 0;

        if (load_text(row->text, &c, &errors) != -1)
            fail_msg("row '%s' loaded but must not", row->what);
        assert_null(c);
        assert_non_null(errors);
        assert_well_formed(errors, tpath);
        for (; nwant < MAX_WANT && row->want[nwant]; nwant++) {
            char needle[512];
            const char *at;
            snprintf(needle, sizeof needle, "/%s", row->want[nwant]);
            at = strstr(errors, needle);
            if (!at)
                fail_msg("row '%s': missing error\n  %s\n--- got:\n%s", row->what, needle, errors);
            if (in_order && prev && at < prev)
                fail_msg("row '%s': errors out of order:\n%s", row->what, errors);
            prev = at;
        }
        if (count_lines(errors) != nwant)
            fail_msg("row '%s': expected %d error(s), got:\n%s", row->what, nwant, errors);
        free(errors);
    }
}

/* ---- must_load -------------------------------------------------------- */

typedef struct good_row {
    const char *what;
    const char *text;
    void (*check)(const config_t *c);
} good_row_t;

/* Every row loads cleanly and passes its check. */
static inline void check_good_rows(const good_row_t *rows, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        config_t *c = must_load(rows[r].text);
        rows[r].check(c);
        config_unref(&c);
        assert_null(c);
    }
}

#endif
