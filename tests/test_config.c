/*
 * test_config.c - config_load(): defaults, parsing, validation, errors.
 *
 * Table-driven: must_not_load rows give a configuration text and every
 * error it must produce, "t.conf:LINE: message" (the file is written as
 * t.conf in a temporary directory); a row fails if any expected line is
 * missing or if any other error is reported.  must_load rows must load
 * cleanly and check the values they parsed.
 */
#define CONFIG_ROWS_TMPNAME "okr_test_config"
#include "config_rows.h"

#include "expr.h"

#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>

/* ---- must_not_load ---------------------------------------------------- */

static const bad_row_t bad_rows[] = {
    {"unknown key in ingest",
     "ingest = {\n"
     "  bind = [ \"tcp://127.0.0.1:7401\" ];\n"
     "  bindd = [ \"tcp://127.0.0.1:7403\" ];\n"
     "};\n",
     {"t.conf:3: unknown key 'bindd' in ingest"}},
    {"unknown keys in every section",
     "daemon = { statedir = \"/x\"; };\n"
     "ingest = { fooo = 1; };\n"
     "query = { connect = [ ]; };\n"
     "security = { key = \"k\"; };\n"
     "retention = { week = \"1y\"; };\n"
     "time = { zone = \"Europe/Paris\"; };\n"
     "deamon = { };\n",
     {"t.conf:1: unknown key 'statedir' in daemon", "t.conf:2: unknown key 'fooo' in ingest",
      "t.conf:3: unknown key 'connect' in query", "t.conf:4: unknown key 'key' in security",
      "t.conf:5: unknown key 'week' in retention", "t.conf:6: unknown key 'zone' in time",
      "t.conf:7: unknown key 'deamon' at top level"}},
    {"objectives (the rest is in test_config_okr.c)",
     "kpis = ( );\n"
     "objectives = (\n"
     "  { id = \"o\"; title = \"t\"; period = \"2026-Q4\";\n"
     "    key_results = ( { id = \"k\"; type = \"increase\"; kpi = \"sales.order\";\n"
     "                      start = 0; target = 10; } ); }\n"
     ");\n",
     {"t.conf:4: kr 'k': unknown kpi 'sales.order'"}},
    {"sections must be groups",
     "daemon = 5;\n"
     "ingest = [ \"tcp://127.0.0.1:7401\" ];\n",
     {"t.conf:1: daemon must be a group", "t.conf:2: ingest must be a group"}},
    {"wrong types",
     "daemon = {\n"
     "  state_dir = 5;\n"
     "  map_size_mb = \"1024\";\n"
     "  commit_interval_ms = 100.0;\n"
     "  sync = 1;\n"
     "  log_level = 3;\n"
     "};\n"
     "ingest = {\n"
     "  bind = \"tcp://127.0.0.1:7401\";\n"
     "  connect = [ 1 ];\n"
     "  topics = ( \"a\",\n"
     "             2 );\n"
     "  rcvhwm = true;\n"
     "};\n"
     "security = { curve = \"no\"; secret_key_file = 1; };\n"
     "retention = { minute = 48; };\n"
     "time = { utc_offset = 0; fiscal_year_start_month = \"4\"; };\n",
     {"t.conf:2: daemon.state_dir must be a string",
      "t.conf:3: daemon.map_size_mb must be an integer",
      "t.conf:4: daemon.commit_interval_ms must be an integer",
      "t.conf:5: daemon.sync must be true or false", "t.conf:6: daemon.log_level must be a string",
      "t.conf:9: ingest.bind must be an array of strings",
      "t.conf:10: ingest.connect must be an array of strings",
      "t.conf:12: ingest.topics must be an array of strings",
      "t.conf:13: ingest.rcvhwm must be an integer",
      "t.conf:15: security.curve must be true or false",
      "t.conf:15: security.secret_key_file must be a string",
      "t.conf:16: retention.minute must be a string", "t.conf:17: time.utc_offset must be a string",
      "t.conf:17: time.fiscal_year_start_month must be an integer"}},
    {"integer ranges (low)",
     "daemon = {\n"
     "  map_size_mb = 0;\n"
     "  commit_interval_ms = 0;\n"
     "};\n"
     "ingest = {\n"
     "  max_message_bytes = 63;\n"
     "  rcvhwm = -1;\n"
     "  max_future_s = -1;\n"
     "};\n"
     "time = { fiscal_year_start_month = 0; };\n",
     {"t.conf:2: daemon.map_size_mb must be between 1 and",
      "t.conf:3: daemon.commit_interval_ms must be between 1 and 60000 (got 0)",
      "t.conf:6: ingest.max_message_bytes must be at least 64, or -1 for no limit (got 63)",
      "t.conf:7: ingest.rcvhwm must be between 0 and 2147483647 (got -1)",
      "t.conf:8: ingest.max_future_s must be between 0 and 2147483647 (got -1)",
      "t.conf:10: time.fiscal_year_start_month must be between 1 and 12 (got 0)"}},
    {"integer ranges (high)",
     "daemon = { commit_interval_ms = 60001; map_size_mb = -5; };\n"
     "ingest = {\n"
     "  max_message_bytes = -2;\n"
     "  rcvhwm = 3000000000L;\n"
     "};\n"
     "time = { fiscal_year_start_month = 13; };\n",
     {"t.conf:1: daemon.commit_interval_ms must be between 1 and 60000 (got 60001)",
      "t.conf:1: daemon.map_size_mb must be between 1 and",
      "t.conf:3: ingest.max_message_bytes must be at least 64, or -1 for no limit (got -2)",
      "t.conf:4: ingest.rcvhwm must be between 0 and 2147483647 (got 3000000000)",
      "t.conf:6: time.fiscal_year_start_month must be between 1 and 12 (got 13)"}},
    {"integers that libconfig 1.5 would wrap",
     "ingest = {\n"
     "  max_message_bytes = 5000000000;\n"
     "  rcvhwm = 0x80000000;\n"
     "};\n"
     "daemon = { map_size_mb = 99999999999999999999L; };\n",
     {"t.conf:2: integer 5000000000 is too large for 32 bits: write 5000000000L",
      "t.conf:3: integer 0x80000000 is too large for 32 bits: write 0x80000000L",
      "t.conf:5: integer 99999999999999999999 is out of range"}},
    {"no ingest endpoint",
     "ingest = {\n"
     "  bind = [ ];\n"
     "  connect = [ ];\n"
     "};\n",
     {"t.conf:3: ingest needs at least one endpoint in ingest.bind or ingest.connect"}},
    {"no query endpoint, no topics",
     "ingest = { topics = [ ]; };\n"
     "query = {\n"
     "  bind = [ ];\n"
     "};\n",
     {"t.conf:1: ingest.topics must not be empty", "t.conf:3: query.bind needs at least one"}},
    {"bad endpoints and topics",
     "ingest = {\n"
     "  bind = [ \"\" ];\n"
     "  connect = ( \"tcp://10.0.0.1:7400\",\n"
     "              \"10.0.0.2:7400\" );\n"
     "  topics = [ \"sales.\", \"bad topic\" ];\n"
     "};\n"
     "query = { bind = [ \"localhost\" ]; };\n",
     {"t.conf:2: ingest.bind: '' is not an endpoint",
      "t.conf:4: ingest.connect: '10.0.0.2:7400' is not an endpoint",
      "t.conf:5: ingest.topics: 'bad topic' is not a source name prefix",
      "t.conf:7: query.bind: 'localhost' is not an endpoint"}},
    {"state_dir and log_level",
     "daemon = {\n"
     "  state_dir = \"\";\n"
     "  log_level = \"verbose\";\n"
     "};\n",
     {"t.conf:2: daemon.state_dir must not be empty",
      "t.conf:3: daemon.log_level must be one of error, warn, info, debug (got 'verbose')"}},
    {"retention: not durations",
     "retention = {\n"
     "  minute = \"48\";\n"
     "  hour = \"0h\";\n"
     "  day = \"five years\";\n"
     "};\n",
     {"t.conf:2: retention.minute: '48' is not a duration",
      "t.conf:3: retention.hour: '0h' is not a duration",
      "t.conf:4: retention.day: 'five years' is not a duration"}},
    {"retention: shorter than the bucket",
     "retention = {\n"
     "  minute = \"30s\";\n"
     "  hour = \"59m\";\n"
     "  day = \"23h\";\n"
     "};\n",
     {"t.conf:2: retention.minute must be at least 1m (got '30s')",
      "t.conf:3: retention.hour must be at least 1h (got '59m')",
      "t.conf:4: retention.day must be at least 1d (got '23h')"}},
    {"retention: minute longer than the default hour",
     "retention = {\n"
     "  minute = \"100d\";\n"
     "};\n",
     {"t.conf:2: retention.minute ('100d') must not be longer than retention.hour ('90d')"}},
    {"retention: hour longer than day",
     "retention = {\n"
     "  hour = \"400d\";\n"
     "  day = \"1y\";\n"
     "};\n",
     {"t.conf:3: retention.hour ('400d') must not be longer than retention.day ('1y')"}},
    {"utc_offset beyond 18:00",
     "time = { utc_offset = \"+19:00\"; };\n",
     {"t.conf:1: time.utc_offset must be +HH:MM or -HH:MM within 18:00 of UTC, or Z (got "
      "'+19:00')"}},
    {"utc_offset without sign",
     "\n\ntime = { utc_offset = \"05:00\"; };\n",
     {"t.conf:3: time.utc_offset must be"}},
    {"utc_offset as a zone name",
     "time = {\n utc_offset = \"UTC\";\n};\n",
     {"t.conf:2: time.utc_offset must be"}},
    {"curve",
     "security = {\n  curve = true;\n};\n",
     {"t.conf:2: security.curve is not supported by this version of okrd"}},
    {"kpis must be a list", "kpis = 5;\n", {"t.conf:1: kpis must be a list of groups"}},
    {"kpi elements must be groups",
     "kpis = (\n"
     "  { name = \"a\"; },\n"
     "  \"b\" );\n",
     {"t.conf:3: kpis: element #2 must be a group"}},
    {"kpi names",
     "kpis = (\n"
     "  { unit = \"USD\"; },\n"
     "  { name = \"sales order\"; },\n"
     "  { name = \"\"; },\n"
     "  { name = 5; }\n"
     ");\n",
     {"t.conf:2: kpi #1 has no name",
      "t.conf:3: kpi 'sales order': the name must be 1-200 bytes of [A-Za-z0-9_.:/-]",
      "t.conf:4: kpi '': the name must be", "t.conf:5: kpi #4: 'name' must be a string"}},
    {"kpi defined twice",
     "kpis = (\n"
     "  { name = \"sales.order\"; },\n"
     "  { name = \"sales.refund\"; },\n"
     "\n"
     "  {\n"
     "    name = \"sales.order\"; aggregate = \"avg\"; }\n"
     ");\n",
     {"t.conf:5: kpi 'sales.order' is defined twice (first at line 2)"}},
    {"kpi fields",
     "kpis = (\n"
     "  { name = \"a\"; source = \"no spaces\"; },\n"
     "  { name = \"b\"; kind = \"important\"; },\n"
     "  { name = \"c\"; aggregate = \"median\"; },\n"
     "  { name = \"d\"; unit = 5; description = true; },\n"
     "  { name = \"e\"; colour = \"red\"; }\n"
     ");\n",
     {"t.conf:2: kpi 'a': source 'no spaces' is not a valid source name",
      "t.conf:3: kpi 'b': kind must be one of leading, lagging, quantitative, qualitative, "
      "financial (got 'important')",
      "t.conf:4: kpi 'c': unknown aggregate 'median'", "t.conf:5: kpi 'd': 'unit' must be a string",
      "t.conf:5: kpi 'd': 'description' must be a string",
      "t.conf:6: unknown key 'colour' in kpi 'e'"}},
    {"sketch aggregates where no sketch is kept",
     "kpis = (\n"
     "  { name = \"a\"; aggregate = \"distinct\"; },\n"
     "  { name = \"b\"; aggregate = \"p90\"; },\n"
     "  { name = \"c\"; formula = \"count(a)\"; distinct = true; },\n"
     "  { name = \"d\"; distinct = 1; }\n"
     ");\n",
     {"t.conf:2: kpi 'a': aggregate 'distinct' needs distinct = true on kpi 'a'",
      "t.conf:3: kpi 'b': aggregate 'p90' needs quantiles = true on kpi 'b'",
      "t.conf:4: kpi 'c': a derived KPI (formula) keeps no sketch: drop 'distinct'",
      "t.conf:5: kpi 'd': distinct must be true or false"}},
    {"where: syntax errors and types",
     "kpis = (\n"
     "  { name = \"a\"; where = \"value >= x\"; },\n"                   /* 2 */
     "  { name = \"b\"; where = \"tags.channel = \\\"email\\\"\"; },\n" /* 3 */
     "  { name = \"c\"; where = \"\"; },\n"                             /* 4 */
     "  { name = \"d\"; where = 9; },\n"                                /* 5 */
     "  { name = \"e\"; where = \"(value > 1\"; }\n"                    /* 6 */
     ");\n",
     {"t.conf:2: kpi 'a': where: column 10: expected a number after '>='",
      "t.conf:3: kpi 'b': where: column 14: expected '==' or '!=' after 'tags.channel'",
      "t.conf:4: kpi 'c': where: column 1: empty filter",
      "t.conf:5: kpi 'd': 'where' must be a string",
      "t.conf:6: kpi 'e': where: column 11: expected ')'"}},
    {"formula: syntax errors and types",
     "kpis = (\n"
     "  { name = \"a\"; },\n"
     "  { name = \"f1\"; formula = \"sum(a) +\"; },\n"  /* 3 */
     "  { name = \"f2\"; formula = \"median(a)\"; },\n" /* 4 */
     "  { name = \"f3\"; formula = \"sum(a\"; },\n"     /* 5 */
     "  { name = \"f4\"; formula = 1; },\n"             /* 6 */
     "  { name = \"f5\"; formula = \"\"; }\n"           /* 7 */
     ");\n",
     {"t.conf:3: kpi 'f1': formula: column 9: expected a number, an aggregate or '('",
      "t.conf:4: kpi 'f2': formula: column 1: unknown aggregate 'median'",
      "t.conf:5: kpi 'f3': formula: column 6: expected ')'",
      "t.conf:6: kpi 'f4': 'formula' must be a string",
      "t.conf:7: kpi 'f5': formula: column 1: empty formula"}},
    {"formula: unknown kpis, and aggregates that need sketches",
     "kpis = (\n"
     "  { name = \"a\"; },\n"
     "  { name = \"f1\"; formula = \"sum(a) / count(nope) + sum(nope)\"; },\n" /* 3 */
     "  { name = \"f2\";\n"
     "    formula = \"distinct(a) + p90(a)\"; },\n" /* 5 */
     "  { name = \"f3\"; formula = \"sum(a)\"; },\n"
     "  { name = \"f4\"; formula = \"last(f3) + p50(f3)\"; }\n" /* 7 */
     ");\n",
     {"t.conf:3: kpi 'f1': formula references unknown kpi 'nope'",
      "t.conf:5: kpi 'f2': formula: aggregate 'distinct' needs distinct = true on kpi 'a'",
      "t.conf:5: kpi 'f2': formula: aggregate 'p90' needs quantiles = true on kpi 'a'"}},
    {"a derived KPI takes no source, where or aggregate",
     "kpis = (\n"
     "  { name = \"a\"; },\n"
     "  { name = \"d\"; formula = \"sum(a)\";\n"
     "    source = \"a\";\n"        /* 4 */
     "    where = \"value > 1\";\n" /* 5 */
     "    aggregate = \"avg\"; }\n" /* 6 */
     ");\n",
     {"t.conf:4: kpi 'd': a derived KPI (formula) takes no 'source'",
      "t.conf:5: kpi 'd': a derived KPI (formula) takes no 'where'",
      "t.conf:6: kpi 'd': a derived KPI (formula) takes no 'aggregate'"}},
    {"formula cycles: 1, 2 and 3 members",
     "kpis = (\n"
     "  { name = \"raw\"; },\n"
     "  { name = \"self\"; formula = \"1 + sum(self)\"; },\n"   /* 3 */
     "  { name = \"b\"; formula = \"sum(a) + sum(raw)\"; },\n"  /* 4 */
     "  { name = \"a\"; formula = \"2 * last(b)\"; },\n"        /* 5 */
     "  { name = \"z\"; formula = \"sum(x)\"; },\n"             /* 6 */
     "  { name = \"ok\"; formula = \"sum(z) + sum(raw)\"; },\n" /* 7 */
     "  { name = \"x\"; formula = \"sum(y)\"; },\n"             /* 8 */
     "  { name = \"y\"; formula = \"sum(z) / count(raw)\"; }\n" /* 9 */
     ");\n",
     {"t.conf:3: kpi 'self': formula cycle 'self' -> 'self'",
      "t.conf:4: kpi 'b': formula cycle 'b' -> 'a' -> 'b'",
      "t.conf:6: kpi 'z': formula cycle 'z' -> 'x' -> 'y' -> 'z'"}},
    {"formula cycles sharing a member",
     "kpis = (\n"
     "  { name = \"a\"; formula = \"sum(b) + sum(c)\"; },\n" /* 2 */
     "  { name = \"b\"; formula = \"sum(a)\"; },\n"          /* 3 */
     "  { name = \"c\"; formula = \"sum(a)\"; }\n"           /* 4 */
     ");\n",
     {"t.conf:2: kpi 'a': formula cycle 'a' -> 'b' -> 'a'",
      "t.conf:2: kpi 'a': formula cycle 'a' -> 'c' -> 'a'"}},
    {"thresholds",
     "kpis = (\n"
     "  { name = \"a\"; thresholds = { direction = \"up\"; green = 1; amber = 0; }; },\n" /* 2 */
     "  { name = \"b\"; thresholds = { direction = \"higher\";\n"                         /* 3 */
     "      green = 10.0;\n"                                                              /* 4 */
     "      amber = 30; }; },\n"                                                          /* 5 */
     "  { name = \"c\"; thresholds = { direction = \"lower\"; green = 5; amber = 2.5; }; },\n"
     "  { name = \"d\"; thresholds = { green = 1; }; },\n" /* 7 */
     "  { name = \"e\"; thresholds = { direction = 1; green = \"1\"; amber = true; red = 0; "
     "}; },\n"                               /* 8 */
     "  { name = \"f\"; thresholds = 5; }\n" /* 9 */
     ");\n",
     {"t.conf:2: kpi 'a': thresholds.direction must be \"higher\" or \"lower\" (got 'up')",
      "t.conf:5: kpi 'b': thresholds: direction \"higher\" needs green >= amber (green 10, "
      "amber 30)",
      "t.conf:6: kpi 'c': thresholds: direction \"lower\" needs green <= amber (green 5, amber "
      "2.5)",
      "t.conf:7: kpi 'd': thresholds needs a direction (\"higher\" or \"lower\")",
      "t.conf:7: kpi 'd': thresholds needs amber",
      "t.conf:8: kpi 'e': thresholds.direction must be \"higher\" or \"lower\"",
      "t.conf:8: kpi 'e': thresholds.green must be a number",
      "t.conf:8: kpi 'e': thresholds.amber must be a number",
      "t.conf:8: unknown key 'red' in kpi 'e' thresholds",
      "t.conf:9: kpi 'f': thresholds must be a group"}},
    {"a key result on a derived KPI takes no aggregate",
     "kpis = (\n"
     "  { name = \"a\"; },\n"
     "  { name = \"d\"; formula = \"sum(a) / count(a)\"; }\n"
     ");\n"
     "objectives = (\n"
     "  { id = \"o\"; period = \"2026-Q4\"; key_results = (\n"
     "    { id = \"k\"; type = \"at_least\"; kpi = \"d\"; target = 5;\n" /* 7 */
     "      aggregate = \"avg\"; }\n"                                    /* 8 */
     "  ); }\n"
     ");\n",
     {"t.conf:8: kr 'k': kpi 'd' is derived: its value is its formula; drop 'aggregate'"}},
    {"aggregates that need sketches",
     "kpis = (\n"
     "  { name = \"web.visit\"; aggregate = \"distinct\"; },\n"
     "  { name = \"hr.time_to_hire\"; aggregate = \"p50\"; },\n"
     "  { name = \"cs.response_time\"; aggregate = \"p99\"; }\n"
     ");\n",
     {"t.conf:2: kpi 'web.visit': aggregate 'distinct' needs distinct = true on kpi 'web.visit'",
      "t.conf:3: kpi 'hr.time_to_hire': aggregate 'p50' needs quantiles = true on kpi "
      "'hr.time_to_hire'",
      "t.conf:4: kpi 'cs.response_time': aggregate 'p99' needs quantiles = true on kpi "
      "'cs.response_time'"}},
    {"syntax error", "daemon = {\n  sync = ;\n};\n", {"t.conf:2: syntax error"}},
    {"duplicate setting",
     "daemon = {\n  sync = true;\n  sync = false;\n};\n",
     {"t.conf:3: duplicate setting name"}},
    {"a control character in a value is not echoed",
     "daemon = { log_level = \"in\\nfo\"; };\n",
     {"t.conf:1: daemon.log_level must be one of error, warn, info, debug (got 'in?fo')"}},
};

