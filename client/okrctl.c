/*
 * okrctl.c - okrctl's main: the command line, help, and dispatch.
 *
 * okrctl [GLOBAL OPTIONS] COMMAND [ARGS]: options may come before or after
 * the command words; an operand that looks like a number ("-5") is an
 * operand, and "--" ends the options.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "okrctl.h"

#ifndef OKR_VERSION
#define OKR_VERSION "unknown"
#endif

#define DEFAULT_ENDPOINT   "tcp://127.0.0.1:7402"
#define DEFAULT_INGEST     "tcp://127.0.0.1:7401"
#define DEFAULT_TIMEOUT_MS 2000
#define MAX_TIMEOUT_MS     3600000

static const char usage_text[] =
    "usage: okrctl [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Ask okrd, the OKR/KPI daemon, about its objectives and KPIs, check in on key\n"
    "results, or send it events.\n"
    "\n"
    "Commands:\n"
    "  ping                       check that okrd answers: version, uptime\n"
    "  stats                      event counters, rejections by reason, storage\n"
    "  kpi list                   the configured KPIs: source (or formula, filter),\n"
    "                             status against thresholds over the last 24h\n"
    "  kpi get NAME               one KPI's aggregates over a window\n"
    "      --window W             24h (default), 5m, 7d, today, wtd, mtd, qtd, ytd,\n"
    "                             2026-Q4, 2026-11, 2026-W47, 2026-11-22, 2026,\n"
    "                             or FROM..TO (two times, half-open)\n"
    "      --at T                 evaluate at T instead of now\n"
    "      --aggregate A          count, sum, avg, min, max, last, stddev, rate,\n"
    "                             distinct or pNN, instead of the KPI's primary one\n"
    "  kpi series NAME --from T --to T --step S [--aggregate A]\n"
    "                             one value per step (1m, 1h, 1d...) in [from, to);\n"
    "                             on a terminal also a sparkline with min and max\n"
    "  source list                publishers: source_id, last seq and ts, gaps\n"
    "  status                     the objectives and key results as a tree: progress\n"
    "                             bar (| marks the expected pace), status, values\n"
    "      --period P             only objectives whose period overlaps P (2026-Q4,\n"
    "                             2026-11, 2026-W47, 2026)\n"
    "      --owner O              only the objectives O owns\n"
    "      --at T                 evaluate at T instead of now (also for objective, kr)\n"
    "  objective ID               one objective: period, kind, and its subtree\n"
    "  kr ID                      one key result in detail, its check-ins and history\n"
    "  checkin KR [VALUE]         record a check-in on a key result (VALUE: manual KRs)\n"
    "      --done, --not-done     a milestone's state\n"
    "      --confidence N         how confident the owner is, 1 to 10\n"
    "      --note TEXT            a comment (at most 1000 bytes)\n"
    "      --author NAME          who checks in (default $USER)\n"
    "      --ts T                 when (default now)\n"
    "  emit SOURCE [VALUE]        publish one event (VALUE defaults to 1 in okrd)\n"
    "      --tag K=V              a dimension; repeatable (at most 16)\n"
    "      --ts T                 event time (default: when okrd receives it)\n"
    "      --key K                entity key for distinct counts\n"
    "      --source-id ID --seq N publisher id and sequence number (de-duplication)\n"
    "  demo                       publish plausible events for the demo KPIs of\n"
    "                             conf/okrd.conf: a backfill, then live until Ctrl-C\n"
    "      --days N               days to backfill (default 30; 0: none)\n"
    "      --rate R               live events per second (default 20)\n"
    "      --once                 stop after the backfill\n"
    "      --seed S               seed of the generator (same seed, same values)\n"
    "  help                       this text\n"
    "\n"
    "Options (before or after the command):\n"
    "  -e, --endpoint ENDPOINT    okrd's query socket (default " DEFAULT_ENDPOINT ");\n"
    "                             repeat to fail over to the next one that answers;\n"
    "                             default from $OKRCTL_ENDPOINT (comma-separated)\n"
    "  -i, --ingest ENDPOINT      okrd's ingest socket, for emit and demo\n"
    "                             (default " DEFAULT_INGEST ")\n"
    "  -t, --timeout MS           per endpoint: 2000, 500ms, 2s (default 2000 ms)\n"
    "      --json                 the reply as one line of JSON (stable, for scripts)\n"
    "      --utc-offset +HH:MM    show and read times at this offset (default UTC)\n"
    "  -h, --help                 print this help and exit\n"
    "      --version              print okrctl's version and exit\n"
    "\n"
    "Times (T): ms since the epoch, now, 2026-11-22, 2026-11-22T10:00[:SS], with a\n"
    "trailing Z for UTC regardless of --utc-offset.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  okrd answered with an error (its message is printed)\n"
    "  2  usage error\n"
    "  3  okrd unreachable: no endpoint answered in time, or events not delivered\n"
    "  4  internal error: undecodable reply, out of memory, output failed\n"
    "\n"
    "Examples:\n"
    "  okrctl status --period 2026-Q4\n"
    "  okrctl checkin loyalty --confidence 7 --note 'email push next week'\n"
    "  okrctl kpi get sales.order --window mtd\n"
    "  okrctl -e tcp://a:7402 -e tcp://b:7402 --json stats\n"
    "  okrctl emit sales.order 129.90 --tag channel=web --key cust-42\n";

/* ---- errors ----------------------------------------------------------- */

