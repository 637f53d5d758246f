/*
 * log.h - logging to stderr, shared by okrd and okrctl.
 *
 * Lines are "okrd: LEVEL: message".  When JOURNAL_STREAM is set (the process
 * runs under systemd with stderr going to the journal) each line starts with
 * the sd-daemon "<N>" priority prefix instead, so journald keeps levels.
 * Hot-path messages use key=value pairs: "event=reject reason=bad_value".
 */
#ifndef OKR_LOG_H
#define OKR_LOG_H

#include <stdint.h>

typedef enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level_t;

/* Set the program name and the threshold; reads JOURNAL_STREAM. */
void log_init(const char *prog, log_level_t level);
void log_set_level(log_level_t level);
log_level_t log_get_level(void);

/* Parse "error" | "warn" | "info" | "debug". Returns 0 or -1. */
int log_level_parse(const char *s, log_level_t *out);

void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Rate limiting: at most one line per second per limiter.  Returns how many
 * calls were suppressed since the last line that was let through (>= 0) when
 * a line may be logged now, or -1 when it must be suppressed.
 */
typedef struct log_limit {
    int64_t last_ms;
    uint64_t suppressed;
} log_limit_t;

int64_t log_limit_pass(log_limit_t *l, int64_t now_ms);

#endif