static void test_must_not_load(void **state)
{
    (void)state;
    check_bad_rows(bad_rows, sizeof bad_rows / sizeof *bad_rows, false);
}

/* Errors from every section and every step come back from one load, in line order. */
static void test_all_errors_reported(void **state)
{
    static const char text[] = "daemon = {\n"                               /* 1 */
                               "  commit_interval_ms = 0;\n"                /* 2 */
                               "  bogus = 1;\n"                             /* 3 */
                               "};\n"                                       /* 4 */
                               "ingest = { rcvhwm = \"x\"; };\n"            /* 5 */
                               "retention = { day = \"1h\"; };\n"           /* 6 */
                               "security = { curve = true; };\n"            /* 7 */
                               "kpis = (\n"                                 /* 8 */
                               "  { name = \"a\"; formula = \"1 +\"; },\n"  /* 9 */
                               "  { name = \"a\"; aggregate = \"p90\"; }\n" /* 10 */
                               ");\n"                                       /* 11 */
                               "objectives = ( { id = \"o\"; } );\n";       /* 12 */
    static const char *const want[] = {
        ":2: daemon.commit_interval_ms must be between 1 and 60000",
        ":3: unknown key 'bogus' in daemon",
        ":5: ingest.rcvhwm must be an integer",
        ":6: retention.day must be at least 1d",
        ":7: security.curve is not supported",
        ":9: kpi 'a': formula: column 4: expected a number, an aggregate or '('",
        ":10: kpi 'a' is defined twice (first at line 9)",
        ":10: kpi 'a': aggregate 'p90' needs quantiles = true",
        ":12: objective 'o' has no period",
    };
    config_t *c = NULL;
    char *errors = NULL;
    const char *prev = NULL;
    (void)state;

    assert_int_equal(load_text(text, &c, &errors), -1);
    assert_null(c);
    assert_non_null(errors);
    assert_int_equal(count_lines(errors), sizeof want / sizeof *want);
    for (size_t j = 0; j < sizeof want / sizeof *want; j++) {
        const char *at = strstr(errors, want[j]);
        if (!at)
            fail_msg("missing error '%s' in:\n%s", want[j], errors);
        if (prev && at < prev)
            fail_msg("errors are not in line order:\n%s", errors);
        prev = at;
    }
    free(errors);
}