static void verror(const char *fmt, va_list ap)
{
    fflush(stdout);
    fputs("okrctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void ctl_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(fmt, ap);
    va_end(ap);
}

int ctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(fmt, ap);
    va_end(ap);
    fputs("try 'okrctl --help'\n", stderr);
    return CTL_EXIT_USAGE;
}

int ctl_time_arg(const ctl_t *c, const char *s, int64_t *t)
{
    if (cal_parse_instant(&c->cal, s, c->now_ms, t) != 0)
        return ctl_usage_error("invalid time '%s'", s);
    return CTL_EXIT_OK;
}

const char *ctl_zone(const ctl_t *c, char *buf, unsigned len)
{
    int32_t off = c->cal.utc_offset_s;
    int32_t a = off < 0 ? -off : off;

    if (off == 0)
        snprintf(buf, len, "UTC");
    else
        snprintf(buf, len, "UTC%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
                 (int)(a % 3600 / 60));
    return buf;
}

/* ---- options ---------------------------------------------------------- */

enum {
    G_ENDPOINT = CTL_OPT_COUNT,
    G_INGEST,
    G_TIMEOUT,
    G_JSON,
    G_UTC_OFFSET,
    G_HELP,
    G_VERSION,
};

static const struct option_def {
    char short_name; /* 0: long only */
    const char *long_name;
    bool has_arg;
    int id; /* a ctl_opt_t, or G_* for a global option */
} options[] = {
    {'e', "endpoint", true, G_ENDPOINT},
    {'i', "ingest", true, G_INGEST},
    {'t', "timeout", true, G_TIMEOUT},
    {0, "json", false, G_JSON},
    {0, "utc-offset", true, G_UTC_OFFSET},
    {'h', "help", false, G_HELP},
    {0, "version", false, G_VERSION},
    {0, "window", true, CTL_OPT_WINDOW},
    {0, "at", true, CTL_OPT_AT},
    {0, "aggregate", true, CTL_OPT_AGGREGATE},
    {0, "from", true, CTL_OPT_FROM},
    {0, "to", true, CTL_OPT_TO},
    {0, "step", true, CTL_OPT_STEP},
    {0, "tag", true, CTL_OPT_TAG},
    {0, "ts", true, CTL_OPT_TS},
    {0, "key", true, CTL_OPT_KEY},
    {0, "source-id", true, CTL_OPT_SOURCE_ID},
    {0, "seq", true, CTL_OPT_SEQ},
    {0, "period", true, CTL_OPT_PERIOD},
    {0, "owner", true, CTL_OPT_OWNER},
    {0, "done", false, CTL_OPT_DONE},
    {0, "not-done", false, CTL_OPT_NOT_DONE},
    {0, "confidence", true, CTL_OPT_CONFIDENCE},
    {0, "note", true, CTL_OPT_NOTE},
    {0, "author", true, CTL_OPT_AUTHOR},
    {0, "days", true, CTL_OPT_DAYS},
    {0, "rate", true, CTL_OPT_RATE},
    {0, "once", false, CTL_OPT_ONCE},
    {0, "seed", true, CTL_OPT_SEED},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char *option_name(int id)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (options[i].id == id)
            return options[i].long_name;
    return "?";
}

