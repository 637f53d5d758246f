/*
 * test_service.c - okrd as a systemd service: the notify protocol (READY=1,
 * WATCHDOG=1, STOPPING=1) on a datagram socket of the test's own, the
 * journald priority prefixes, SIGHUP reload, the unit (systemd-analyze
 * verify) and the man pages.  The Debian package has its own test,
 * tests/package_test.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "wire.h"

/* What each test starts; the teardown stops and removes it even when the
 * test failed half-way. */
typedef struct fixture {
    h_okrd_t o;
    int notify_fd;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    h_okrd_init(&f->o);
    f->notify_fd = -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    if (f->notify_fd >= 0)
        close(f->notify_fd);
    h_okrd_cleanup(&f->o);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

/* okrd's configuration on the fixture's endpoints: the daemon, ingest and
 * query groups on lines 1-3, body from line 4 on.  Written to a temporary
 * file and renamed, as an editor or a deployment tool would. */
static void write_config(h_okrd_t *o, int commit_ms, const char *body)
{
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.tmp", o->conf);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fprintf(f,
            "daemon = { state_dir = \"%s\"; commit_interval_ms = %d; sync = false; log_level = "
            "\"debug\"; };\n"
            "ingest = { bind = [ \"%s\" ]; };\n"
            "query = { bind = [ \"%s\" ]; };\n"
            "%s\n",
            o->state, commit_ms, o->ingest, o->query, body);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, o->conf), 0);
}

/* The whole of a small file, NUL-terminated, into a malloc'd buffer. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t r;
    while ((r = fread(buf + n, 1, cap - 1 - n, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* text with every occurrence of from replaced by to (malloc'd). */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t n = 0, lf = strlen(from), lt = strlen(to);
    for (const char *p = strstr(text, from); p != NULL; p = strstr(p + lf, from))
        n++;
    char *out = malloc(strlen(text) + n * lt + 1), *o = out;
    assert_non_null(out);
    for (const char *p = text, *q; *p != '\0'; p = q + lf) {
        q = strstr(p, from);
        if (q == NULL) {
            strcpy(o, p);
            return out;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, lt);
        o += lt;
    }
    *o = '\0';
    return out;
}

/* The full path of prog found in $PATH (or the usual sbin directories), or
 * false. */
static bool find_program(const char *prog, char *out, size_t len)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/%s", d, prog);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

/* Bind an AF_UNIX datagram socket at name: a path, or an abstract name when
 * it starts with '@' (as $NOTIFY_SOCKET names them). */
static int notify_bind(const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    assert_true(len < sizeof sa.sun_path);
    memcpy(sa.sun_path, name, len);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int rc =
        bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
    if (rc != 0)
        fail_msg("cannot bind the notify socket %s: %s", name, strerror(errno));
    return fd;
}