/* ---- must_load -------------------------------------------------------- */

static void check_defaults(const config_t *c)
{
    assert_string_equal(c->path, tpath);
    assert_string_equal(c->daemon.state_dir, "/var/lib/okrd");
    assert_int_equal(c->daemon.map_size_mb, 1024);
    assert_int_equal(c->daemon.commit_interval_ms, 100);
    assert_true(c->daemon.sync);
    assert_int_equal(c->daemon.log_level, LOG_INFO);
    assert_int_equal(c->ingest.bind.n, 1);
    assert_string_equal(c->ingest.bind.v[0], "tcp://127.0.0.1:7401");
    assert_int_equal(c->ingest.connect.n, 0);
    assert_int_equal(c->ingest.topics.n, 1);
    assert_string_equal(c->ingest.topics.v[0], "");
    assert_int_equal(c->ingest.max_message_bytes, 1048576);
    assert_int_equal(c->ingest.rcvhwm, 1000000);
    assert_int_equal(c->ingest.max_future_s, 300);
    assert_int_equal(c->query.bind.n, 1);
    assert_string_equal(c->query.bind.v[0], "tcp://127.0.0.1:7402");
    assert_false(c->security.curve);
    assert_null(c->security.secret_key_file);
    assert_null(c->security.authorized_keys_dir);
    assert_null(c->security.checkin_keys_dir);
    assert_int_equal(c->retention[RES_MINUTE], 48 * MS_HOUR);
    assert_int_equal(c->retention[RES_HOUR], 90 * MS_DAY);
    assert_int_equal(c->retention[RES_DAY], 5 * 365 * MS_DAY);
    assert_int_equal(c->cal.utc_offset_s, 0);
    assert_int_equal(c->cal.fiscal_start_month, 1);
    assert_int_equal(c->nkpis, 0);
}

