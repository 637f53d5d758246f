#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "wire.h"

static void *g_zctx;

static void *zctx(void)
{
    if (g_zctx == NULL)
        g_zctx = zmq_ctx_new();
    return g_zctx;
}

int64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void h_okrd_init(h_okrd_t *o)
{
    memset(o, 0, sizeof *o);
    const char *tmp = getenv("TMPDIR");
    snprintf(o->dir, sizeof o->dir, "%s/okrd-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(o->dir));
    snprintf(o->conf, sizeof o->conf, "%s/okrd.conf", o->dir);
    snprintf(o->state, sizeof o->state, "%s/state", o->dir);
    snprintf(o->ingest, sizeof o->ingest, "ipc://%s/ingest.sock", o->dir);
    snprintf(o->query, sizeof o->query, "ipc://%s/query.sock", o->dir);
    snprintf(o->log, sizeof o->log, "%s/okrd.log", o->dir);
}

void h_okrd_write_config(h_okrd_t *o, const char *extra_daemon, const char *body)
{
    FILE *f = fopen(o->conf, "w");
    assert_non_null(f);
    /* sync = false unless extra_daemon sets sync itself (a duplicate setting
     * would be a configuration error). */
    const char *sync_default =
        extra_daemon != NULL && strstr(extra_daemon, "sync") != NULL ? "" : "sync = false;";
    fprintf(f,
            "daemon = { state_dir = \"%s\"; commit_interval_ms = 20; log_level = \"debug\";\n"
            "  %s %s };\n"
            "ingest = { bind = [ \"%s\" ]; };\n"
            "query = { bind = [ \"%s\" ]; };\n"
            "%s\n",
            o->state, sync_default, extra_daemon ? extra_daemon : "", o->ingest, o->query,
            body ? body : "");
    fclose(f);
}

static bool ping_once(const char *endpoint, int timeout_ms)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    h_req(&sb, "op:s", "ping");
    h_reply_t rep;
    bool ok = h_call_raw(endpoint, sb.data, sb.size, 1, timeout_ms, &rep) && h_ok(&rep);
    h_reply_free(&rep);
    msgpack_sbuffer_destroy(&sb);
    return ok;
}

