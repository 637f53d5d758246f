/*
 * main.c - okrd: start-up, the writer loop, signals, shut-down.
 *
 * The main thread is the writer: it owns the SUB socket, the dirty buckets
 * and every LMDB write transaction, and commits at each
 * daemon.commit_interval_ms.  The query thread (query.c) answers requests
 * from read transactions on its own.  Signal handlers only set flags; the
 * loop acts on them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "../common/log.h"
#include "aggregate.h"
#include "config.h"
#include "ingest.h"
#include "notify.h"
#include "okr_writer.h"
#include "query.h"
#include "sources.h"
#include "stats.h"
#include "store.h"

enum exit_code { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

#define DRAIN_BATCH    4096        /* messages between two looks at the clock */
#define PRUNE_EVERY_MS (60 * 1000) /* retention pruning period */

static volatile sig_atomic_t g_stop, g_reload;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        g_reload = 1;
    else
        g_stop = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: okrd [-c FILE] [--foreground]\n"
               "       okrd --check-config FILE\n"
               "\n"
               "  -c, --config FILE      configuration (default " CONFIG_DEFAULT_PATH ")\n"
               "  -f, --foreground       run in the foreground (okrd never forks; accepted\n"
               "                         for service managers and scripts)\n"
               "  -n, --check-config FILE  validate FILE, print 'configuration OK' or every\n"
               "                         error as FILE:LINE: message, and exit\n"
               "  -h, --help             this text\n"
               "  -V, --version          print the version\n"
               "\n"
               "exit codes: 0 clean exit, 1 configuration error, 2 usage error,\n"
               "            3 runtime failure (state directory, sockets, storage)\n");
}

/* The writer's state. */
typedef struct writer {
    config_t *cfg;
    store_t *store;
    aggr_t *aggr;
    sources_t *src;
    ingest_t *in;
    stats_counts_t counts;
    stats_t stats;
    query_shared_t shared;
    int64_t last_prune;
    void *checkins;        /* PAIR: check-ins handed over by the query thread */
    store_reader_t *rd;    /* the writer's own reader, for the snapshots */
    int64_t snapshot_day;  /* the local midnight of the latest snapshot */
    msgpack_sbuffer reply; /* reused for replies to the query thread */
} writer_t;

/* Commit the dirty state (and prune once a minute).  Returns 0, or -errno
 * when the commit failed: the dirty state is kept and the next one retries. */
static int commit(writer_t *w, int64_t now)
{
    const int64_t *prune = NULL;
    int64_t cutoff[RES_COUNT];
    if (now - w->last_prune >= PRUNE_EVERY_MS) {
        /* Keep one coarser bucket of slack past the retention, so a query
         * whose clock is a little behind this one still finds its data. */
        for (int r = 0; r < RES_COUNT; r++)
            cutoff[r] = now - w->cfg->retention[r] - res_ms(r < RES_DAY ? (res_t)(r + 1) : RES_DAY);
        prune = cutoff;
        w->last_prune = now;
    }
    int rc = 0;
    if (aggr_size(w->aggr) > 0 || prune != NULL) {
        rc = store_commit(w->store, w->aggr, w->src, prune);
        if (rc == 0)
            w->counts.commits++;
    }
    if (rc == 0 && prune != NULL) {
        long gone = sources_expire(w->src, prune[RES_DAY]);
        if (gone > 0)
            log_info("event=publishers_expired count=%ld", gone);
    }
    /* stats reflect committed work: not published while a commit fails. */
    if (rc == 0)
        stats_publish(&w->stats, &w->counts, sources_count(w->src));
    return rc;
}

/* Store a check-in from the query thread and answer it. */
static void take_checkin(writer_t *w)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, w->checkins, ZMQ_DONTWAIT) >= 0) {
        okr_writer_checkin(w->store, zmq_msg_data(&msg), zmq_msg_size(&msg), &w->reply);
        zmq_send(w->checkins, w->reply.data, w->reply.size, 0);
    }
    zmq_msg_close(&msg);
}

/* Once a day, after local midnight, snapshot the progress of every key
 * result and objective as it stood at that midnight. */