static void check_empty(const config_t *c)
{
    check_defaults(c);
}

static void check_comments_only(const config_t *c)
{
    check_defaults(c);
}

static void check_full(const config_t *c)
{
    assert_string_equal(c->daemon.state_dir, "/srv/okrd");
    assert_int_equal(c->daemon.map_size_mb, 4096);
    assert_int_equal(c->daemon.commit_interval_ms, 250);
    assert_false(c->daemon.sync);
    assert_int_equal(c->daemon.log_level, LOG_DEBUG);
    assert_int_equal(c->ingest.bind.n, 2);
    assert_string_equal(c->ingest.bind.v[0], "tcp://*:7401");
    assert_string_equal(c->ingest.bind.v[1], "ipc:///run/okrd/ingest");
    assert_int_equal(c->ingest.connect.n, 1);
    assert_string_equal(c->ingest.connect.v[0], "tcp://pub.example:7400");
    assert_int_equal(c->ingest.topics.n, 2);
    assert_string_equal(c->ingest.topics.v[0], "sales.");
    assert_string_equal(c->ingest.topics.v[1], "hr.");
    assert_int_equal(c->ingest.max_message_bytes, INT64_C(5000000000));
    assert_int_equal(c->ingest.rcvhwm, 0);
    assert_int_equal(c->ingest.max_future_s, 0);
    assert_int_equal(c->query.bind.n, 1);
    assert_string_equal(c->query.bind.v[0], "tcp://0.0.0.0:7402");
    assert_false(c->security.curve);
    assert_string_equal(c->security.secret_key_file, "/etc/okrd/server.key");
    assert_string_equal(c->security.authorized_keys_dir, "/etc/okrd/clients.d");
    assert_string_equal(c->security.checkin_keys_dir, "/etc/okrd/writers.d");
    assert_int_equal(c->retention[RES_MINUTE], 6 * MS_HOUR);
    assert_int_equal(c->retention[RES_HOUR], 2 * MS_WEEK);
    assert_int_equal(c->retention[RES_DAY], 365 * MS_DAY);
    assert_int_equal(c->cal.utc_offset_s, -(5 * 3600 + 30 * 60));
    assert_int_equal(c->cal.fiscal_start_month, 4);

    assert_int_equal(c->nkpis, 3);
    const kpi_def_t *k = config_kpi(c, "sales.order");
    assert_non_null(k);
    assert_ptr_equal(k, &c->kpis[0]);
    assert_string_equal(k->name, "sales.order");
    assert_string_equal(k->source, "sales.order"); /* default: the name */
    assert_string_equal(k->unit, "USD");
    assert_string_equal(k->kind, "lagging");
    assert_string_equal(k->description, "Order value");
    assert_int_equal(k->aggregate.kind, AGG_SUM);
    assert_int_equal(k->line, 22);
    assert_int_equal(k->id, 0);

    k = config_kpi(c, "sales.aov");
    assert_non_null(k);
    assert_string_equal(k->source, "sales.order");
    assert_int_equal(k->aggregate.kind, AGG_AVG);
    assert_int_equal(k->line, 24);

    k = config_kpi(c, "hr.headcount");
    assert_non_null(k);
    assert_string_equal(k->unit, "");
    assert_string_equal(k->description, "");
    assert_string_equal(k->kind, "");
    assert_int_equal(k->aggregate.kind, AGG_LAST);
    assert_int_equal(k->line, 26);

    assert_null(config_kpi(c, "sales.ord"));
    assert_null(config_kpi(c, "sales.order.x"));
    assert_null(config_kpi(c, NULL));
}