void h_okrd_start(h_okrd_t *o)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        /* stdout too: a daemon left holding the test's stdout would keep
         * ctest waiting after a crashed test; and it dies with the test. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(OKRD_BIN, "okrd", "-c", o->conf, "--foreground", (char *)NULL);
        _exit(127);
    }
    o->pid = pid;
    int64_t deadline = h_now_ms() + 10000;
    while (h_now_ms() < deadline) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            o->pid = 0;
            fail_msg("okrd exited during start-up (status %d); see %s", st, o->log);
        }
        if (ping_once(o->query, 200))
            return;
    }
    fail_msg("okrd did not answer ping within 10 s; see %s", o->log);
}

int h_okrd_stop(h_okrd_t *o, int sig)
{
    if (o->pid <= 0)
        return -1;
    kill(o->pid, sig);
    int st = 0;
    /* Bounded wait: a daemon that does not stop fails the test, then is killed. */
    for (int i = 0; i < 1000; i++) {
        pid_t r = waitpid(o->pid, &st, WNOHANG);
        if (r == o->pid) {
            o->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    kill(o->pid, SIGKILL);
    waitpid(o->pid, &st, 0);
    o->pid = 0;
    fail_msg("okrd did not exit within 10 s of signal %d", sig);
    return -1;
}

/* Run argv with stdout+stderr into out; timeout_ms < 0 waits for ever, else
 * the child is killed at the deadline and -1 returned. */
static int run_child(const char *const argv[], char *out, size_t outlen, int timeout_ms)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : h_now_ms() + timeout_ms;
    bool timed_out = false;
    size_t used = 0;
    char sink[4096];
    for (;;) {
        if (timeout_ms >= 0) {
            int64_t left = deadline - h_now_ms();
            struct pollfd pf = {pfd[0], POLLIN, 0};
            int pr = left > 0 ? poll(&pf, 1, (int)left) : 0;
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr == 0) {
                timed_out = true;
                break;
            }
        }
        char *dst = out && used + 1 < outlen ? out + used : sink;
        size_t room = out && used + 1 < outlen ? outlen - used - 1 : sizeof sink;
        ssize_t n = read(pfd[0], dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (dst != sink)
            used += (size_t)n;
    }
    if (out && outlen)
        out[used] = '\0';
    close(pfd[0]);
    int st = 0;
    if (timeout_ms >= 0) {
        /* The output is closed; give the child until the deadline to exit. */
        while (!timed_out && waitpid(pid, &st, WNOHANG) == 0) {
            if (h_now_ms() >= deadline)
                timed_out = true;
            else
                usleep(5000);
        }
        if (timed_out) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
    } else {
        waitpid(pid, &st, 0);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int h_run(const char *const argv[], char *out, size_t outlen)
{
    return run_child(argv, out, outlen, -1);
}

int h_run_timeout(const char *const argv[], char *out, size_t outlen, int timeout_ms)
{
    return run_child(argv, out, outlen, timeout_ms < 0 ? 0 : timeout_ms);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void h_okrd_cleanup(h_okrd_t *o)
{
    if (o->pid > 0)
        h_okrd_stop(o, SIGKILL);
    if (o->dir[0] != '\0' && getenv("OKR_KEEP_TMP") == NULL)
        nftw(o->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- requests ---- */

static void vreq(msgpack_sbuffer *sb, const char *spec, va_list ap)
{
    msgpack_sbuffer_clear(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    uint32_t n = 0;
    for (const char *p = buf; *p; p++)
        n += *p == ':';
    msgpack_pack_map(&pk, n);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *colon = strchr(tok, ':');
        assert_non_null(colon);
        *colon = '\0';
        wire_pack_str(&pk, tok);
        switch (colon[1]) {
        case 's':
            wire_pack_str(&pk, va_arg(ap, const char *));
            break;
        case 'i':
            msgpack_pack_int64(&pk, va_arg(ap, int64_t));
            break;
        case 'd':
            msgpack_pack_double(&pk, va_arg(ap, double));
            break;
        case 'n':
            msgpack_pack_nil(&pk);
            break;
        default:
            fail_msg("bad h_req spec '%s'", spec);
        }
    }
}

void h_req(msgpack_sbuffer *sb, const char *spec, ...)
{
    va_list ap;
    va_start(ap, spec);
    vreq(sb, spec, ap);
    va_end(ap);
}

bool h_call_raw(const char *endpoint, const void *data, size_t len, int nframes, int timeout_ms,
                h_reply_t *rep)
{
    msgpack_unpacked_init(&rep->u);
    rep->root = NULL;
    rep->buf = NULL;
    void *s = zmq_socket(zctx(), ZMQ_REQ);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    bool got = false;
    if (zmq_connect(s, endpoint) == 0) {
        for (int i = 0; i < nframes; i++)
            zmq_send(s, data, len, i + 1 < nframes ? ZMQ_SNDMORE : 0);
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, s, 0) >= 0) {
            /* msgpack-c's objects point into the bytes they were unpacked
             * from (str, bin): keep a copy that lives as long as the reply. */
            size_t off = 0, n = zmq_msg_size(&msg);
            rep->buf = malloc(n ? n : 1);
            assert_non_null(rep->buf);
            memcpy(rep->buf, zmq_msg_data(&msg), n);
            if (msgpack_unpack_next(&rep->u, rep->buf, n, &off) == MSGPACK_UNPACK_SUCCESS) {
                rep->root = &rep->u.data;
                got = true;
            }
        }
        zmq_msg_close(&msg);
    }
    zmq_close(s);
    return got;
}

void h_call(const char *endpoint, h_reply_t *rep, const char *spec, ...)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    va_list ap;
    va_start(ap, spec);
    vreq(&sb, spec, ap);
    va_end(ap);
    bool got = h_call_raw(endpoint, sb.data, sb.size, 1, 5000, rep);
    msgpack_sbuffer_destroy(&sb);
    if (!got)
        fail_msg("no reply from %s to '%s'", endpoint, spec);
}

void h_reply_free(h_reply_t *rep)
{
    msgpack_unpacked_destroy(&rep->u);
    free(rep->buf);
    rep->buf = NULL;
    rep->root = NULL;
}

static const msgpack_object *lookup(const h_reply_t *rep, const char *path)
{
    if (rep->root == NULL)
        return NULL;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const msgpack_object *o = rep->root;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
        o = wire_map_get(o, tok);
    return o;
}

const msgpack_object *h_get(const h_reply_t *rep, const char *path)
{
    const msgpack_object *o = lookup(rep, path);
    if (o == NULL)
        fail_msg("reply has no field '%s'", path);
    return o;
}

bool h_ok(const h_reply_t *rep)
{
    const msgpack_object *o = lookup(rep, "ok");
    return o != NULL && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

int64_t h_int(const h_reply_t *rep, const char *path)
{
    const msgpack_object *o = h_get(rep, path);
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (int64_t)o->via.u64;
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return o->via.i64;
    fail_msg("field '%s' is not an integer (type %d)", path, o->type);
    return 0;
}

double h_num(const h_reply_t *rep, const char *path)
{
    double v = 0;
    if (!wire_number(h_get(rep, path), &v))
        fail_msg("field '%s' is not a number", path);
    return v;
}

bool h_is_nil(const h_reply_t *rep, const char *path)
{
    return h_get(rep, path)->type == MSGPACK_OBJECT_NIL;
}

const char *h_str(const h_reply_t *rep, const char *path, char *buf, size_t len)
{
    if (wire_str_copy(h_get(rep, path), buf, len) != 0)
        fail_msg("field '%s' is not a string", path);
    return buf;
}

/* ---- publishing ---- */

struct h_pub {
    void *sock;
};

h_pub_t *h_pub_open(const char *endpoint)
{
    h_pub_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->sock = zmq_socket(zctx(), ZMQ_XPUB);
    int hwm = 0, linger = 5000;
    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(p->sock, endpoint), 0);
    /* The first subscription message proves okrd's SUB is connected. */
    zmq_pollitem_t item = {p->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 10000) <= 0)
        fail_msg("no subscription from okrd at %s within 10 s", endpoint);
    char sub[256];
    zmq_recv(p->sock, sub, sizeof sub, 0);
    return p;
}

void h_pub_sendv(h_pub_t *p, int nframes, const void *const frames[], const size_t lens[])
{
    for (int i = 0; i < nframes; i++)
        assert_true(zmq_send(p->sock, frames[i], lens[i], i + 1 < nframes ? ZMQ_SNDMORE : 0) >= 0);
}

void h_pub_send(h_pub_t *p, const char *topic, const void *body, size_t len)
{
    const void *frames[2] = {topic, body};
    size_t lens[2] = {strlen(topic), len};
    h_pub_sendv(p, 2, frames, lens);
}

void h_pub_set_verbose(h_pub_t *p)
{
    int one = 1;
    assert_int_equal(zmq_setsockopt(p->sock, ZMQ_XPUB_VERBOSE, &one, sizeof one), 0);
}

bool h_pub_wait_resubscribe(h_pub_t *p, int timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - h_now_ms();
        if (left <= 0)
            return false;
        zmq_pollitem_t item = {p->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long)left) <= 0)
            return false;
        unsigned char msg[256];
        int n = zmq_recv(p->sock, msg, sizeof msg, ZMQ_DONTWAIT);
        if (n >= 1 && msg[0] == 1)
            return true; /* a subscription; unsubscriptions (0) are skipped */
    }
}

