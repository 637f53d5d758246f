/*
 * benchlib.c - what the okrd benchmarks share (see benchlib.h).
 */
#include "benchlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

/* ---- clocks, formatting, options ------------------------------------------ */

int64_t bl_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bl_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bl_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *bl_thousands(double v)
{
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ & 7];
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, (uint64_t)(v < 0 ? 0 : v + 0.5));
    int o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            b[o++] = ',';
        b[o++] = tmp[i];
    }
    b[o] = '\0';
    return b;
}

uint64_t bl_parse_count(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > UINT64_C(1000000000)) {
        fprintf(stderr, "bench: invalid count '%s'\n", s);
        exit(2);
    }
    return v;
}

bool bl_opt_reps_requests(int opt, const char *arg, int max_reps, int *reps, int *nq)
{
    if (opt == 'r') {
        uint64_t v = bl_parse_count(arg);
        *reps = v > (uint64_t)max_reps ? max_reps : (int)v;
    } else if (opt == 'q') {
        *nq = (int)bl_parse_count(arg);
    } else {
        return false;
    }
    return true;
}

void bl_usage_exit(void (*usage)(FILE *), int opt)
{
    usage(opt == 'h' ? stdout : stderr);
    exit(opt == 'h' ? 0 : 2);
}

const char *bl_okrd_operand(int argc, char **argv, void (*usage)(FILE *))
{
    if (optind + 1 != argc) {
        usage(stderr);
        exit(2);
    }
    const char *bin = argv[optind];
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench: %s: %s\n", bin, strerror(errno));
        exit(2);
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return bin;
}

int bl_best_index(const void *base, int n, size_t stride, size_t ok_off, size_t key_off, int sign)
{
    const char *a = base;
    int b = -1;
    double bv = 0;
    for (int i = 0; i < n; i++) {
        bool ok;
        double v;
        memcpy(&ok, a + (size_t)i * stride + ok_off, sizeof ok);
        memcpy(&v, a + (size_t)i * stride + key_off, sizeof v);
        if (ok && (b < 0 || (sign < 0 ? v < bv : v > bv))) {
            b = i;
            bv = v;
        }
    }
    return b;
}

int bl_cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

double bl_pct_ms(const int64_t *sorted, int n, double p)
{
    if (n <= 0)
        return 0;
    int i = (int)(p / 100.0 * (n - 1) + 0.5);
    if (i >= n)
        i = n - 1;
    return (double)sorted[i] / 1e6;
}

/* ---- msgpack helpers ---------------------------------------------------- */

pid_t bl_fork_child(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        prctl(PR_SET_PDEATHSIG, SIGTERM);
    return pid;
}

/* ---- the okrd process ----------------------------------------------------- */

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int write_config_file(const bl_okrd_t *o, bl_config_fn write_config, void *arg)
{
    FILE *f = fopen(o->conf, "w");
    if (f == NULL)
        return -1;
    int rc = write_config(f, o, arg);
    return fclose(f) == 0 ? rc : -1;
}