static void check_offset_z(const config_t *c)
{
    assert_int_equal(c->cal.utc_offset_s, 0);
    assert_int_equal(c->nkpis, 0);
}

static void check_offset_max(const config_t *c)
{
    assert_int_equal(c->cal.utc_offset_s, 18 * 3600);
    assert_int_equal(c->retention[RES_MINUTE], MS_MINUTE);
    assert_int_equal(c->retention[RES_HOUR], MS_HOUR);
    assert_int_equal(c->retention[RES_DAY], MS_DAY);
}

static void check_limits(const config_t *c)
{
    assert_int_equal(c->daemon.commit_interval_ms, 60000);
    assert_int_equal(c->daemon.map_size_mb, 1);
    assert_int_equal(c->ingest.max_message_bytes, -1);
    assert_int_equal(c->ingest.rcvhwm, 2147483647);
    assert_int_equal(c->ingest.bind.n, 0);
    assert_int_equal(c->ingest.connect.n, 1);
    assert_int_equal(c->cal.fiscal_start_month, 12);
    assert_int_equal(c->cal.utc_offset_s, -18 * 3600);
}

static void check_kpis_empty_array(const config_t *c)
{
    assert_int_equal(c->nkpis, 0);
    assert_null(config_kpi(c, "anything"));
}

static void check_kpi_aggregates(const config_t *c)
{
    static const struct {
        const char *name;
        agg_kind_t kind;
    } want[] = {{"a.count", AGG_COUNT},   {"a.sum", AGG_SUM},   {"a.avg", AGG_AVG},
                {"a.min", AGG_MIN},       {"a.max", AGG_MAX},   {"a.last", AGG_LAST},
                {"a.stddev", AGG_STDDEV}, {"a.rate", AGG_RATE}, {"a.default", AGG_SUM}};
    assert_int_equal(c->nkpis, (int)(sizeof want / sizeof *want));
    for (size_t j = 0; j < sizeof want / sizeof *want; j++) {
        const kpi_def_t *k = config_kpi(c, want[j].name);
        assert_non_null(k);
        assert_int_equal(k->aggregate.kind, want[j].kind);
        assert_string_equal(k->source, "shared.source");
    }
}

static void check_false_sketches(const config_t *c)
{
    assert_int_equal(c->nkpis, 1);
    assert_string_equal(c->kpis[0].kind, "financial");
}