void h_pub_close(h_pub_t **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    zmq_close((*pp)->sock);
    free(*pp);
    *pp = NULL;
}

void h_wait_received(const char *query_endpoint, uint64_t n)
{
    int64_t deadline = h_now_ms() + 10000;
    uint64_t seen = 0;
    while (h_now_ms() < deadline) {
        h_reply_t rep;
        h_call(query_endpoint, &rep, "op:s", "stats");
        seen = (uint64_t)h_int(&rep, "received");
        h_reply_free(&rep);
        if (seen >= n)
            return;
        usleep(10000);
    }
    fail_msg("okrd received %llu events, expected %llu, within 10 s", (unsigned long long)seen,
             (unsigned long long)n);
}

/* ---- service tests: okrd with a chosen environment ---- */

bool h_okrd_ping(h_okrd_t *o, int timeout_ms)
{
    return ping_once(o->query, timeout_ms);
}

void h_okrd_start_env(h_okrd_t *o, const char *const env[], bool wait_ping)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (int i = 0; env != NULL && env[i] != NULL; i++) {
            const char *eq = strchr(env[i], '=');
            if (eq == NULL) {
                unsetenv(env[i]);
            } else {
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)(eq - env[i]), env[i]);
                setenv(name, eq + 1, 1);
            }
        }
        /* okrd dies with the test, and holds none of its pipes: a test
         * that crashes leaves no daemon behind nor ctest waiting. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(OKRD_BIN, "okrd", "-c", o->conf, "--foreground", (char *)NULL);
        _exit(127);
    }
    o->pid = pid;
    if (!wait_ping)
        return;
    int64_t deadline = h_now_ms() + 10000;
    while (h_now_ms() < deadline) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            o->pid = 0;
            fail_msg("okrd exited during start-up (status %d); see %s", st, o->log);
        }
        if (h_okrd_ping(o, 200))
            return;
    }
    fail_msg("okrd did not answer ping within 10 s; see %s", o->log);
}

bool h_okrd_log_wait(h_okrd_t *o, const char *needle, int timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;
    for (;;) {
        FILE *f = fopen(o->log, "r");
        if (f != NULL) {
            char line[4096];
            bool found = false;
            while (!found && fgets(line, sizeof line, f) != NULL)
                found = strstr(line, needle) != NULL;
            fclose(f);
            if (found)
                return true;
        }
        if (h_now_ms() >= deadline)
            return false;
        usleep(20000);
    }
}