/* The next datagram within timeout_ms, NUL-terminated; false on timeout. */
static bool notify_recv(int fd, char *buf, size_t len, int timeout_ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    int pr;
    do
        pr = poll(&pf, 1, timeout_ms);
    while (pr < 0 && errno == EINTR);
    if (pr <= 0)
        return false;
    ssize_t n = recv(fd, buf, len - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
    return true;
}

/* Wait for READY=1 as the very first message, and check that the query
 * socket answers as soon as it has come. */
static void expect_ready(fixture_t *f)
{
    char msg[256];
    if (!notify_recv(f->notify_fd, msg, sizeof msg, 10000))
        fail_msg("no notification within 10 s of the start; see %s", f->o.log);
    assert_string_equal(msg, "READY=1");
    if (!h_okrd_ping(&f->o, 1000))
        fail_msg("READY=1 came, but okrd does not answer ping");
}

static void send_event(h_pub_t *p, const char *topic, double value)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    wire_pack_str(&pk, "value");
    msgpack_pack_double(&pk, value);
    h_pub_send(p, topic, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

/* The names kpi.list answers with, space-separated, sorted as okrd sends. */
static int kpi_names(h_okrd_t *o, char *out, size_t len)
{
    h_reply_t rep;
    h_call(o->query, &rep, "op:s", "kpi.list");
    assert_true(h_ok(&rep));
    const msgpack_object *list = h_get(&rep, "kpis");
    assert_int_equal(list->type, MSGPACK_OBJECT_ARRAY);
    int n = (int)list->via.array.size;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char name[256];
        const msgpack_object *nm = wire_map_get(&list->via.array.ptr[i], "name");
        assert_non_null(nm);
        assert_int_equal(wire_str_copy(nm, name, sizeof name), 0);
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", name);
    }
    h_reply_free(&rep);
    return n;
}

/* Poll kpi.list until it has n KPIs; fails after 10 s. */
static void wait_kpis(h_okrd_t *o, int n)
{
    char names[1024];
    int64_t deadline = h_now_ms() + 10000;
    int got;
    while ((got = kpi_names(o, names, sizeof names)) != n) {
        if (h_now_ms() > deadline)
            fail_msg("kpi.list has %d KPIs (%s), expected %d, 10 s after SIGHUP; see %s", got,
                     names, n, o->log);
        usleep(20000);
    }
}

static double kpi_sum(h_okrd_t *o, const char *name)
{
    h_reply_t rep;
    h_call(o->query, &rep, "op:s name:s window:s", "kpi.get", name, "1h");
    assert_true(h_ok(&rep));
    double v = h_num(&rep, "sum");
    h_reply_free(&rep);
    return v;
}

static int64_t stat_int(h_okrd_t *o, const char *path)
{
    h_reply_t rep;
    h_call(o->query, &rep, "op:s", "stats");
    int64_t v = h_int(&rep, path);
    h_reply_free(&rep);
    return v;
}

/* ---- the notify protocol ---------------------------------------------- */

/* READY=1, then WATCHDOG=1 at half of WATCHDOG_USEC, then on SIGTERM
 * STOPPING=1 as the last message, and exit 0. */
static void notify_sequence(fixture_t *f, const char *name)
{
    h_okrd_t *o = &f->o;
    write_config(o, 20, "kpis = ( { name = \"svc.a\"; } );");
    f->notify_fd = notify_bind(name);
    char env_notify[200];
    snprintf(env_notify, sizeof env_notify, "NOTIFY_SOCKET=%s", name);
    const char *env[] = {env_notify, "WATCHDOG_USEC=200000", "WATCHDOG_PID", "JOURNAL_STREAM",
                         NULL};
    h_okrd_start_env(o, env, false);

    expect_ready(f);
    int64_t ready_at = h_now_ms();
    char msg[256];
    for (int n = 0; n < 2; n++) {
        if (!notify_recv(f->notify_fd, msg, sizeof msg, 2000))
            fail_msg("%d WATCHDOG=1 in the 2 s after READY=1, expected a ping every 100 ms", n);
        assert_string_equal(msg, "WATCHDOG=1");
    }
    assert_true(h_now_ms() - ready_at < 1000);

    assert_int_equal(h_okrd_stop(o, SIGTERM), 0);
    /* okrd has exited: everything it sent is queued here. */
    bool stopping = false;
    while (notify_recv(f->notify_fd, msg, sizeof msg, 0)) {
        if (stopping)
            fail_msg("'%s' after STOPPING=1", msg);
        if (strcmp(msg, "STOPPING=1") == 0)
            stopping = true;
        else
            assert_string_equal(msg, "WATCHDOG=1");
    }
    if (!stopping)
        fail_msg("no STOPPING=1 after SIGTERM");
    /* Without JOURNAL_STREAM the log has no priority prefixes. */
    assert_true(h_okrd_log_wait(o, "okrd: info: event=ready", 0));
}

static void test_notify_path_socket(void **state)
{
    fixture_t *f = *state;
    char name[400];
    snprintf(name, sizeof name, "%s/notify.sock", f->o.dir);
    notify_sequence(f, name);
}

static void test_notify_abstract_socket(void **state)
{
    fixture_t *f = *state;
    char name[100];
    snprintf(name, sizeof name, "@okrd-test-notify-%d-%lld", (int)getpid(), (long long)h_now_ms());
    notify_sequence(f, name);
}

/* The watchdog is fed on time even when the loop has nothing else to do
 * for much longer than the watchdog period (commit_interval_ms = 10 s). */
static void test_watchdog_with_slow_commits(void **state)
{
    fixture_t *f = *state;
    char name[400];
    snprintf(name, sizeof name, "%s/notify.sock", f->o.dir);
    write_config(&f->o, 10000, "kpis = ( { name = \"svc.a\"; } );");
    f->notify_fd = notify_bind(name);
    char env_notify[420];
    snprintf(env_notify, sizeof env_notify, "NOTIFY_SOCKET=%s", name);
    const char *env[] = {env_notify, "WATCHDOG_USEC=200000", "WATCHDOG_PID", NULL};
    h_okrd_start_env(&f->o, env, false);
    expect_ready(f);

    /* Pings every 100 ms: about 10 in a second; at least 4, and not a busy
     * loop either. */
    int pings = 0;
    char msg[256];
    int64_t end = h_now_ms() + 1000;
    for (int64_t now = h_now_ms(); now < end; now = h_now_ms()) {
        if (!notify_recv(f->notify_fd, msg, sizeof msg, (int)(end - now)))
            break;
        assert_string_equal(msg, "WATCHDOG=1");
        pings++;
    }
    print_message("%d WATCHDOG=1 in 1 s with WATCHDOG_USEC=200000\n", pings);
    assert_in_range(pings, 4, 30);
    assert_int_equal(h_okrd_stop(&f->o, SIGTERM), 0);
}

/* WATCHDOG_PID names another process: the watchdog is not okrd's. */
static void test_watchdog_of_another_pid(void **state)
{
    fixture_t *f = *state;
    char name[400];
    snprintf(name, sizeof name, "%s/notify.sock", f->o.dir);
    write_config(&f->o, 20, "kpis = ( { name = \"svc.a\"; } );");
    f->notify_fd = notify_bind(name);
    char env_notify[420], env_pid[64];
    snprintf(env_notify, sizeof env_notify, "NOTIFY_SOCKET=%s", name);
    snprintf(env_pid, sizeof env_pid, "WATCHDOG_PID=%d", (int)getpid());
    const char *env[] = {env_notify, "WATCHDOG_USEC=200000", env_pid, NULL};
    h_okrd_start_env(&f->o, env, false);
    expect_ready(f);
    char msg[256];
    if (notify_recv(f->notify_fd, msg, sizeof msg, 500))
        fail_msg("'%s' sent, though WATCHDOG_PID is not okrd's pid", msg);
    assert_int_equal(h_okrd_stop(&f->o, SIGTERM), 0);
    assert_true(notify_recv(f->notify_fd, msg, sizeof msg, 0));
    assert_string_equal(msg, "STOPPING=1");
}

/* ---- journald priority prefixes --------------------------------------- */

/* Configuration errors at start-up carry the error priority too. */
static void test_journal_config_errors(void **state)
{
    (void)state;
    char path[] = "/tmp/okrd-svc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "daemon = { bogus = 1; };\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char out[1024];
    const char *const argv[] = {OKRD_BIN, "-c", path, NULL};
    setenv("JOURNAL_STREAM", "8:123456", 1);
    int rc = h_run(argv, out, sizeof out);
    unsetenv("JOURNAL_STREAM");
    unlink(path);
    assert_int_equal(rc, 1);
    if (strncmp(out, "<3>", 3) != 0 || strstr(out, ":1: unknown key 'bogus' in daemon") == NULL)
        fail_msg("start-up error without its priority: %s", out);
}

static void test_journal_prefixes(void **state)
{
    fixture_t *f = *state;
    h_okrd_t *o = &f->o;
    write_config(o, 20, "kpis = ( { name = \"svc.a\"; } );");
    const char *env[] = {"JOURNAL_STREAM=8:123456", "NOTIFY_SOCKET", NULL};
    h_okrd_start_env(o, env, true);

    /* a warning: an event for a source no KPI reads */
    h_pub_t *p = h_pub_open(o->ingest);
    send_event(p, "svc.nosuch", 1.0);
    h_wait_received(o->query, 1);
    h_pub_close(&p);
    /* errors: a reload of a file with an unknown key */
    write_config(o, 20, "kpis = ( { name = \"svc.a\"; colour = \"red\"; } );");
    kill(o->pid, SIGHUP);
    assert_true(h_okrd_log_wait(o, "unknown key 'colour'", 10000));
    assert_int_equal(h_okrd_stop(o, SIGTERM), 0);

    char *log = slurp(o->log);
    int seen[8] = {0}, lines = 0;
    char *save = NULL;
    for (char *l = strtok_r(log, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        lines++;
        if (!(l[0] == '<' && l[1] >= '0' && l[1] <= '7' && l[2] == '>'))
            fail_msg("log line without a <N> prefix: '%s'", l);
        if (strstr(l, "okrd: ") == l + 3)
            fail_msg("log line with both a prefix and the program name: '%s'", l);
        seen[l[1] - '0']++;
    }
    print_message("%d lines: <3> %d, <4> %d, <6> %d, <7> %d\n", lines, seen[3], seen[4], seen[6],
                  seen[7]);
    assert_true(seen[3] > 0); /* reload_failed and the FILE:LINE line */
    assert_true(seen[4] > 0); /* event=reject */
    assert_true(seen[6] > 0); /* event=ready, event=stopping */
    free(log);
    /* the FILE:LINE error itself is logged as an error */
    char needle[400];
    snprintf(needle, sizeof needle, "<3>%s:4: unknown key 'colour'", o->conf);
    assert_true(h_okrd_log_wait(o, needle, 0));
    assert_true(h_okrd_log_wait(o, "<6>event=ready", 0));
    assert_true(h_okrd_log_wait(o, "<4>event=reject reason=unknown_source", 0));
}

/* ---- SIGHUP reload ---------------------------------------------------- */

#define KPI_A "{ name = \"svc.a\"; aggregate = \"count\"; }"
#define KPI_B "{ name = \"svc.b\"; source = \"svc.b.src\"; aggregate = \"sum\"; unit = \"USD\"; }"
#define KPI_C "{ name = \"svc.c\"; aggregate = \"max\"; }"

static void test_sighup_reload(void **state)
{
    fixture_t *f = *state;
    h_okrd_t *o = &f->o;
    char names[1024], needle[512], out[4096];
    write_config(o, 20, "kpis = ( " KPI_A " );");
    const char *env[] = {"JOURNAL_STREAM", "NOTIFY_SOCKET", NULL};
    h_okrd_start_env(o, env, true);
    assert_int_equal(kpi_names(o, names, sizeof names), 1);

    /* Before the reload nothing reads svc.b.src. */
    h_pub_t *p = h_pub_open(o->ingest);
    send_event(p, "svc.b.src", 100.0);
    h_wait_received(o->query, 1);
    assert_int_equal(stat_int(o, "rejected.unknown_source"), 1);

    /* A second KPI, on a source of its own. */
    write_config(o, 20, "kpis = ( " KPI_A ",\n " KPI_B " );");
    kill(o->pid, SIGHUP);
    wait_kpis(o, 2);
    kpi_names(o, names, sizeof names);
    assert_string_equal(names, "svc.a svc.b");
    assert_true(h_okrd_log_wait(o, "event=reloaded kpis=2", 1000));
    send_event(p, "svc.b.src", 2.5);
    send_event(p, "svc.b.src", 4.0);
    send_event(p, "svc.a", 1.0);
    h_wait_received(o->query, 4);
    assert_int_equal(stat_int(o, "applied"), 3);
    assert_int_equal(stat_int(o, "rejected.unknown_source"), 1);
    assert_true(kpi_sum(o, "svc.b") == 6.5);

    /* A file that does not validate: logged as FILE:LINE, nothing changes. */
    write_config(o, 20,
                 "kpis = (\n " KPI_A ",\n " KPI_B
                 ",\n { name = \"svc.c\"; aggregate = \"bogus\"; }\n);");
    const char *check[] = {OKRD_BIN, "--check-config", o->conf, NULL};
    assert_int_equal(h_run(check, out, sizeof out), 1);
    snprintf(needle, sizeof needle, "%s:7: kpi 'svc.c': unknown aggregate 'bogus'", o->conf);
    if (strstr(out, needle) == NULL)
        fail_msg("--check-config says '%s', expected '%s'", out, needle);
    kill(o->pid, SIGHUP);
    if (!h_okrd_log_wait(o, needle, 10000))
        fail_msg("the log of the failed reload does not name '%s'; see %s", needle, o->log);
    assert_true(h_okrd_log_wait(o, "event=reload_failed", 0));
    kpi_names(o, names, sizeof names);
    assert_string_equal(names, "svc.a svc.b");
    send_event(p, "svc.b.src", 1.0);
    h_wait_received(o->query, 5);
    assert_true(kpi_sum(o, "svc.b") == 7.5);

    /* A file that does not parse. */
    write_config(o, 20, "kpis = ( " KPI_A ",\n " KPI_B "\n oops );");
    assert_int_equal(h_run(check, out, sizeof out), 1);
    snprintf(needle, sizeof needle, "%s:6: ", o->conf);
    if (strstr(out, needle) == NULL)
        fail_msg("--check-config says '%s', expected an error at '%s'", out, needle);
    out[strcspn(out, "\n")] = '\0';
    kill(o->pid, SIGHUP);
    if (!h_okrd_log_wait(o, out, 10000))
        fail_msg("the log of the failed reload does not name '%s'; see %s", out, o->log);
    kpi_names(o, names, sizeof names);
    assert_string_equal(names, "svc.a svc.b");
    send_event(p, "svc.b.src", 0.5);
    h_wait_received(o->query, 6);
    assert_true(kpi_sum(o, "svc.b") == 8.0);

    /* Fixed: the next SIGHUP takes it. */
    write_config(o, 20, "kpis = ( " KPI_A ",\n " KPI_B ",\n " KPI_C " );");
    kill(o->pid, SIGHUP);
    wait_kpis(o, 3);
    send_event(p, "svc.c", 42.0);
    h_wait_received(o->query, 7);
    assert_int_equal(stat_int(o, "applied"), 6);
    h_pub_close(&p);
    assert_int_equal(h_okrd_stop(o, SIGTERM), 0);
}

/* ---- the unit --------------------------------------------------------- */

static const char *const unit_must_have[] = {
    "\nType=notify\n",
    "\nExecReload=/bin/kill -HUP $MAINPID\n",
    "\nRestart=on-failure\n",
    "\nWatchdogSec=",
    "\nStateDirectory=okrd\n",
    "\nDynamicUser=yes\n",
    "\nNoNewPrivileges=yes\n",
    "\nProtectSystem=strict\n",
    "\nProtectHome=yes\n",
    "\nPrivateTmp=yes\n",
    "\nUMask=0077\n",
    "\nCapabilityBoundingSet=\n",
    "\nSystemCallFilter=@system-service\n",
    "\nExecStart=/usr/sbin/okrd -c /etc/okrd/okrd.conf --foreground\n",
    "\nWantedBy=multi-user.target\n",
};

static void test_unit_verify(void **state)
{
    fixture_t *f = *state;
    char src[512], path[512], mandir[512], sa[512];
    snprintf(src, sizeof src, "%s/systemd/okrd.service", OKR_SOURCE_DIR);
    char *unit = slurp(src);
    for (size_t i = 0; i < sizeof unit_must_have / sizeof *unit_must_have; i++)
        if (strstr(unit, unit_must_have[i]) == NULL)
            fail_msg("systemd/okrd.service lacks '%s'", unit_must_have[i] + 1);

    if (!find_program("systemd-analyze", sa, sizeof sa)) {
        free(unit);
        print_message("systemd-analyze is not installed (Debian package systemd; "
                      "scripts/deps.sh installs it): not verifying the unit\n");
        skip();
    }
    /* verify wants ExecStart to exist, and the Documentation= man pages to
     * be found: point it at this build's okrd and at the doc/ pages. */
    char *copy = replace_all(unit, "/usr/sbin/okrd", OKRD_BIN);
    free(unit);
    snprintf(path, sizeof path, "%s/okrd.service", f->o.dir);
    spit(path, copy);
    free(copy);
    snprintf(mandir, sizeof mandir, "%s/man", f->o.dir);
    static const char *const pages[][2] = {
        {"okrd.8", "man8"}, {"okrd.conf.5", "man5"}, {"okrctl.1", "man1"}};
    assert_int_equal(mkdir(mandir, 0755), 0);
    for (size_t i = 0; i < 3; i++) {
        char from[512], dir[600], to[700];
        snprintf(from, sizeof from, "%s/doc/%s", OKR_SOURCE_DIR, pages[i][0]);
        snprintf(dir, sizeof dir, "%s/%s", mandir, pages[i][1]);
        snprintf(to, sizeof to, "%s/%s", dir, pages[i][0]);
        assert_int_equal(mkdir(dir, 0755), 0);
        char *text = slurp(from);
        spit(to, text);
        free(text);
    }
    setenv("MANPATH", mandir, 1);
    char man[512];
    bool have_man = find_program("man", man, sizeof man);
    if (!have_man)
        print_message(
            "man is not installed (Debian package man-db): not checking Documentation=\n");
    const char *argv[5] = {sa, "verify", NULL, NULL, NULL};
    int k = 2;
    if (!have_man)
        argv[k++] = "--man=no";
    argv[k] = path;
    char out[8192];
    int rc = h_run(argv, out, sizeof out);
    unsetenv("MANPATH");
    print_message("systemd-analyze verify: exit %d%s%s", rc, out[0] ? "\n" : " (no output)\n", out);
    if (rc != 0 || strstr(out, "okrd.service") != NULL)
        fail_msg("systemd-analyze verify %s: exit %d: %s", path, rc, out);
}

/* ---- man pages -------------------------------------------------------- */

/* The page mentions prefix + name, with roff's "\-" for each '-'. */
static void page_mentions(const char *page, const char *text, const char *prefix, const char *name)
{
    char plain[128];
    snprintf(plain, sizeof plain, "%s%s", prefix, name);
    char *roff = replace_all(plain, "-", "\\-");
    if (strstr(text, roff) == NULL)
        fail_msg("doc/%s does not mention '%s'", page, plain);
    free(roff);
}

/*
 * For each row of a table in src, found by its marker (e.g. "    [S_" for
 * config.c's settings), the quoted string number field of the row (0 for
 * the first) must be mentioned in the page.  Returns the number of rows.
 */
static int check_table(const char *page, const char *text, const char *src, const char *marker,
                       int field, const char *prefix)
{
    int n = 0;
    for (const char *p = strstr(src, marker); p != NULL; p = strstr(p + 1, marker)) {
        const char *q = p + strlen(marker), *eol = strchr(q, '\n');
        for (int i = 0; i <= field && q != NULL; i++) {
            q = strchr(q, '"');
            q = q ? strchr(q + 1, '"') : NULL;
        }
        if (q == NULL || (eol != NULL && q > eol))
            continue;
        const char *b = q - 1;
        while (b > p && *b != '"')
            b--;
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)(q - b - 1), b + 1);
        page_mentions(page, text, prefix, name);
        n++;
    }
    return n;
}