static void check_where(const config_t *c)
{
    static const char email[] = "email", sms[] = "sms", channel[] = "channel";
    msgpack_object_kv tag = {
        .key = {.type = MSGPACK_OBJECT_STR, .via.str = {sizeof channel - 1, channel}},
        .val = {.type = MSGPACK_OBJECT_STR, .via.str = {sizeof email - 1, email}}};
    const kpi_def_t *k = config_kpi(c, "survey.promoters"), *d;

    assert_int_equal(c->nkpis, 3);
    assert_non_null(k);
    assert_string_equal(k->source, "survey.enps");
    assert_string_equal(k->where_src, "value >= 9");
    assert_non_null(k->where);
    assert_null(k->formula);
    assert_null(k->formula_src);
    assert_null(k->refs);
    assert_int_equal(k->aggregate.kind, AGG_COUNT);
    assert_true(expr_where_match(k->where, 9, NULL, 0));
    assert_true(expr_where_match(k->where, 10, NULL, 0));
    assert_false(expr_where_match(k->where, 8.5, NULL, 0));
    assert_false(k->thresholds.set);

    d = config_kpi(c, "mail.big");
    assert_non_null(d);
    assert_string_equal(d->source, "survey.enps"); /* several KPIs read one source */
    assert_true(expr_where_match(d->where, 100, &tag, 1));
    assert_false(expr_where_match(d->where, 1, &tag, 1));
    tag.val.via.str = (msgpack_object_str){sizeof sms - 1, sms};
    assert_false(expr_where_match(d->where, 100, &tag, 1));

    k = config_kpi(c, "survey.enps"); /* no where: every event */
    assert_non_null(k);
    assert_null(k->where);
    assert_null(k->where_src);
    assert_string_equal(k->source, "survey.enps");
}

static bool ref_value(void *ctx, int ref, double *v)
{
    const double *vals = ctx;
    *v = vals[ref];
    return true;
}

static void check_formulas(const config_t *c)
{
    const kpi_def_t *aov = config_kpi(c, "sales.aov"), *k;
    double vals[4] = {0}, out = 0;
    agg_spec_t a;

    assert_int_equal(c->nkpis, 5);
    /* sales.aov = sum(sales.order) / count(sales.order); sales.order is #0 */
    assert_non_null(aov);
    assert_null(aov->source);
    assert_null(aov->where);
    assert_string_equal(aov->formula_src, "sum(sales.order) / count(sales.order)");
    assert_non_null(aov->formula);
    assert_int_equal(aov->aggregate.kind, AGG_SUM); /* unused */
    assert_int_equal(expr_nrefs(aov->formula), 2);
    assert_string_equal(expr_ref_name(aov->formula, 0), "sales.order");
    a = expr_ref_agg(aov->formula, 0);
    assert_int_equal(a.kind, AGG_SUM);
    a = expr_ref_agg(aov->formula, 1);
    assert_int_equal(a.kind, AGG_COUNT);
    assert_non_null(aov->refs);
    assert_int_equal(aov->refs[0], 0);
    assert_int_equal(aov->refs[1], 0);
    vals[0] = 300;
    vals[1] = 4;
    assert_true(expr_formula_eval(aov->formula, ref_value, vals, &out));
    assert_true(out == 75);
    assert_false(aov->thresholds.set);

    /* a derived KPI on a derived KPI defined after it, and a raw one */
    k = config_kpi(c, "sales.score");
    assert_non_null(k);
    assert_int_equal(k->line, 4);
    assert_null(k->source);
    assert_int_equal(expr_nrefs(k->formula), 2);
    assert_string_equal(expr_ref_name(k->formula, 0), "sales.order");
    assert_string_equal(expr_ref_name(k->formula, 1), "sales.aov");
    assert_int_equal(k->refs[0], 0);
    assert_int_equal(k->refs[1], 4);
    assert_true(k->thresholds.set);
    assert_true(k->thresholds.higher);
    assert_true(k->thresholds.green == 30.0);
    assert_true(k->thresholds.amber == 10.0);

    /* a constant formula: no references */
    k = config_kpi(c, "const");
    assert_non_null(k);
    assert_int_equal(expr_nrefs(k->formula), 0);
    assert_null(k->refs);
    assert_true(k->thresholds.set);
    assert_false(k->thresholds.higher);
    assert_true(k->thresholds.green == 2);
    assert_true(k->thresholds.amber == 2);

    /* thresholds on a raw KPI, int and float */
    k = config_kpi(c, "sales.order");
    assert_non_null(k);
    assert_string_equal(k->source, "sales.order");
    assert_null(k->formula);
    assert_true(k->thresholds.set);
    assert_false(k->thresholds.higher);
    assert_true(k->thresholds.green == 100);
    assert_true(k->thresholds.amber == 250.5);

    /* a key result on a derived KPI: no aggregate of its own */
    const kr_def_t *kr = config_kr(c, "aov");
    assert_non_null(kr);
    assert_int_equal(kr->kpi, 4);
    assert_ptr_equal(&c->kpis[kr->kpi], aov);
    assert_int_equal(kr->aggregate.kind, aov->aggregate.kind);
}