/* What the command line says, before the command runs. */
typedef struct cmdline {
    const char **words; /* operands: command words and their arguments */
    int nwords;
    unsigned seen; /* CTL_OPT_BIT of each command option given */
    bool help, version;
    const char *timeout, *utc_offset;
} cmdline_t;

/* "-5", "-1.5e3", "-inf": an operand (emit's VALUE), not an option. */
static bool looks_numeric(const char *s)
{
    char *end;
    strtod(s, &end);
    return end != s && *end == '\0';
}

static int add_endpoints(ctl_t *c, const char *list, bool split)
{
    if (!split) {
        c->endpoints[c->nendpoints++] = list;
        return 0;
    }
    /* $OKRCTL_ENDPOINT: "A,B" or "A B". */
    char *copy = strdup(list), *save = NULL;
    if (copy == NULL)
        return -1;
    free(c->env_endpoints);
    c->env_endpoints = copy;
    for (char *tok = strtok_r(copy, ", \t", &save); tok != NULL && c->nendpoints < 64;
         tok = strtok_r(NULL, ", \t", &save))
        c->endpoints[c->nendpoints++] = tok;
    return 0;
}

static void set_option(ctl_t *c, cmdline_t *cl, const struct option_def *o, const char *val)
{
    switch (o->id) {
    case G_ENDPOINT:
        add_endpoints(c, val, false);
        break;
    case G_INGEST:
        c->ingest = val;
        break;
    case G_TIMEOUT:
        cl->timeout = val;
        break;
    case G_JSON:
        c->json = true;
        break;
    case G_UTC_OFFSET:
        cl->utc_offset = val;
        break;
    case G_HELP:
        cl->help = true;
        break;
    case G_VERSION:
        cl->version = true;
        break;
    case CTL_OPT_TAG:
        c->tags[c->ntags++] = val;
        cl->seen |= CTL_OPT_BIT(CTL_OPT_TAG);
        break;
    default:
        c->opt[o->id] = val != NULL ? val : ""; /* "" for a flag */
        cl->seen |= CTL_OPT_BIT(o->id);
        break;
    }
}

/* One pass over argv: options wherever they are, operands in order. */
static int parse_args(int argc, char **argv, ctl_t *c, cmdline_t *cl)
{
    bool only_operands = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        const struct option_def *o = NULL;

        if (only_operands || a[0] != '-' || a[1] == '\0' || looks_numeric(a)) {
            cl->words[cl->nwords++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_operands = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t k = 0; k < NOPTIONS && o == NULL; k++)
                if (strlen(options[k].long_name) == n &&
                    strncmp(options[k].long_name, name, n) == 0)
                    o = &options[k];
            if (o == NULL)
                return ctl_usage_error("unknown option '%.*s'", (int)(n + 2), a);
            if (eq != NULL && !o->has_arg)
                return ctl_usage_error("option '--%s' takes no value", o->long_name);
            val = eq ? eq + 1 : NULL;
        } else {
            for (size_t k = 0; k < NOPTIONS && o == NULL; k++)
                if (options[k].short_name == a[1])
                    o = &options[k];
            if (o == NULL || (!o->has_arg && a[2] != '\0'))
                return ctl_usage_error("unknown option '%s'", a);
            val = a[2] ? a + 2 : NULL;
        }
        if (o->has_arg && val == NULL) {
            if (i + 1 >= argc)
                return ctl_usage_error("option '--%s' needs a value", o->long_name);
            val = argv[++i];
        }
        set_option(c, cl, o, val);
    }
    return CTL_EXIT_OK;
}

/* "2000", "500ms", "2s" */
static int parse_timeout(const char *s, int *ms)
{
    char *end;
    long long v, mult = 1;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0)
        return -1;
    if (strcmp(end, "s") == 0)
        mult = 1000;
    else if (*end != '\0' && strcmp(end, "ms") != 0)
        return -1;
    if (v <= 0 || v > MAX_TIMEOUT_MS / mult)
        return -1;
    *ms = (int)(v * mult);
    return 0;
}