static void snapshot(writer_t *w, int64_t now)
{
    int64_t day = cal_floor(&w->cfg->cal, RES_DAY, now);
    if (day <= w->snapshot_day)
        return;
    commit(w, now); /* the last events of the day count */
    int rc = okr_writer_snapshot(w->store, w->rd, w->cfg, now, day);
    if (rc != 0)
        log_error("event=snapshot_failed error=\"%s\"", strerror(-rc));
    else
        log_debug("event=snapshot day=%lld", (long long)(day - MS_DAY));
    w->snapshot_day = day;
}

static void reload(writer_t *w)
{
    config_t *nc = NULL;
    char *errors = NULL;
    if (config_load(w->cfg->path, &nc, &errors) != 0) {
        log_error("event=reload_failed path=%s (the running configuration is kept)", w->cfg->path);
        char *save = NULL;
        for (char *line = errors ? strtok_r(errors, "\n", &save) : NULL; line != NULL;
             line = strtok_r(NULL, "\n", &save))
            log_error("%s", line);
        free(errors);
        return;
    }
    char err[256];
    if (store_check_offset(w->store, nc->cal.utc_offset_s, err, sizeof err) != 0) {
        log_error("event=reload_failed (the running configuration is kept): %s", err);
        config_unref(&nc);
        return;
    }
    if (store_assign_ids(w->store, nc->kpis, nc->nkpis) != 0 || ingest_set_config(w->in, nc) != 0) {
        log_error("event=reload_failed reason=store (the running configuration is kept)");
        ingest_set_config(w->in, w->cfg);
        config_unref(&nc);
        return;
    }
    if (strcmp(nc->daemon.state_dir, w->cfg->daemon.state_dir) != 0)
        log_warn("event=reload note=\"daemon.state_dir changes only at restart\"");
    log_set_level(nc->daemon.log_level);
    query_set_config(&w->shared, nc);
    config_unref(&w->cfg);
    w->cfg = nc;
    log_info("event=reloaded kpis=%d", nc->nkpis);
}