static const good_row_t good_rows[] = {
    {"empty file: every default", "", check_empty},
    {"comments only", "# nothing here\n// nor here\n/* nor\n here */\n", check_comments_only},
    {"every setting",
     "daemon = {\n"                                                                  /* 1 */
     "  state_dir = \"/srv/okrd\";\n"                                                /* 2 */
     "  map_size_mb = 4096L;\n"                                                      /* 3 */
     "  commit_interval_ms = 250;\n"                                                 /* 4 */
     "  sync = false;\n"                                                             /* 5 */
     "  log_level = \"debug\";\n"                                                    /* 6 */
     "};\n"                                                                          /* 7 */
     "ingest = {\n"                                                                  /* 8 */
     "  bind = [ \"tcp://*:7401\", \"ipc:///run/okrd/ingest\" ];\n"                  /* 9 */
     "  connect = ( \"tcp://pub.example:7400\" );\n"                                 /* 10 */
     "  topics = [ \"sales.\", \"hr.\" ];\n"                                         /* 11 */
     "  max_message_bytes = 5000000000L; rcvhwm = 0; max_future_s = 0;\n"            /* 12 */
     "};\n"                                                                          /* 13 */
     "query = { bind = [ \"tcp://0.0.0.0:7402\" ]; };\n"                             /* 14 */
     "security = { curve = false; secret_key_file = \"/etc/okrd/server.key\";\n"     /* 15 */
     "  authorized_keys_dir = \"/etc/okrd/clients.d\";\n"                            /* 16 */
     "  checkin_keys_dir = \"/etc/okrd/writers.d\"; };\n"                            /* 17 */
     "retention = { minute = \"6h\"; hour = \"2w\"; day = \"1y\"; };\n"              /* 18 */
     "time = { utc_offset = \"-05:30\"; fiscal_year_start_month = 4; };\n"           /* 19 */
     "\n"                                                                            /* 20 */
     "kpis = (\n"                                                                    /* 21 */
     "  { name = \"sales.order\"; unit = \"USD\"; kind = \"lagging\";\n"             /* 22 */
     "    description = \"Order value\"; },\n"                                       /* 23 */
     "  { name = \"sales.aov\"; source = \"sales.order\"; aggregate = \"avg\"; },\n" /* 24 */
     "\n"                                                                            /* 25 */
     "  { name = \"hr.headcount\"; aggregate = \"last\"; }\n"                        /* 26 */
     ");\n",
     check_full},
    {"offset Z and an empty kpis list", "time = { utc_offset = \"Z\"; };\nkpis = ( );\n",
     check_offset_z},
    {"offset +18:00 and the shortest retention",
     "time = { utc_offset = \"+18:00\"; };\n"
     "retention = { minute = \"1m\"; hour = \"60m\"; day = \"24h\"; };\n",
     check_offset_max},
    {"limits",
     "daemon = { commit_interval_ms = 60000; map_size_mb = 1; };\n"
     "ingest = { bind = [ ]; connect = [ \"tcp://127.0.0.1:7400\" ];\n"
     "  max_message_bytes = -1; rcvhwm = 2147483647; };\n"
     "time = { fiscal_year_start_month = 12; utc_offset = \"-18:00\"; };\n",
     check_limits},
    {"kpis as an empty array", "kpis = [ ];\n", check_kpis_empty_array},
    {"every aggregate without a sketch",
     "kpis = (\n"
     "  { name = \"a.count\"; source = \"shared.source\"; aggregate = \"count\"; },\n"
     "  { name = \"a.sum\"; source = \"shared.source\"; aggregate = \"sum\"; },\n"
     "  { name = \"a.avg\"; source = \"shared.source\"; aggregate = \"avg\"; },\n"
     "  { name = \"a.min\"; source = \"shared.source\"; aggregate = \"min\"; },\n"
     "  { name = \"a.max\"; source = \"shared.source\"; aggregate = \"max\"; },\n"
     "  { name = \"a.last\"; source = \"shared.source\"; aggregate = \"last\"; },\n"
     "  { name = \"a.stddev\"; source = \"shared.source\"; aggregate = \"stddev\"; },\n"
     "  { name = \"a.rate\"; source = \"shared.source\"; aggregate = \"rate\"; },\n"
     "  { name = \"a.default\"; source = \"shared.source\"; }\n"
     ");\n",
     check_kpi_aggregates},
    {"distinct = false and quantiles = false ask for nothing unsupported",
     "kpis = ( { name = \"x\"; kind = \"financial\"; distinct = false; quantiles = false; } );\n",
     check_false_sketches},
    {"where filters; several KPIs read one source",
     "kpis = (\n"
     "  { name = \"survey.promoters\"; source = \"survey.enps\"; where = \"value >= 9\";\n"
     "    aggregate = \"count\"; },\n"
     "  { name = \"mail.big\"; source = \"survey.enps\";\n"
     "    where = \"tags.channel == \\\"email\\\" and value > 50\"; },\n"
     "  { name = \"survey.enps\"; }\n"
     ");\n",
     check_where},
    {"derived KPIs, thresholds, a key result on a derived KPI",
     "kpis = (\n"                                                                    /* 1 */
     "  { name = \"sales.order\"; unit = \"USD\";\n"                                 /* 2 */
     "    thresholds = { direction = \"lower\"; green = 100; amber = 250.5; }; },\n" /* 3 */
     "  { name = \"sales.score\"; formula = \"sum(sales.order) - 2 * last(sales.aov)\";\n"
     "    thresholds = { direction = \"higher\"; green = 30.0; amber = 10.0; }; },\n"
     "  { name = \"const\"; formula = \"-(1 + 2) / 4\";\n"
     "    thresholds = { direction = \"lower\"; green = 2; amber = 2; }; },\n"
     "  { name = \"other\"; source = \"sales.order\"; aggregate = \"max\"; },\n"
     "  { name = \"sales.aov\"; unit = \"USD\"; kind = \"lagging\";\n"
     "    formula = \"sum(sales.order) / count(sales.order)\"; }\n"
     ");\n"
     "objectives = (\n"
     "  { id = \"o\"; period = \"2026-Q4\"; key_results = (\n"
     "    { id = \"aov\"; type = \"at_least\"; kpi = \"sales.aov\"; target = 75;\n"
     "      window = \"7d\"; }\n"
     "  ); }\n"
     ");\n",
     check_formulas},
};

static void test_must_load(void **state)
{
    (void)state;
    check_good_rows(good_rows, sizeof good_rows / sizeof *good_rows);
}

/* ---- files ------------------------------------------------------------ */

static void test_cannot_read(void **state)
{
    char path[700], *errors = NULL, want[800];
    config_t *c = (config_t *)0x1;
    (void)state;

    snprintf(path, sizeof path, "%s/does-not-exist.conf", tmpdir);
    assert_int_equal(config_load(path, &c, &errors), -1);
    assert_null(c);
    snprintf(want, sizeof want, "%s: cannot read: %s\n", path, strerror(ENOENT));
    assert_non_null(errors);
    assert_string_equal(errors, want);
    free(errors);

    /* a directory opens, but is not a file */
    errors = NULL;
    assert_int_equal(config_load(tmpdir, &c, &errors), -1);
    snprintf(want, sizeof want, "%s: cannot read: %s\n", tmpdir, strerror(EISDIR));
    assert_non_null(errors);
    assert_string_equal(errors, want);
    free(errors);

    /* unreadable (meaningless for root, who reads anything) */
    if (geteuid() != 0) {
        write_file(tpath, "", 0);
        assert_int_equal(chmod(tpath, 0), 0);
        errors = NULL;
        assert_int_equal(config_load(tpath, &c, &errors), -1);
        snprintf(want, sizeof want, "%s: cannot read: %s\n", tpath, strerror(EACCES));
        assert_non_null(errors);
        assert_string_equal(errors, want);
        free(errors);
        assert_int_equal(chmod(tpath, 0600), 0);
    }

    /* a NULL errors pointer is allowed */
    assert_int_equal(config_load(path, &c, NULL), -1);
    assert_null(c);
}

