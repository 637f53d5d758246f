#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_prog = "okrd";
/* Set by the writer thread on reload, read by every thread. */
static _Atomic int g_level = LOG_INFO;
static int g_journal;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* sd-daemon priorities: err, warning, info, debug */
static const int level_prio[] = {3, 4, 6, 7};

void log_init(const char *prog, log_level_t level)
{
    g_prog = prog;
    g_level = (int)level;
    const char *js = getenv("JOURNAL_STREAM");
    g_journal = js != NULL && *js != '\0';
}

void log_set_level(log_level_t level)
{
    g_level = (int)level;
}

log_level_t log_get_level(void)
{
    return (log_level_t)g_level;
}

int log_level_parse(const char *s, log_level_t *out)
{
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    if ((int)level > g_level)
        return;
    /* One fprintf per line: stdio locks the stream, so threads never interleave. */
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (g_journal)
        fprintf(stderr, "<%d>%s\n", level_prio[level], line);
    else
        fprintf(stderr, "%s: %s: %s\n", g_prog, level_names[level], line);
}

int64_t log_limit_pass(log_limit_t *l, int64_t now_ms)
{
    if (l->last_ms != 0 && now_ms - l->last_ms < 1000) {
        l->suppressed++;
        return -1;
    }
    int64_t n = (int64_t)l->suppressed;
    l->last_ms = now_ms;
    l->suppressed = 0;
    return n;
}
