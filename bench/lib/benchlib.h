/*
 * benchlib.h - what the okrd benchmarks share: clocks and number
 * formatting, a real okrd in a temporary directory (start, watch, stop,
 * clean up), its CPU time from /proc, an XPUB that waits for okrd's
 * subscription, a REQ client with msgpack reply access, `stats` polling,
 * and latency percentiles.
 *
 * Diagnostics go to stderr, prefixed "bench: "; nothing but -h's usage
 * (bl_usage_exit) goes to stdout: the programs' reports stay theirs.
 */
#ifndef BENCHLIB_H
#define BENCHLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <msgpack.h>
#include <zmq.h>

#include "wire.h"

/* ---- clocks, formatting, options ------------------------------------------ */

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bl_mono_ns(void);

/* CLOCK_REALTIME in milliseconds since the epoch (okrd's event ts). */
int64_t bl_real_ms(void);

/* Sleep at least us microseconds, resumed across EINTR. */
void bl_sleep_us(long us);

/* v rounded to an integer with thousands separators: 1234567.8 ->
 * "1,234,568" (negative: "0").  The result lives in one of eight rotating
 * static buffers: valid until the eighth call after. */
const char *bl_thousands(double v);

/* A decimal count in 1..1e9; otherwise prints "bench: invalid count '...'"
 * and exits with status 2 (for option parsing). */
uint64_t bl_parse_count(const char *s);

/* The options bench_ingest and bench_filter share: -r REPS (capped at
 * max_reps) into *reps and -q REQUESTS into *nq, parsed by bl_parse_count.
 * false (nothing stored) for any other opt. */
bool bl_opt_reps_requests(int opt, const char *arg, int max_reps, int *reps, int *nq);

/* For getopt's -h and unknown options: usage(stdout) and exit 0 for 'h',
 * usage(stderr) and exit 2 otherwise. */
__attribute__((noreturn)) void bl_usage_exit(void (*usage)(FILE *), int opt);

/*
 * After getopt: the one operand left must be okrd's executable, else
 * usage(stderr) or a diagnostic, and exit 2.  Then ignores SIGPIPE and
 * line-buffers stdout.  Returns the operand.
 */
const char *bl_okrd_operand(int argc, char **argv, void (*usage)(FILE *));

/* Among the n structs of an array (stride bytes apart) whose bool at
 * ok_off is true, the index of the one with the least (sign < 0) or the
 * greatest (sign > 0) double at key_off, the first of equals; -1 if none.
 * BL_BEST_INDEX(arr, n, ok, key, sign) names the fields. */
int bl_best_index(const void *base, int n, size_t stride, size_t ok_off, size_t key_off, int sign);
#define BL_BEST_INDEX(arr, n, okf, keyf, sign)                                                     \
    bl_best_index((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), okf),                    \
                  offsetof(__typeof__(*(arr)), keyf), (sign))

/* qsort comparator: ascending int64_t. */
int bl_cmp_i64(const void *x, const void *y);

/* Percentile p (0..100) of n ascending samples in ns, in ms: the sample at
 * the rounded index p/100 * (n - 1); 0 when n <= 0. */
double bl_pct_ms(const int64_t *sorted, int n, double p);

/* ---- msgpack helpers ---------------------------------------------------- */