int bl_okrd_start(bl_okrd_t *o, const char *bin, const char *prefix, bl_config_fn write_config,
                  void *arg)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(o->dir, sizeof o->dir, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    if (mkdtemp(o->dir) == NULL) {
        fprintf(stderr, "bench: mkdtemp %s: %s\n", o->dir, strerror(errno));
        o->dir[0] = '\0';
        return -1;
    }
    snprintf(o->conf, sizeof o->conf, "%s/okrd.conf", o->dir);
    snprintf(o->log, sizeof o->log, "%s/okrd.log", o->dir);
    int pi = free_port(), pq = free_port();
    while (pq == pi && pi > 0)
        pq = free_port();
    if (pi <= 0 || pq <= 0) {
        fprintf(stderr, "bench: no free tcp port\n");
        return -1;
    }
    snprintf(o->ingest, sizeof o->ingest, "tcp://127.0.0.1:%d", pi);
    snprintf(o->query, sizeof o->query, "tcp://127.0.0.1:%d", pq);
    if (write_config_file(o, write_config, arg) != 0) {
        fprintf(stderr, "bench: cannot write %s\n", o->conf);
        return -1;
    }
    o->pid = bl_fork_child();
    if (o->pid < 0)
        return -1;
    if (o->pid == 0) {
        int fd = open(o->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execl(bin, "okrd", "-c", o->conf, "--foreground", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    return 0;
}

void bl_okrd_print_log(const bl_okrd_t *o)
{
    FILE *f = fopen(o->log, "r");
    if (f == NULL)
        return;
    char line[1024];
    fprintf(stderr, "---- %s ----\n", o->log);
    while (fgets(line, sizeof line, f) != NULL)
        fputs(line, stderr);
    fclose(f);
}

bool bl_okrd_alive(bl_okrd_t *o)
{
    int st;
    if (o->pid > 0 && waitpid(o->pid, &st, WNOHANG) == o->pid) {
        fprintf(stderr, "bench: okrd exited (%s %d)\n", WIFEXITED(st) ? "status" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        o->pid = 0;
    }
    return o->pid > 0;
}

int bl_okrd_stop(bl_okrd_t *o)
{
    if (o->pid <= 0)
        return -1;
    kill(o->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 2000; i++) {
        pid_t r = waitpid(o->pid, &st, WNOHANG);
        if (r == o->pid) {
            o->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        bl_sleep_us(10000);
    }
    fprintf(stderr, "bench: okrd did not stop within 20 s of SIGTERM: killed\n");
    kill(o->pid, SIGKILL);
    waitpid(o->pid, &st, 0);
    o->pid = 0;
    return -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void bl_okrd_remove_dir(const bl_okrd_t *o)
{
    if (o->dir[0] != '\0')
        nftw(o->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- CPU time from /proc ---------------------------------------------------- */

double bl_stat_cpu(const char *path, char *comm, size_t commlen)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (open == NULL || close == NULL)
        return -1;
    if (comm != NULL) {
        size_t cl =
            (size_t)(close - open - 1) < commlen - 1 ? (size_t)(close - open - 1) : commlen - 1;
        memcpy(comm, open + 1, cl);
        comm[cl] = '\0';
    }
    /* After ") ": field 3 (state) ... field 14 utime, field 15 stime. */
    unsigned long long ut = 0, st = 0;
    char *p = close + 2;
    for (int field = 3; field < 14 && p != NULL; field++) {
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    if (p == NULL || sscanf(p, "%llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double bl_proc_cpu_s(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return bl_stat_cpu(path, NULL, 0);
}

bool bl_proc_cpu(pid_t pid, bl_cpu_t *c)
{
    memset(c, 0, sizeof *c);
    char path[96], comm[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    c->total = bl_stat_cpu(path, comm, sizeof comm);
    if (c->total < 0)
        return false;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char tpath[320];
        snprintf(tpath, sizeof tpath, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        double s = bl_stat_cpu(tpath, comm, sizeof comm);
        if (s < 0)
            continue;
        if (atoi(e->d_name) == (int)pid)
            c->writer += s;
        else if (strncmp(comm, "ZMQbg/IO", 8) == 0)
            c->io += s;
        else if (strncmp(comm, "ZMQbg", 5) == 0)
            c->other += s;
        else
            c->query += s;
    }
    closedir(d);
    return true;
}

bl_cpu_t bl_cpu_diff(const bl_cpu_t *a, const bl_cpu_t *b)
{
    return (bl_cpu_t){b->total - a->total, b->writer - a->writer, b->query - a->query,
                      b->io - a->io, b->other - a->other};
}

double bl_self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* ---- publishing ------------------------------------------------------------ */

void *bl_xpub_new(void *zctx, int sndhwm, int linger_ms)
{
    void *s = zmq_socket(zctx, ZMQ_XPUB);
    if (s == NULL)
        return NULL;
    zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
    return s;
}

int bl_xpub_connect(void *sock, const char *endpoint)
{
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "bench: cannot connect to %s: %s\n", endpoint, zmq_strerror(errno));
        return -1;
    }
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    char sub[256];
    if (zmq_poll(&it, 1, 10000) <= 0 || zmq_recv(sock, sub, sizeof sub, 0) < 1 || sub[0] != 1) {
        fprintf(stderr, "bench: no subscription from %s within 10 s\n", endpoint);
        return -1;
    }
    return 0;
}

int bl_pub_open(bl_pub_t *p, void *zctx, int sndhwm, int linger_ms, int sndbuf,
                const char *endpoint)
{
    memset(p, 0, sizeof *p);
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
    p->sock = bl_xpub_new(zctx, sndhwm, linger_ms);
    if (p->sock == NULL)
        return -1;
    if (sndbuf > 0)
        zmq_setsockopt(p->sock, ZMQ_SNDBUF, &sndbuf, sizeof sndbuf);
    if (endpoint != NULL && bl_xpub_connect(p->sock, endpoint) != 0) {
        bl_pub_close(p);
        return -1;
    }
    return 0;
}

void bl_pub_close(bl_pub_t *p)
{
    if (p->sock != NULL)
        zmq_close(p->sock);
    p->sock = NULL;
    msgpack_sbuffer_destroy(&p->sb);
    msgpack_sbuffer_init(&p->sb);
}

/* ---- requests ------------------------------------------------------------- */

static void rpc_reopen(bl_rpc_t *r)
{
    if (r->sock != NULL)
        zmq_close(r->sock);
    r->sock = zmq_socket(r->zctx, ZMQ_REQ);
    int linger = 0;
    zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(r->sock, r->endpoint);
}

void bl_rpc_init(bl_rpc_t *r, void *zctx, const char *endpoint, size_t zone_chunk)
{
    memset(r, 0, sizeof *r);
    r->zctx = zctx;
    r->endpoint = endpoint;
    zmq_msg_init(&r->msg);
    msgpack_zone_init(&r->zone, zone_chunk);
    rpc_reopen(r);
}

void bl_rpc_close(bl_rpc_t *r)
{
    if (r->zctx == NULL)
        return;
    zmq_msg_close(&r->msg);
    msgpack_zone_destroy(&r->zone);
    if (r->sock != NULL)
        zmq_close(r->sock);
    r->sock = NULL;
    r->zctx = NULL;
}

void bl_req_begin(msgpack_sbuffer *sb, msgpack_packer *pk, size_t nfields, const char *op)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(pk, nfields);
    bl_pack_str(pk, "op");
    bl_pack_str(pk, op);
}

void bl_req_op(msgpack_sbuffer *sb, const char *op)
{
    msgpack_packer pk;
    bl_req_begin(sb, &pk, 1, op);
}

void bl_req_kpi_get(msgpack_sbuffer *sb, const char *kpi, const char *window)
{
    msgpack_packer pk;
    bl_req_begin(sb, &pk, 3, "kpi.get");
    bl_pack_str(&pk, "name");
    bl_pack_str(&pk, kpi);
    bl_pack_str(&pk, "window");
    bl_pack_str(&pk, window);
}

bool bl_rpc_roundtrip(bl_rpc_t *r, const msgpack_sbuffer *req, int timeout_ms)
{
    if (zmq_send(r->sock, req->data, req->size, 0) < 0) {
        rpc_reopen(r);
        return false;
    }
    zmq_pollitem_t it = {r->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0 || zmq_msg_recv(&r->msg, r->sock, 0) < 0) {
        rpc_reopen(r);
        return false;
    }
    return true;
}

bool bl_rpc_decode(bl_rpc_t *r)
{
    msgpack_zone_clear(&r->zone);
    size_t off = 0;
    if (msgpack_unpack(zmq_msg_data(&r->msg), zmq_msg_size(&r->msg), &off, &r->zone, &r->reply) !=
            MSGPACK_UNPACK_SUCCESS ||
        r->reply.type != MSGPACK_OBJECT_MAP)
        return false;
    const msgpack_object *ok = wire_map_get(&r->reply, "ok");
    return ok != NULL && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean;
}

bool bl_rpc_call(bl_rpc_t *r, const msgpack_sbuffer *req, int timeout_ms)
{
    return bl_rpc_roundtrip(r, req, timeout_ms) && bl_rpc_decode(r);
}

int64_t bl_reply_int(const bl_rpc_t *r, const char *k)
{
    int64_t v = -1;
    if (!wire_int(wire_map_get(&r->reply, k), &v))
        return -1;
    return v;
}

void bl_rpc_print_error(const bl_rpc_t *r, const char *what)
{
    char code[64] = "?", msg[512] = "";
    if (r->reply.type == MSGPACK_OBJECT_MAP) {
        wire_str_copy(wire_map_get(&r->reply, "error"), code, sizeof code);
        wire_str_copy(wire_map_get(&r->reply, "message"), msg, sizeof msg);
        fprintf(stderr, "bench: %s failed: %s: %s\n", what, code, msg);
    } else {
        fprintf(stderr, "bench: %s: no valid reply\n", what);
    }
}

/* ---- okrd's stats ----------------------------------------------------------- */

bool bl_okrd_stats(bl_rpc_t *r, bl_stats_t *s)
{
    static msgpack_sbuffer req;
    if (req.data == NULL)
        bl_req_op(&req, "stats");
    if (!bl_rpc_call(r, &req, 5000))
        return false;
    memset(s, 0, sizeof *s);
    s->received = bl_reply_int(r, "received");
    s->applied = bl_reply_int(r, "applied");
    s->gaps = bl_reply_int(r, "gaps");
    s->commits = bl_reply_int(r, "commits");
    const msgpack_object *rej = wire_map_get(&r->reply, "rejected");
    if (rej != NULL && rej->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < rej->via.map.size; i++) {
            int64_t v = 0;
            if (!wire_int(&rej->via.map.ptr[i].val, &v))
                continue;
            s->rejected += v;
            for (int w = 1; w < WIRE_REASON_COUNT; w++)
                if (wire_str_eq(&rej->via.map.ptr[i].key, wire_reason_name((wire_reason_t)w)))
                    s->reasons[w] += v;
        }
    }
    return s->received >= 0 && s->applied >= 0;
}

bool bl_okrd_wait_received(bl_okrd_t *o, bl_rpc_t *r, int64_t target, bl_stats_t *s, long poll_us,
                           int stall_ms)
{
    int64_t last = -1, last_change = bl_mono_ns();
    for (;;) {
        if (bl_okrd_stats(r, s)) {
            if (s->received >= target)
                return true;
            if (s->received != last) {
                last = s->received;
                last_change = bl_mono_ns();
            }
        }
        if (bl_mono_ns() - last_change > (int64_t)stall_ms * 1000000 ||
            (o != NULL && !bl_okrd_alive(o)))
            return false;
        bl_sleep_us(poll_us);
    }
}

bool bl_okrd_wait_up(bl_okrd_t *o, bl_rpc_t *r, const msgpack_sbuffer *req, int timeout_ms)
{
    for (int i = 0; i < 100; i++) {
        if (bl_rpc_call(r, req, timeout_ms))
            return true;
        if (waitpid(o->pid, NULL, WNOHANG) == o->pid) {
            o->pid = 0;
            break;
        }
    }
    return false;
}

/* ---- latency ------------------------------------------------------------- */

bool bl_latency_pair(bl_rpc_t *r, const msgpack_sbuffer *a, const msgpack_sbuffer *b, int n,
                     int timeout_ms, bl_lat_pair_t *out)
{
    int64_t *ta = malloc((size_t)n * sizeof *ta), *tb = malloc((size_t)n * sizeof *tb);
    bool ok = ta != NULL && tb != NULL;
    for (int i = 0; i < n && ok; i++)
        for (int j = 0; j < 2 && ok; j++) {
            bool first = (i + j) % 2 == 0; /* alternate which goes first */
            int64_t t0 = bl_mono_ns();
            ok = bl_rpc_roundtrip(r, first ? a : b, timeout_ms);
            (first ? ta : tb)[i] = bl_mono_ns() - t0;
            ok = ok && bl_rpc_decode(r);
        }
    if (ok) {
        qsort(ta, (size_t)n, sizeof *ta, bl_cmp_i64);
        qsort(tb, (size_t)n, sizeof *tb, bl_cmp_i64);
        out->a50 = (double)ta[n / 2] / 1e3;
        out->a99 = (double)ta[(size_t)n * 99 / 100] / 1e3;
        out->b50 = (double)tb[n / 2] / 1e3;
        out->b99 = (double)tb[(size_t)n * 99 / 100] / 1e3;
    }
    free(ta);
    free(tb);
    return ok;
}
