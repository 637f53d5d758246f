/*
 * render.h - human-readable output for okrctl: numbers, times, durations,
 * terminal-safe strings and aligned tables.
 *
 * Everything here accepts any msgpack object: a field of the wrong type or a
 * missing one (NULL) renders as "-", so a surprising reply can never crash
 * the client.  The formatting functions always write the text into the
 * caller's buffer and return the buffer.
 */
#ifndef OKRCTL_RENDER_H
#define OKRCTL_RENDER_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "calendar.h"

/* Shown for absent data (nil, missing field or wrong type). */
#define RENDER_NONE "-"

/*
 * A number for people: integral values without decimals, others with up to
 * two (trailing zeros trimmed), thousands separated by ','; very small
 * non-zero values keep three significant digits rather than becoming "0".
 */
const char *render_num(double v, char *buf, size_t len);

/* An int or float object as render_num() (ints exactly), else "-". */
const char *render_obj_num(const msgpack_object *o, char *buf, size_t len);

/* An int object as plain digits (no separators: ids, sequence numbers). */
const char *render_obj_plain_int(const msgpack_object *o, char *buf, size_t len);

/* A non-empty str object made safe for a terminal (render_sanitize), else "-". */
const char *render_obj_str(const msgpack_object *o, char *buf, size_t len);

/* An int object of ms since the epoch as cal_format() in c, else "-". */
const char *render_obj_time(const cal_t *c, const msgpack_object *o, char *buf, size_t len);

/* A byte count as "512 B", "1.5 MiB", ... */
const char *render_bytes(double v, char *buf, size_t len);

/* Seconds as a short duration: "42s", "12m 5s", "3h 12m", "2d 3h". */
const char *render_duration(int64_t seconds, char *buf, size_t len);

/*
 * Copy s[0..n) into buf (always NUL-terminated) replacing control characters
 * and invalid UTF-8 with '?'; a multi-byte character that does not fit whole
 * is left out.
 */
void render_sanitize(const char *s, size_t n, char *buf, size_t len);

/*
 * s (UTF-8) cut to at most max_chars characters, the last of them the
 * ellipsis ("…" or "...") when it had to be cut.
 */
const char *render_truncate(const char *s, size_t max_chars, const char *ellipsis, char *buf,
                            size_t len);

/* True if colour may be used on f: a terminal, and NO_COLOR not set. */
bool render_color(FILE *f);

/* ---- tables ----------------------------------------------------------- */

typedef struct table table_t;

/*
 * A table of ncols columns.  headers (ncols strings, or NULL for a table
 * without a header line) and align (ncols chars, 'l' or 'r') are copied.
 * Returns NULL when out of memory.
 */
table_t *table_new(int ncols, const char *const *headers, const char *align);

/* Append a row of ncols cells; the table copies them.  Returns 0 or -1. */
int table_add(table_t *t, const char *const *cells);

/*
 * Print the table with columns two spaces apart, widths in characters
 * (UTF-8 aware; ANSI colour codes in cells have no width); the last column
 * is not padded.
 */
void table_print(const table_t *t, FILE *f);

void table_destroy(table_t **t);

#endif