/* ---- commands --------------------------------------------------------- */

static const struct command {
    const char *word, *sub; /* "kpi", "get"; sub NULL for one-word commands */
    int (*run)(ctl_t *c);
    unsigned opts; /* CTL_OPT_BITs the command accepts */
    int min_args, max_args;
    const char *arg_name; /* what a missing first argument is */
} commands[] = {
    {"ping", NULL, cmd_ping, 0, 0, 0, NULL},
    {"stats", NULL, cmd_stats, 0, 0, 0, NULL},
    {"kpi", "list", cmd_kpi_list, 0, 0, 0, NULL},
    {"kpi", "get", cmd_kpi_get,
     CTL_OPT_BIT(CTL_OPT_WINDOW) | CTL_OPT_BIT(CTL_OPT_AT) | CTL_OPT_BIT(CTL_OPT_AGGREGATE), 1, 1,
     "a kpi name"},
    {"kpi", "series", cmd_kpi_series,
     CTL_OPT_BIT(CTL_OPT_FROM) | CTL_OPT_BIT(CTL_OPT_TO) | CTL_OPT_BIT(CTL_OPT_STEP) |
         CTL_OPT_BIT(CTL_OPT_AGGREGATE),
     1, 1, "a kpi name"},
    {"source", "list", cmd_source_list, 0, 0, 0, NULL},
    {"emit", NULL, cmd_emit,
     CTL_OPT_BIT(CTL_OPT_TAG) | CTL_OPT_BIT(CTL_OPT_TS) | CTL_OPT_BIT(CTL_OPT_KEY) |
         CTL_OPT_BIT(CTL_OPT_SOURCE_ID) | CTL_OPT_BIT(CTL_OPT_SEQ),
     1, 2, "a source name"},
    {"status", NULL, cmd_okr_status,
     CTL_OPT_BIT(CTL_OPT_PERIOD) | CTL_OPT_BIT(CTL_OPT_OWNER) | CTL_OPT_BIT(CTL_OPT_AT), 0, 0,
     NULL},
    {"objective", NULL, cmd_objective, CTL_OPT_BIT(CTL_OPT_AT), 1, 1, "an objective id"},
    {"kr", NULL, cmd_kr, CTL_OPT_BIT(CTL_OPT_AT), 1, 1, "a key result id"},
    {"checkin", NULL, cmd_checkin,
     CTL_OPT_BIT(CTL_OPT_DONE) | CTL_OPT_BIT(CTL_OPT_NOT_DONE) | CTL_OPT_BIT(CTL_OPT_CONFIDENCE) |
         CTL_OPT_BIT(CTL_OPT_NOTE) | CTL_OPT_BIT(CTL_OPT_AUTHOR) | CTL_OPT_BIT(CTL_OPT_TS),
     1, 2, "a key result id"},
    {"demo", NULL, cmd_demo,
     CTL_OPT_BIT(CTL_OPT_DAYS) | CTL_OPT_BIT(CTL_OPT_RATE) | CTL_OPT_BIT(CTL_OPT_ONCE) |
         CTL_OPT_BIT(CTL_OPT_SEED),
     0, 0, NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Find the command the operands name and check its operands and options. */
static int resolve(ctl_t *c, const cmdline_t *cl, const struct command **out)
{
    const char *w = cl->words[0];
    bool word_known = false;
    char full[64];

    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *cmd = &commands[i];
        if (strcmp(cmd->word, w) != 0)
            continue;
        word_known = true;
        if (cmd->sub != NULL && (cl->nwords < 2 || strcmp(cmd->sub, cl->words[1]) != 0))
            continue;
        int skip = cmd->sub ? 2 : 1;
        snprintf(full, sizeof(full), "%s%s%s", cmd->word, cmd->sub ? " " : "",
                 cmd->sub ? cmd->sub : "");
        c->args = cl->words + skip;
        c->nargs = cl->nwords - skip;
        if (c->nargs < cmd->min_args)
            return ctl_usage_error("'%s' needs %s", full, cmd->arg_name);
        if (c->nargs > cmd->max_args)
            return ctl_usage_error("unexpected argument '%s'", c->args[cmd->max_args]);
        for (int o = 0; o < CTL_OPT_COUNT; o++)
            if ((cl->seen & CTL_OPT_BIT(o)) && !(cmd->opts & CTL_OPT_BIT(o)))
                return ctl_usage_error("option '--%s' does not apply to '%s'", option_name(o),
                                       full);
        *out = cmd;
        return CTL_EXIT_OK;
    }
    if (!word_known)
        return ctl_usage_error("unknown command '%s'", w);
    if (cl->nwords < 2)
        return ctl_usage_error("'%s' needs a subcommand: %s", w,
                               strcmp(w, "kpi") == 0 ? "list, get, series" : "list");
    return ctl_usage_error("unknown command '%s %s'", w, cl->words[1]);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Apply the defaults and check the global options. */
static int finish_globals(ctl_t *c, const cmdline_t *cl)
{
    if (cl->timeout != NULL && parse_timeout(cl->timeout, &c->timeout_ms) != 0)
        return ctl_usage_error("invalid timeout '%s' (e.g. 2000, 500ms, 2s)", cl->timeout);
    if (cl->utc_offset != NULL && cal_parse_offset(cl->utc_offset, &c->cal.utc_offset_s) != 0)
        return ctl_usage_error("invalid utc offset '%s' (e.g. +02:00)", cl->utc_offset);
    if (c->nendpoints == 0) {
        const char *env = getenv("OKRCTL_ENDPOINT");
        if (env != NULL && env[0] != '\0' && add_endpoints(c, env, true) != 0) {
            ctl_error("out of memory");
            return CTL_EXIT_INTERNAL;
        }
    }
    if (c->nendpoints == 0)
        add_endpoints(c, DEFAULT_ENDPOINT, false);
    return CTL_EXIT_OK;
}

int main(int argc, char **argv)
{
    ctl_t c = {.ingest = DEFAULT_INGEST, .timeout_ms = DEFAULT_TIMEOUT_MS, .cal = CAL_DEFAULT};
    cmdline_t cl = {0};
    const struct command *cmd = NULL;
    int rc;

    /* Every argument is at most one endpoint, tag or word; +64 for the env. */
    c.endpoints = calloc((size_t)argc + 64, sizeof(*c.endpoints));
    c.tags = calloc((size_t)argc, sizeof(*c.tags));
    cl.words = calloc((size_t)argc, sizeof(*cl.words));
    if (c.endpoints == NULL || c.tags == NULL || cl.words == NULL) {
        ctl_error("out of memory");
        return CTL_EXIT_INTERNAL;
    }
    c.now_ms = wall_ms();

    if ((rc = parse_args(argc, argv, &c, &cl)) != CTL_EXIT_OK)
        goto out;
    if (cl.help || (cl.nwords > 0 && strcmp(cl.words[0], "help") == 0)) {
        fputs(usage_text, stdout);
        goto out;
    }
    if (cl.version) {
        printf("okrctl %s\n", OKR_VERSION);
        goto out;
    }
    if ((rc = finish_globals(&c, &cl)) != CTL_EXIT_OK)
        goto out;
    if (cl.nwords == 0) {
        rc = ctl_usage_error("missing command");
        goto out;
    }
    if ((rc = resolve(&c, &cl, &cmd)) != CTL_EXIT_OK)
        goto out;

    c.zctx = zmq_ctx_new();
    if (c.zctx == NULL) {
        ctl_error("cannot create a zeromq context: %s", zmq_strerror(errno));
        rc = CTL_EXIT_INTERNAL;
        goto out;
    }
    rc = cmd->run(&c);
    /* Waits for emit's and demo's messages to be flushed (linger: the timeout). */
    zmq_ctx_term(c.zctx);

out:
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ctl_error("cannot write output: %s", strerror(errno));
        if (rc == CTL_EXIT_OK)
            rc = CTL_EXIT_INTERNAL;
    }
    free(c.endpoints);
    free(c.env_endpoints);
    free(c.tags);
    free(cl.words);
    return rc;
}
