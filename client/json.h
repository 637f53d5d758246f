/*
 * json.h - a generic MessagePack -> JSON writer: okrctl's --json output.
 *
 * This is the script-facing format and a promise: one line per reply, every
 * msgpack type mapped the same way every time.  nil -> null; bool; ints
 * exactly; floats with %.17g (NaN and infinities -> null); str escaped per
 * RFC 8259 (control characters as \uXXXX or short escapes, invalid UTF-8 as
 * \ufffd); bin -> base64 string; ext -> null; arrays; maps, with keys that
 * are not str written as JSON text and then used as a string key.
 */
#ifndef OKRCTL_JSON_H
#define OKRCTL_JSON_H

#include <msgpack.h>
#include <stdio.h>

/* Write o to f as JSON, without a trailing newline.  NULL writes null. */
void json_write(FILE *f, const msgpack_object *o);

/* Write s[0..n) as a JSON string literal, quotes included. */
void json_write_str(FILE *f, const char *s, size_t n);

#endif