static void test_man_pages(void **state)
{
    (void)state;
    static const char *const pages[] = {"okrd.8", "okrd.conf.5", "okrctl.1"};
    char groff[512];
    bool have_groff = find_program("groff", groff, sizeof groff);
    for (size_t i = 0; i < 3; i++) {
        char path[512], out[8192];
        snprintf(path, sizeof path, "%s/doc/%s", OKR_SOURCE_DIR, pages[i]);
        assert_int_equal(access(path, R_OK), 0);
        if (!have_groff)
            continue;
        const char *argv[] = {groff, "-man", "-Tutf8", "-ww", "-z", path, NULL};
        int rc = h_run(argv, out, sizeof out);
        if (rc != 0 || out[0] != '\0')
            fail_msg("groff -man -ww %s: exit %d: %s", pages[i], rc, out);
    }
    if (!have_groff)
        print_message("groff is not installed (Debian package groff-base): pages not rendered\n");

    /* Accurate to the code: every configuration key, every option. */
    char path[512];
    snprintf(path, sizeof path, "%s/daemon/config.c", OKR_SOURCE_DIR);
    char *src = slurp(path);
    snprintf(path, sizeof path, "%s/doc/okrd.conf.5", OKR_SOURCE_DIR);
    char *text = slurp(path);
    int n = check_table("okrd.conf.5", text, src, "\n    [S_", 1, "");
    free(text);
    free(src);
    assert_true(n >= 20); /* the settings table was found */

    snprintf(path, sizeof path, "%s/client/okrctl.c", OKR_SOURCE_DIR);
    src = slurp(path);
    snprintf(path, sizeof path, "%s/doc/okrctl.1", OKR_SOURCE_DIR);
    text = slurp(path);
    /* options[]: {'e', "endpoint", true, G_ENDPOINT}, {0, "json", ...} */
    n = check_table("okrctl.1", text, src, "\n    {0, ", 0, "--") +
        check_table("okrctl.1", text, src, "\n    {'", 0, "--");
    static const char *const commands[] = {"ping",    "stats",          "kpi list",
                                           "kpi get", "kpi series",     "source list",
                                           "emit",    "OKRCTL_ENDPOINT"};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        page_mentions("okrctl.1", text, "", commands[i]);
    /* commands[]: {"kpi", "get", cmd_kpi_get, ...}: every command word */
    assert_true(check_table("okrctl.1", text, src, "\n    {", 0, "") >= 6);
    free(text);
    free(src);
    assert_true(n >= 15); /* the options table was found */

    snprintf(path, sizeof path, "%s/doc/okrd.8", OKR_SOURCE_DIR);
    text = slurp(path);
    static const char *const okrd_words[] = {
        "--config", "--foreground", "--check-config", "--help",        "--version",
        "SIGHUP",   "SIGTERM",      "NOTIFY_SOCKET",  "WATCHDOG_USEC", "JOURNAL_STREAM"};
    for (size_t i = 0; i < sizeof okrd_words / sizeof *okrd_words; i++)
        page_mentions("okrd.8", text, "", okrd_words[i]);
    free(text);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_notify_path_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_abstract_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watchdog_with_slow_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watchdog_of_another_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_prefixes, setup, teardown),
        cmocka_unit_test(test_journal_config_errors),
        cmocka_unit_test_setup_teardown(test_sighup_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_verify, setup, teardown),
        cmocka_unit_test(test_man_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
