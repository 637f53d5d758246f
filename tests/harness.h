/*
 * harness.h - helpers for tests that run the real okrd: a temporary
 * directory with a configuration on ipc:// endpoints, start and stop by pid,
 * requests over a real REQ socket, events over a real XPUB socket.
 */
#ifndef OKR_TEST_HARNESS_H
#define OKR_TEST_HARNESS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef OKRD_BIN
#define OKRD_BIN "okrd"
#endif
#ifndef OKRCTL_BIN
#define OKRCTL_BIN "okrctl"
#endif
#ifndef OKR_SOURCE_DIR
#define OKR_SOURCE_DIR "."
#endif

typedef struct h_okrd {
    char dir[256];    /* temp dir: config, state/, sockets, log */
    char conf[320];   /* dir/okrd.conf */
    char state[320];  /* dir/state */
    char ingest[320]; /* ipc://dir/ingest.sock */
    char query[320];  /* ipc://dir/query.sock */
    char log[320];    /* dir/okrd.log: okrd's stderr */
    pid_t pid;
} h_okrd_t;

/* Make a fresh temp dir and fill in the paths (nothing is started). */
void h_okrd_init(h_okrd_t *o);

/* Write dir/okrd.conf: daemon/ingest/query sections on the ipc endpoints
 * (commit_interval_ms = 20, sync = false unless extra_daemon says otherwise),
 * then body (kpis and any other sections) verbatim.  extra_daemon is put
 * inside the daemon group (may be NULL). */
void h_okrd_write_config(h_okrd_t *o, const char *extra_daemon, const char *body);

/* Start okrd -c conf with stderr to the log; wait until it answers ping
 * (fails the test after 10 s). */
void h_okrd_start(h_okrd_t *o);

/* Start okrd with args (NULL-terminated) and wait for it to exit; returns
 * its exit status, stderr+stdout captured into out (may be NULL). */
int h_run(const char *const argv[], char *out, size_t outlen);
/* h_run, but the program is killed after timeout_ms: returns -1 then. */
int h_run_timeout(const char *const argv[], char *out, size_t outlen, int timeout_ms);

/* Send sig to the started okrd and wait for it; returns the exit status
 * (128+N if killed by signal N). */
int h_okrd_stop(h_okrd_t *o, int sig);

/* Remove the temp dir. */
void h_okrd_cleanup(h_okrd_t *o);

/* ---- requests ---- */

typedef struct h_reply {
    msgpack_unpacked u;
    msgpack_object *root; /* NULL when no reply came */
    char *buf;            /* the reply's bytes: strings in u point into them */
} h_reply_t;

/*
 * Build a request map from a spec "key:type key:type ..." where type is s
 * (const char*), i (int64_t), d (double), n (nil, no argument), then the
 * values.  E.g. h_req(&sb, "op:s name:s at:i", "kpi.get", "x", at).
 */
void h_req(msgpack_sbuffer *sb, const char *spec, ...);

/* Send the raw bytes as one frame (or nframes copies, for multi-frame
 * tests) and wait up to timeout_ms for the reply. */
bool h_call_raw(const char *endpoint, const void *data, size_t len, int nframes, int timeout_ms,
                h_reply_t *rep);

/* h_req + h_call_raw; fails the test when no reply comes. */
void h_call(const char *endpoint, h_reply_t *rep, const char *spec, ...);
void h_reply_free(h_reply_t *rep);

/* Field access: fail the test when missing or of the wrong type. */
const msgpack_object *h_get(const h_reply_t *rep, const char *path); /* "a.b" nests */
bool h_ok(const h_reply_t *rep);
int64_t h_int(const h_reply_t *rep, const char *path);
double h_num(const h_reply_t *rep, const char *path);
bool h_is_nil(const h_reply_t *rep, const char *path);
const char *h_str(const h_reply_t *rep, const char *path, char *buf, size_t len);

/* ---- publishing ---- */

typedef struct h_pub h_pub_t;

/* Connect an XPUB to endpoint and wait for okrd's subscription. */
h_pub_t *h_pub_open(const char *endpoint);
/* Send a message of nframes frames: frames[i] with lens[i]. */
void h_pub_sendv(h_pub_t *p, int nframes, const void *const frames[], const size_t lens[]);
/* Send topic + body. */
void h_pub_send(h_pub_t *p, const char *topic, const void *body, size_t len);
/* Pass every subscription message up, duplicates included (ZMQ_XPUB_VERBOSE):
 * call it before h_pub_wait_resubscribe(), since a reconnecting okrd sends a
 * subscription that the XPUB may still hold from the old connection. */
void h_pub_set_verbose(h_pub_t *p);
/* Wait until okrd subscribes again on p's connection (after okrd closed it,
 * e.g. for an oversize message, and the XPUB reconnected); false on timeout.
 * Unsubscription messages are skipped.  Needs h_pub_set_verbose(p). */
bool h_pub_wait_resubscribe(h_pub_t *p, int timeout_ms);
void h_pub_close(h_pub_t **p);

/* Wait until okrd's stats.received reaches n (committed); fails after 10 s. */
void h_wait_received(const char *query_endpoint, uint64_t n);

/* Current time in ms. */
int64_t h_now_ms(void);

/* ---- service tests ---- */

/* Start okrd -c conf like h_okrd_start, with env applied in the child first:
 * "NAME=VALUE" sets, a bare "NAME" unsets (env is NULL-terminated; may be
 * NULL).  With wait_ping, waits for ping as h_okrd_start does; without, it
 * returns at once with o->pid set. */
void h_okrd_start_env(h_okrd_t *o, const char *const env[], bool wait_ping);

/* One ping to the started okrd's query socket; true if it answered ok. */
bool h_okrd_ping(h_okrd_t *o, int timeout_ms);

/* Wait until a line of okrd's log contains needle; false after timeout_ms. */
bool h_okrd_log_wait(h_okrd_t *o, const char *needle, int timeout_ms);

#endif