/* The demo configuration of the README quick start loads cleanly. */
static void test_demo_config(void **state)
{
    const char *path = OKR_SOURCE_DIR "/conf/okrd.conf";
    config_t *c = must_load_file(path);
    const kpi_def_t *k;
    (void)state;

    assert_string_equal(c->daemon.state_dir, "./state");
    assert_true(c->daemon.sync);
    assert_string_equal(c->ingest.bind.v[0], "tcp://127.0.0.1:7401");
    assert_string_equal(c->query.bind.v[0], "tcp://127.0.0.1:7402");
    assert_int_equal(c->retention[RES_DAY], 5 * 365 * MS_DAY);
    assert_true(c->nkpis >= 20);

    /* every demo KPI documents itself */
    for (int j = 0; j < c->nkpis; j++) {
        assert_true(c->kpis[j].unit[0] != '\0');
        assert_true(c->kpis[j].kind[0] != '\0');
        assert_true(c->kpis[j].description[0] != '\0');
    }
    k = config_kpi(c, "sales.aov");
    assert_non_null(k);
    assert_null(k->source); /* derived: sum / count */
    assert_non_null(k->formula);
    assert_string_equal(k->unit, "USD");
    k = config_kpi(c, "sales.order");
    assert_non_null(k);
    assert_int_equal(k->aggregate.kind, AGG_SUM);
    k = config_kpi(c, "hr.headcount");
    assert_non_null(k);
    assert_int_equal(k->aggregate.kind, AGG_LAST);
    k = config_kpi(c, "marketing.mql");
    assert_non_null(k);
    assert_int_equal(k->aggregate.kind, AGG_COUNT);
    config_unref(&c);
}

/* ---- reference counting ----------------------------------------------- */

static void test_refcount(void **state)
{
    config_t *c = must_load("kpis = ( { name = \"a\"; } );\n"), *c2;
    (void)state;

    c2 = config_ref(c);
    assert_ptr_equal(c2, c);
    assert_int_equal(c->refs, 2);
    config_unref(&c2);
    assert_null(c2);
    assert_int_equal(c->refs, 1);
    assert_non_null(config_kpi(c, "a")); /* still alive (ASan would tell) */
    config_unref(&c);
    assert_null(c);
    config_unref(&c); /* NULL is fine */
    config_unref(NULL);
    assert_null(config_ref(NULL));
}

#define REF_THREADS 4

static pthread_barrier_t ref_start;

static void *ref_worker(void *arg)
{
    config_t *c = arg;
    pthread_barrier_wait(&ref_start); /* all at once, so that they do race */
    for (int j = 0; j < 500000; j++) {
        config_t *mine = config_ref(c);
        config_unref(&mine);
    }
    return NULL;
}

/* Threads that take and drop references concurrently leave the count intact. */
static void test_refcount_threads(void **state)
{
    config_t *c = must_load("");
    pthread_t t[REF_THREADS];
    (void)state;

    assert_int_equal(pthread_barrier_init(&ref_start, NULL, REF_THREADS), 0);
    for (int j = 0; j < REF_THREADS; j++)
        assert_int_equal(pthread_create(&t[j], NULL, ref_worker, c), 0);
    for (int j = 0; j < REF_THREADS; j++)
        assert_int_equal(pthread_join(t[j], NULL), 0);
    pthread_barrier_destroy(&ref_start);
    assert_int_equal(c->refs, 1);
    config_unref(&c);
}

/* ---- robustness ------------------------------------------------------- */

/* Check the contract of one load of whatever is in tpath. */
static void load_any(void)
{
    config_t *c;
    if (load_any_tpath(&c) == 0) {
        for (int j = 0; j < c->nkpis; j++)
            assert_ptr_equal(config_kpi(c, c->kpis[j].name), &c->kpis[j]);
        for (int j = 0; j < c->nobjectives; j++) {
            const objective_def_t *o = &c->objectives[j];
            assert_ptr_equal(config_objective(c, o->id), o);
            assert_true(o->parent < j);
            for (int k = 0; k < o->nkrs; k++) {
                assert_ptr_equal(config_kr(c, o->krs[k].id), &o->krs[k]);
                assert_int_equal(o->krs[k].objective, j);
            }
        }
        config_unref(&c);
    }
}

/* Truncated and mutated versions of the demo file, and random bytes: never a
 * crash or a leak (under ASan), always either a config or well-formed errors. */
static void test_mutations(void **state)
{
    const char *path = OKR_SOURCE_DIR "/conf/okrd.conf";
    static const char junk[] = "{}()[];=,\"\\#/*\n\t 0123456789Lx.-+abcz_@:";
    char *text, *m;
    long len;
    unsigned seed = 12345;
    FILE *f = fopen(path, "r");
    (void)state;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    text = malloc((size_t)len + 1);
    m = malloc((size_t)len + 1);
    assert_non_null(text);
    assert_non_null(m);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);

    /* every truncation, on a coarse grid */
    for (long cut = 0; cut <= len; cut += 97) {
        write_file(tpath, text, (size_t)cut);
        load_any();
    }
    /* byte mutations */
    for (int round = 0; round < 600; round++) {
        memcpy(m, text, (size_t)len);
        int n = 1 + (int)(rand_r(&seed) % 8);
        for (int j = 0; j < n; j++) {
            long at = (long)(rand_r(&seed) % (unsigned)len);
            m[at] = junk[rand_r(&seed) % (sizeof junk - 1)];
        }
        write_file(tpath, m, (size_t)len);
        load_any();
    }
    /* random bytes, NULs included */
    for (int round = 0; round < 100; round++) {
        long n = (long)(rand_r(&seed) % 512);
        for (long j = 0; j < n; j++)
            m[j] = (char)(rand_r(&seed) & 0xff);
        write_file(tpath, m, (size_t)n);
        load_any();
    }
    free(text);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_must_not_load),    cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_must_load),        cmocka_unit_test(test_cannot_read),
        cmocka_unit_test(test_demo_config),      cmocka_unit_test(test_refcount),
        cmocka_unit_test(test_refcount_threads), cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