/* Pack a string of len bytes (inline: it is on the publishers' hot path). */
static inline void bl_pack_strn(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

/* Pack a NUL-terminated string. */
static inline void bl_pack_str(msgpack_packer *pk, const char *s)
{
    bl_pack_strn(pk, s, strlen(s));
}

/* Store v at at as 8 big-endian bytes: the payload of a msgpack
 * float 64 / int 64 / uint 64, for patching encoded templates. */
static inline void bl_put_be64(char *at, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(at, &v, sizeof v);
}

/* fflush all output, then fork; the child gets SIGTERM when this process
 * dies.  Returns fork's result: the child's pid, 0 in the child, -1. */
pid_t bl_fork_child(void);

/* ---- the okrd process ----------------------------------------------------- */

/* A running (or stopped: pid 0) okrd in its own temporary directory. */
typedef struct bl_okrd {
    pid_t pid;       /* > 0 while running and not reaped */
    char dir[256];   /* the temporary directory; "" when none was made */
    char conf[320];  /* DIR/okrd.conf */
    char log[320];   /* DIR/okrd.log: okrd's stdout and stderr */
    char ingest[64]; /* tcp://127.0.0.1:PORT, its ingest SUB bind */
    char query[64];  /* tcp://127.0.0.1:PORT, its query REP bind */
} bl_okrd_t;

/* Writes okrd's configuration for o (dir, ingest and query are set) to f;
 * returns 0, or -1 on failure. */
typedef int (*bl_config_fn)(FILE *f, const bl_okrd_t *o, void *arg);

/*
 * Make $TMPDIR/PREFIX-XXXXXX (TMPDIR defaults to /tmp), pick two distinct
 * free loopback ports for ingest and query, write DIR/okrd.conf with
 * write_config, and fork + exec `BIN -c DIR/okrd.conf --foreground` with
 * stdout and stderr to DIR/okrd.log (it gets SIGTERM if this process dies).
 * Returns 0 with o->pid set, or -1 (diagnostic printed; o->dir is "" if no
 * directory was made).  Does not wait for okrd to answer.
 */
int bl_okrd_start(bl_okrd_t *o, const char *bin, const char *prefix, bl_config_fn write_config,
                  void *arg);

/* Copy okrd's log to stderr between "---- PATH ----" and the end. */
void bl_okrd_print_log(const bl_okrd_t *o);

/* True while okrd runs; once it has exited: reaps it, prints how it ended,
 * sets o->pid to 0 and returns false. */
bool bl_okrd_alive(bl_okrd_t *o);

/* SIGTERM and wait at most 20 s, then SIGKILL.  Returns okrd's exit status
 * (128 + signal if a signal ended it), or -1 if it was not running or had
 * to be killed.  o->pid is 0 after. */
int bl_okrd_stop(bl_okrd_t *o);

/* Remove o->dir and all below it, if there is one; o->dir is kept. */
void bl_okrd_remove_dir(const bl_okrd_t *o);

/* ---- CPU time from /proc ---------------------------------------------------- */

/* utime + stime, in seconds, of the process or thread whose /proc stat
 * file is path; its comm into comm (when comm is not NULL).  -1: unreadable. */
double bl_stat_cpu(const char *path, char *comm, size_t commlen);

/* utime + stime of process pid, in seconds; -1: unknown. */
double bl_proc_cpu_s(pid_t pid);

/* okrd's CPU seconds, the process and its threads by role. */
typedef struct bl_cpu {
    double total;  /* the process, from /proc/PID/stat */
    double writer; /* the main thread: ingest, aggregation, commits */
    double query;  /* the query thread (any thread not ZeroMQ's) */
    double io;     /* ZeroMQ's I/O thread(s): ZMQbg/IO... */
    double other;  /* ZeroMQ's other threads: ZMQbg/... */
} bl_cpu_t;

/* Read pid's CPU time by thread from /proc/PID/task; false when the
 * process is unreadable. */
bool bl_proc_cpu(pid_t pid, bl_cpu_t *c);

/* b - a, field by field. */
bl_cpu_t bl_cpu_diff(const bl_cpu_t *a, const bl_cpu_t *b);

/* CPU seconds of this process so far (getrusage: all its threads). */
double bl_self_cpu(void);

/* ---- publishing ------------------------------------------------------------ */

/* A new XPUB with the given send high-water mark (0: none) and linger (ms);
 * NULL on failure.  Set further options before bl_xpub_connect. */
void *bl_xpub_new(void *zctx, int sndhwm, int linger_ms);

/* Connect sock to endpoint and wait (at most 10 s) for the subscriber's
 * subscription, so that nothing is sent into the void.  0, or -1 with a
 * diagnostic (the socket is left to the caller to close). */
int bl_xpub_connect(void *sock, const char *endpoint);

/* Send the two frames topic, body; 0, or -1 with errno from ZeroMQ (no
 * diagnostic: the caller says what failed). */
static inline int bl_send_msg(void *sock, const char *topic, size_t topic_len, const void *body,
                              size_t body_len)
{
    if (zmq_send(sock, topic, topic_len, ZMQ_SNDMORE) < 0 || zmq_send(sock, body, body_len, 0) < 0)
        return -1;
    return 0;
}

/* A publisher: an XPUB and a reused body buffer with its packer. */
typedef struct bl_pub {
    void *sock;
    msgpack_sbuffer sb; /* the body to send */
    msgpack_packer pk;  /* writes into sb */
} bl_pub_t;

/* Open p: bl_xpub_new(zctx, sndhwm, linger_ms), ZMQ_SNDBUF sndbuf unless
 * 0, then bl_xpub_connect to endpoint unless NULL.  0, or -1 with p closed. */
int bl_pub_open(bl_pub_t *p, void *zctx, int sndhwm, int linger_ms, int sndbuf,
                const char *endpoint);

/* Release p; safe to call again. */
void bl_pub_close(bl_pub_t *p);

/* Send p->sb as the body under topic; 0, or -1 with "bench: send failed". */
static inline int bl_pub_send(bl_pub_t *p, const char *topic, size_t topic_len)
{
    if (bl_send_msg(p->sock, topic, topic_len, p->sb.data, p->sb.size) != 0) {
        fprintf(stderr, "bench: send failed: %s\n", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* ---- requests ------------------------------------------------------------- */

/* Initialise sb and pk (writing into sb) and begin a request map of
 * nfields fields with the first, op: op; the caller packs the other
 * nfields - 1 key/value pairs. */
void bl_req_begin(msgpack_sbuffer *sb, msgpack_packer *pk, size_t nfields, const char *op);

/* A REQ client that reopens its socket after a failed or timed-out request
 * (Lazy Pirate); the last reply decoded into reply. */
typedef struct bl_rpc {
    void *zctx; /* NULL: not initialised (bl_rpc_close is a no-op) */
    void *sock;
    const char *endpoint;
    zmq_msg_t msg;        /* the last reply frame */
    msgpack_zone zone;    /* reply's memory */
    msgpack_object reply; /* the last decoded reply */
} bl_rpc_t;

/* Connect to endpoint (kept by pointer: it must outlive r); zone_chunk:
 * msgpack zone chunk size for decoding replies. */
void bl_rpc_init(bl_rpc_t *r, void *zctx, const char *endpoint, size_t zone_chunk);

/* Release r; safe on a zeroed or already closed r. */
void bl_rpc_close(bl_rpc_t *r);

/* Send req and wait at most timeout_ms for the reply frame (kept in r->msg,
 * not decoded).  false on failure, the socket then reopened. */
bool bl_rpc_roundtrip(bl_rpc_t *r, const msgpack_sbuffer *req, int timeout_ms);

/* Decode the last reply frame into r->reply; true if it is a map with
 * ok: true. */
bool bl_rpc_decode(bl_rpc_t *r);

/* bl_rpc_roundtrip, then bl_rpc_decode. */
bool bl_rpc_call(bl_rpc_t *r, const msgpack_sbuffer *req, int timeout_ms);

/* Initialise sb to the request {op: op}. */
void bl_req_op(msgpack_sbuffer *sb, const char *op);

/* Initialise sb to the request {op: "kpi.get", name: kpi, window: window}. */
void bl_req_kpi_get(msgpack_sbuffer *sb, const char *kpi, const char *window);

/* Integer field k of the last reply; -1 when absent or not an integer. */
int64_t bl_reply_int(const bl_rpc_t *r, const char *k);

/* Print "bench: WHAT failed: ERROR: MESSAGE" from the last reply, or
 * "bench: WHAT: no valid reply". */
void bl_rpc_print_error(const bl_rpc_t *r, const char *what);

/* ---- okrd's stats ----------------------------------------------------------- */

typedef struct bl_stats {
    int64_t received, applied, rejected, gaps, commits; /* -1: absent */
    int64_t reasons[WIRE_REASON_COUNT];                 /* rejected, by reason */
} bl_stats_t;

/* One `stats` request (5 s timeout) into s; false when it fails or the
 * reply lacks received or applied. */
bool bl_okrd_stats(bl_rpc_t *r, bl_stats_t *s);

/*
 * Poll `stats` every poll_us until received reaches target (true, s is
 * that reply).  false when received has not moved for stall_ms or, with o
 * not NULL, okrd has exited (bl_okrd_alive).
 */
bool bl_okrd_wait_received(bl_okrd_t *o, bl_rpc_t *r, int64_t target, bl_stats_t *s, long poll_us,
                           int stall_ms);

/* Send req (a ping) up to 100 times, each waiting timeout_ms for the reply,
 * until okrd answers ok: true.  false if it never does or has exited (then
 * reaped: o->pid is 0). */
bool bl_okrd_wait_up(bl_okrd_t *o, bl_rpc_t *r, const msgpack_sbuffer *req, int timeout_ms);

/* ---- latency ------------------------------------------------------------- */

/* Medians and 99th percentiles of two requests, in microseconds. */
typedef struct bl_lat_pair {
    double a50, a99, b50, b99;
} bl_lat_pair_t;

/*
 * n round trips of a and n of b, interleaved (which goes first alternates),
 * each timed from send to reply frame and each reply decoded; percentiles
 * are the samples at n / 2 and n * 99 / 100.  false (no diagnostic) on the
 * first failed or timed-out request or when out of memory.
 */
bool bl_latency_pair(bl_rpc_t *r, const msgpack_sbuffer *a, const msgpack_sbuffer *b, int n,
                     int timeout_ms, bl_lat_pair_t *out);

#endif