static int run(writer_t *w, void *zctx)
{
    char err[512];
    query_t *q = NULL;
    int rc = ingest_open_socket(w->in, zctx, err, sizeof err);
    if (rc == 0) {
        w->checkins = zmq_socket(zctx, ZMQ_PAIR);
        int linger = 0;
        zmq_setsockopt(w->checkins, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_bind(w->checkins, QUERY_WRITER_ENDPOINT) != 0) {
            snprintf(err, sizeof err, "cannot bind %s: %s", QUERY_WRITER_ENDPOINT,
                     zmq_strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0) {
        /* The query thread must not take the signals: the loop here acts on them. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        rc = query_start(&q, zctx, &w->shared, err, sizeof err);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (rc != 0) {
        log_error("%s", err);
        if (w->checkins != NULL)
            zmq_close(w->checkins); /* or zmq_ctx_term would wait for it forever */
        w->checkins = NULL;
        return EXIT_RUNTIME;
    }
    notify_send("READY=1");
    log_info("event=ready version=%s kpis=%d state_dir=%s", OKR_VERSION, w->cfg->nkpis,
             w->cfg->daemon.state_dir);

    int64_t wd_every = notify_watchdog_ms(), wd_next = 0;
    int64_t next_commit = now_ms() + w->cfg->daemon.commit_interval_ms;
    w->last_prune = 0;
    w->snapshot_day = INT64_MIN;
    while (!g_stop) {
        int64_t now = now_ms();
        long timeout = next_commit > now ? (long)(next_commit - now) : 0;
        if (wd_every > 0 && wd_next - now < timeout) /* wake up for the watchdog too */
            timeout = wd_next > now ? (long)(wd_next - now) : 0;
        zmq_pollitem_t items[2] = {{ingest_socket(w->in), 0, ZMQ_POLLIN, 0},
                                   {w->checkins, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, timeout) > 0) {
            if (items[0].revents & ZMQ_POLLIN)
                ingest_drain(w->in, DRAIN_BATCH, next_commit);
            if (items[1].revents & ZMQ_POLLIN)
                take_checkin(w);
        }
        now = now_ms();
        snapshot(w, now);
        if (now >= next_commit) {
            commit(w, now);
            next_commit = now + w->cfg->daemon.commit_interval_ms;
        }
        if (g_reload) {
            g_reload = 0;
            reload(w);
        }
        /* The watchdog is fed from the loop that does the work, so a
         * stuck loop gets the service restarted. */
        if (wd_every > 0 && now >= wd_next) {
            notify_send("WATCHDOG=1");
            wd_next = now + wd_every;
        }
    }
    notify_send("STOPPING=1");
    log_info("event=stopping");
    query_stop(&q);
    zmq_close(w->checkins);
    /* Stop reading, then commit what was applied. */
    if (commit(w, now_ms()) != 0) {
        log_error("event=final_commit_failed (events of the last %d ms are lost)",
                  w->cfg->daemon.commit_interval_ms);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *path = CONFIG_DEFAULT_PATH;
    const char *check = NULL;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"check-config", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "c:fn:hV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 'f':
            break;
        case 'n':
            check = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("okrd %s\n", OKR_VERSION);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "okrd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    log_init("okrd", LOG_INFO);

    writer_t w = {0};
    char *errors = NULL;
    if (config_load(check ? check : path, &w.cfg, &errors) != 0) {
        /* Under systemd each line gets the error priority, like every log line. */
        if (check == NULL && getenv("JOURNAL_STREAM") != NULL) {
            char *save = NULL;
            for (char *l = strtok_r(errors, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                fprintf(stderr, "<3>%s\n", l);
        } else {
            fputs(errors, stderr);
        }
        free(errors);
        return EXIT_CONFIG;
    }
    if (check) {
        printf("configuration OK\n");
        config_unref(&w.cfg);
        return EXIT_OK;
    }
    log_set_level(w.cfg->daemon.log_level);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int code = EXIT_RUNTIME;
    char err[512];
    void *zctx = NULL;
    int rc = store_open(&w.store, w.cfg->daemon.state_dir, w.cfg->daemon.map_size_mb,
                        w.cfg->daemon.sync, err, sizeof err);
    if (rc != 0) {
        log_error("%s", err);
        goto out;
    }
    w.aggr = aggr_new();
    w.src = sources_new();
    if (w.aggr == NULL || w.src == NULL) {
        log_error("out of memory");
        goto out;
    }
    if (store_check_offset(w.store, w.cfg->cal.utc_offset_s, err, sizeof err) != 0) {
        log_error("%s: %s", w.cfg->path, err);
        code = EXIT_CONFIG;
        goto out;
    }
    if ((rc = store_assign_ids(w.store, w.cfg->kpis, w.cfg->nkpis)) != 0 ||
        (rc = store_load_sources(w.store, w.src)) != 0) {
        log_error("cannot read the state in '%s': %s", w.cfg->daemon.state_dir, strerror(-rc));
        goto out;
    }
    w.in = ingest_new(w.cfg, w.aggr, w.src, &w.counts);
    msgpack_sbuffer_init(&w.reply);
    if (w.in == NULL || store_reader_open(w.store, &w.rd) != 0) {
        log_error("out of memory");
        goto out;
    }
    w.shared = (query_shared_t){.store = w.store, .stats = &w.stats, .started_ms = now_ms()};
    pthread_mutex_init(&w.shared.lock, NULL);
    query_set_config(&w.shared, w.cfg);
    stats_publish(&w.stats, &w.counts, sources_count(w.src));

    zctx = zmq_ctx_new();
    if (zctx == NULL) {
        log_error("cannot create the ZeroMQ context: %s", zmq_strerror(errno));
        goto out;
    }
    code = run(&w, zctx);

out:
    ingest_destroy(&w.in);
    store_reader_close(&w.rd);
    msgpack_sbuffer_destroy(&w.reply);
    if (zctx != NULL)
        zmq_ctx_term(zctx);
    if (w.shared.cfg != NULL) {
        config_unref(&w.shared.cfg);
        pthread_mutex_destroy(&w.shared.lock);
    }
    aggr_destroy(&w.aggr);
    sources_destroy(&w.src);
    store_close(&w.store);
    config_unref(&w.cfg);
    if (code == EXIT_OK)
        log_info("event=stopped");
    return code;
}
