/*
 * test_config_okr.c - config_load(): objectives and key results (SPEC
 * sections 3 and 5; daemon/config_okr.c).
 *
 * Table-driven like test_config.c: must_not_load rows give a configuration
 * and every error it must produce, "t.conf:LINE: message" (a prefix of the
 * message will do); a row fails if an expected line is missing or if any
 * other error is reported.  must_load rows load cleanly and check what was
 * parsed.
 */
#define CONFIG_ROWS_TMPNAME "okr_test_config_okr"
#include "config_rows.h"

/* Line 1 of most rows: three KPIs, at indices 0, 1, 2. */
#define KPIS                                                                                       \
    "kpis = ( { name = \"sales.order\"; }, { name = \"sales.count\"; source = \"sales.order\"; "   \
    "aggregate = \"count\"; }, { name = \"cs.response_time\"; aggregate = \"avg\"; } );\n"

/* 200 bytes: the longest id. */
#define X10  "xxxxxxxxxx"
#define X50  X10 X10 X10 X10 X10
#define X200 X50 X50 X50 X50

/* Midnights (UTC) used below. */
#define D_2026_01_01 INT64_C(1767225600000)
#define D_2026_04_01 INT64_C(1775001600000)
#define D_2026_07_01 INT64_C(1782864000000)
#define D_2026_10_01 INT64_C(1790812800000)
#define D_2026_11_01 INT64_C(1793491200000)
#define D_2026_11_16 INT64_C(1794787200000)
#define D_2026_11_22 INT64_C(1795305600000)
#define D_2026_11_23 INT64_C(1795392000000)
#define D_2026_12_01 INT64_C(1796083200000)
#define D_2026_12_31 INT64_C(1798675200000)
#define D_2027_01_01 INT64_C(1798761600000)
#define D_2027_04_01 INT64_C(1806537600000)

/* ---- helpers ---------------------------------------------------------- */

/*
 * What every loaded configuration promises: lookups find each objective and
 * key result, parents come first, every key result knows its objective.
 */
static void check_invariants(const config_t *c)
{
    for (int j = 0; j < c->nobjectives; j++) {
        const objective_def_t *o = &c->objectives[j];
        assert_non_null(o->id);
        assert_ptr_equal(config_objective(c, o->id), o);
        assert_true(o->parent >= -1 && o->parent < j);
        assert_non_null(o->period);
        assert_true(o->from < o->to);
        assert_true(o->weight >= 0);
        for (int k = 0; k < o->nkrs; k++) {
            const kr_def_t *kr = &o->krs[k];
            assert_ptr_equal(config_kr(c, kr->id), kr);
            assert_int_equal(kr->objective, j);
            assert_true(kr->kpi >= -1 && kr->kpi < c->nkpis);
            assert_false(kr->kpi >= 0 && kr->manual);
            if (kr->type == KR_MILESTONE)
                assert_true(kr->kpi == -1 && !kr->manual && !kr->has_target && !kr->has_start);
            else
                assert_true(kr->kpi >= 0 || kr->manual);
            if (kr->change != CHANGE_NONE)
                assert_true(kr->kpi >= 0 && !kr->has_start && !kr->has_target);
        }
    }
}

/* ---- must_not_load ---------------------------------------------------- */

static const bad_row_t bad_rows[] = {
    {"objectives must be a list",
     "objectives = 5;\n",
     {"t.conf:1: objectives must be a list of groups: ( { id = ...; }, ... )"}},
    {"objective elements must be groups",
     "objectives = (\n"
     "  \"o\",\n"
     "  { id = \"p\"; period = \"2026\"; }\n"
     ");\n",
     {"t.conf:2: objectives: element #1 must be a group ({ id = ...; })"}},
    {"unknown keys and wrong types",
     KPIS
     "objectives = (\n"                                                                    /* 2 */
     "  { id = \"order-value\"; period = \"2026-Q4\"; colour = \"red\";\n"                 /* 3 */
     "    title = 5; owner = true; weight = \"1\"; include_children = 1; parent = 3;\n"    /* 4 */
     "    kind = 1; commitment = 2;\n"                                                     /* 5 */
     "    key_results = (\n"                                                               /* 6 */
     "      { id = \"k\"; type = \"milestone\"; bogus = 1; title = 2; weight = \"x\"; }\n" /* 7 */
     "    ); }\n"                                                                          /* 8 */
     ");\n",
     {"t.conf:3: unknown key 'colour' in objective 'order-value'",
      "t.conf:4: objective 'order-value': 'title' must be a string",
      "t.conf:4: objective 'order-value': 'owner' must be a string",
      "t.conf:4: objective 'order-value': 'weight' must be a number",
      "t.conf:4: objective 'order-value': 'include_children' must be true or false",
      "t.conf:4: objective 'order-value': 'parent' must be a string",
      "t.conf:5: objective 'order-value': 'kind' must be a string",
      "t.conf:5: objective 'order-value': 'commitment' must be a string",
      "t.conf:7: unknown key 'bogus' in kr 'k'", "t.conf:7: kr 'k': 'title' must be a string",
      "t.conf:7: kr 'k': 'weight' must be a number"}},
    {"key result types",
     KPIS "objectives = (\n"                                                      /* 2 */
          "  { id = \"o\"; period = \"2026\";\n"                                  /* 3 */
          "    key_results = (\n"                                                 /* 4 */
          "      { id = \"a\"; type = 1; },\n"                                    /* 5 */
          "      { id = \"b\"; type = \"increase\"; kpi = [ \"sales.order\" ];\n" /* 6 */
          "        start = 0; target = 1; },\n"                                   /* 7 */
          "      { id = \"c\"; type = \"at_least\"; source = \"manual\";\n"       /* 8 */
          "        target = \"9\"; },\n"                                          /* 9 */
          "      { id = \"d\"; type = \"at_most\"; source = \"manual\";\n"        /* 10 */
          "        target = 1e999; },\n"                                          /* 11 */
          "      { id = \"e\"; type = \"milestone\"; checkin_every = 7; }\n"      /* 12 */
          "    ); }\n"                                                            /* 13 */
          ");\n",
     {"t.conf:5: kr 'a': 'type' must be a string", "t.conf:6: kr 'b': 'kpi' must be a string",
      "t.conf:9: kr 'c': 'target' must be a number", "t.conf:11: kr 'd': 'target' must be a number",
      "t.conf:12: kr 'e': 'checkin_every' must be a string"}},
    {"key_results must be a list of groups",
     "objectives = (\n"
     "  { id = \"o\"; period = \"2026\"; key_results = 5; },\n"
     "  { id = \"p\"; period = \"2026\"; key_results = ( \"k\", { id = \"m\"; type = "
     "\"milestone\"; } ); }\n"
     ");\n",
     {"t.conf:2: objective 'o': 'key_results' must be a list of groups",
      "t.conf:3: objective 'p': key_results element #1 must be a group ({ id = ...; })"}},
    {"ids",
     "objectives = (\n"                                     /* 1 */
     "  { period = \"2026\"; },\n"                          /* 2 */
     "  { id = \"bad id\"; period = \"2026\"; },\n"         /* 3 */
     "  { id = \"\"; period = \"2026\"; },\n"               /* 4 */
     "  { id = 5; period = \"2026\"; },\n"                  /* 5 */
     "  { id = \"o\"; period = \"2026\"; key_results = (\n" /* 6 */
     "      { type = \"milestone\"; },\n"                   /* 7 */
     "      { id = \"k 1\"; type = \"milestone\"; },\n"     /* 8 */
     "      { id = 7; type = \"milestone\"; } ); },\n"      /* 9 */
     "  { id = \"" X200 "y\"; period = \"2026\"; }\n"       /* 10: 201 bytes */
     ");\n",
     {"t.conf:2: objective #1 has no id",
      "t.conf:3: objective 'bad id': the id must be 1-200 bytes of [A-Za-z0-9_.:/-]",
      "t.conf:4: objective '': the id must be 1-200 bytes",
      "t.conf:5: objective #4: 'id' must be a string", "t.conf:7: kr #1 of objective 'o' has no id",
      "t.conf:8: kr 'k 1': the id must be 1-200 bytes of [A-Za-z0-9_.:/-]",
      "t.conf:9: kr #3 of objective 'o': 'id' must be a string",
      "t.conf:10: objective "
      "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': the id must be "
      "1-200 bytes"}},
    {"duplicate objective and key result ids",
     "objectives = (\n"                                                   /* 1 */
     "  { id = \"a\"; period = \"2026\";\n"                               /* 2 */
     "    key_results = ( { id = \"k\"; type = \"milestone\"; },\n"       /* 3 */
     "                    { id = \"k2\"; type = \"milestone\"; } ); },\n" /* 4 */
     "  { id = \"b\"; period = \"2026\";\n"                               /* 5 */
     "    key_results = ( { id = \"k3\"; type = \"milestone\"; },\n"      /* 6 */
     "                    { id = \"k\"; type = \"milestone\"; } ); },\n"  /* 7 */
     "  {\n"                                                              /* 8 */
     "    id = \"a\"; period = \"2026\";\n"                               /* 9 */
     "    key_results = ( { id = \"k3\"; type = \"milestone\"; } ); }\n"  /* 10 */
     ");\n",
     {"t.conf:7: kr 'k' is defined twice (first at line 3)",
      "t.conf:9: objective 'a' is defined twice (first at line 2)",
      "t.conf:10: kr 'k3' is defined twice (first at line 6)"}},
    {"period strings",
     "objectives = (\n"
     "  { id = \"a\"; },\n"
     "  { id = \"b\"; period = \"2026-Q5\"; },\n"
     "  { id = \"c\"; period = \"2026-13\"; },\n"
     "  { id = \"d\"; period = \"Q4\"; },\n"
     "  { id = \"e\"; period = \"2026-02-29\"; },\n"
     "  { id = \"f\"; period = \"qtd\"; },\n"
     "  { id = \"g\"; period = 2026; }\n"
     ");\n",
     {"t.conf:2: objective 'a' has no period",
      "t.conf:3: objective 'b': period '2026-Q5' is not a calendar period (e.g. 2026, 2026-Q4, "
      "2026-11, 2026-W47, 2026-11-22)",
      "t.conf:4: objective 'c': period '2026-13' is not a calendar period",
      "t.conf:5: objective 'd': period 'Q4' is not a calendar period",
      "t.conf:6: objective 'e': period '2026-02-29' is not a calendar period",
      "t.conf:7: objective 'f': period 'qtd' is not a calendar period",
      "t.conf:8: objective 'g': 'period' must be a calendar period such as \"2026-Q4\", or a "
      "group { start = \"2026-10-01\"; end = \"2026-12-31\"; }"}},
    {"period groups",
     "objectives = (\n"                                                                 /* 1 */
     "  { id = \"a\"; period = { start = \"2026-10-01\"; }; },\n"                       /* 2 */
     "  { id = \"b\"; period = { start = \"2026-10-01\"; end = \"2026-12-31\";\n"       /* 3 */
     "                         until = \"2027-01-01\"; }; },\n"                         /* 4 */
     "  { id = \"c\"; period = { start = \"2026-02-30\"; end = \"2026-12-31\"; }; },\n" /* 5 */
     "  { id = \"d\"; period = { start = \"2026-10-01\";\n"                             /* 6 */
     "                         end = \"2026-09-30\"; }; },\n"                           /* 7 */
     "  { id = \"e\"; period = { start = 20261001; end = \"2026-12-31\"; }; },\n"       /* 8 */
     "  { id = \"f\"; period = { }; },\n"                                               /* 9 */
     "  { id = \"g\"; period = { start = \"2026-10-1\"; end = \"2026-Q4\"; }; }\n"      /* 10 */
     ");\n",
     {"t.conf:2: objective 'a': period needs both start and end (\"YYYY-MM-DD\", inclusive)",
      "t.conf:4: unknown key 'until' in the period of objective 'b'",
      "t.conf:5: objective 'c': period start '2026-02-30' is not a date (YYYY-MM-DD)",
      "t.conf:7: objective 'd': period end '2026-09-30' is before its start '2026-10-01'",
      "t.conf:8: objective 'e': period start must be a date string \"YYYY-MM-DD\"",
      "t.conf:9: objective 'f': period needs both start and end",
      "t.conf:10: objective 'g': period start '2026-10-1' is not a date",
      "t.conf:10: objective 'g': period end '2026-Q4' is not a date"}},
    {"kind, commitment, weight, include_children",
     "objectives = (\n"
     "  { id = \"a\"; period = \"2026\"; kind = \"sideways\"; },\n"
     "  { id = \"b\"; period = \"2026\"; commitment = \"maybe\"; },\n"
     "  { id = \"c\"; period = \"2026\"; weight = -1; },\n"
     "  { id = \"d\"; period = \"2026\"; weight = -0.5; include_children = \"no\"; },\n"
     "  { id = \"e\"; period = \"2026\"; weight = 3000000000; }\n"
     ");\n",
     {"t.conf:2: objective 'a': kind must be one of top-down, bottom-up, learning, personal, "
      "company (got 'sideways')",
      "t.conf:3: objective 'b': commitment must be one of committed, aspirational (got 'maybe')",
      "t.conf:4: objective 'c': weight must be at least 0 (got -1)",
      "t.conf:5: objective 'd': 'include_children' must be true or false",
      "t.conf:5: objective 'd': weight must be at least 0 (got -0.5)",
      /* reported once, as what it is, not again as a negative weight */
      "t.conf:6: integer 3000000000 is too large for 32 bits"}},
    {"dangling and self parents",
     "objectives = (\n"
     "  { id = \"a\"; period = \"2026\"; parent = \"nobody\"; },\n"
     "  { id = \"b\"; period = \"2026\"; parent = \"b\"; },\n"
     "  { id = \"c\"; period = \"2026\"; parent = \"bad id\"; },\n"
     "  { id = \"bad id\"; period = \"2026\"; }\n"
     ");\n",
     {"t.conf:2: objective 'a': parent 'nobody' is not an objective",
      "t.conf:3: objective 'b' cannot be its own parent",
      "t.conf:4: objective 'c': parent 'bad id' is not an objective",
      "t.conf:5: objective 'bad id': the id must be"}},
    {"a cycle of 2",
     "objectives = (\n"
     "  { id = \"root\"; period = \"2026\"; },\n"
     "  { id = \"a\"; period = \"2026\";\n"
     "    parent = \"b\"; },\n"
     "  { id = \"b\"; period = \"2026\"; parent = \"a\"; }\n"
     ");\n",
     {"t.conf:4: objective 'a': parent cycle 'a' -> 'b' -> 'a'"}},
    {"a cycle of 3, with a branch hanging off it, and a second cycle",
     "objectives = (\n"                                           /* 1 */
     "  { id = \"leaf\"; period = \"2026\"; parent = \"y\"; },\n" /* 2 */
     "  { id = \"z\"; period = \"2026\"; parent = \"x\"; },\n"    /* 3 */
     "  { id = \"x\"; period = \"2026\"; parent = \"y\"; },\n"    /* 4 */
     "  { id = \"y\"; period = \"2026\"; parent = \"z\"; },\n"    /* 5 */
     "  { id = \"p\"; period = \"2026\"; parent = \"q\"; },\n"    /* 6 */
     "  { id = \"q\"; period = \"2026\"; parent = \"p\"; }\n"     /* 7 */
     ");\n",
     {"t.conf:3: objective 'z': parent cycle 'z' -> 'x' -> 'y' -> 'z'",
      "t.conf:6: objective 'p': parent cycle 'p' -> 'q' -> 'p'"}},
    {"key result type and source",
     KPIS
     "objectives = (\n"                                                     /* 2 */
     "  { id = \"o\"; period = \"2026\"; key_results = (\n"                 /* 3 */
     "    { id = \"a\"; kpi = \"sales.order\"; start = 0; target = 1; },\n" /* 4 */
     "    { id = \"b\"; type = \"more\"; kpi = \"sales.order\"; },\n"       /* 5 */
     "    { id = \"c\"; type = \"increase\"; kpi = \"sales.ordr\"; start = 0; target = 1; },\n" /* 6
                                                                                                 */
     "    { id = \"d\"; type = \"at_least\"; source = \"kpi\"; target = 1; },\n" /* 7 */
     "    { id = \"e\"; type = \"at_least\"; kpi = \"sales.order\"; source = \"manual\"; "
     "target = 1; },\n"                                                   /* 8 */
     "    { id = \"f\"; type = \"increase\"; start = 0; target = 1; },\n" /* 9 */
     "    { id = \"g\"; type = \"at_most\"; target = 1; }\n"              /* 10 */
     "  ); }\n"                                                           /* 11 */
     ");\n",
     {"t.conf:4: kr 'a' has no type (increase, decrease, at_least, at_most or milestone)",
      "t.conf:5: kr 'b': type must be one of increase, decrease, at_least, at_most, milestone "
      "(got 'more')",
      "t.conf:6: kr 'c': unknown kpi 'sales.ordr'",
      "t.conf:7: kr 'd': source must be \"manual\" (got 'kpi')",
      "t.conf:8: kr 'e': give kpi or source = \"manual\", not both",
      "t.conf:9: kr 'f': type 'increase' needs kpi or source = \"manual\"",
      "t.conf:10: kr 'g': type 'at_most' needs kpi or source = \"manual\""}},
    {"a milestone takes no value",
     KPIS "objectives = (\n"                                                         /* 2 */
          "  { id = \"o\"; period = \"2026\"; key_results = (\n"                     /* 3 */
          "    { id = \"m\"; type = \"milestone\";\n"                                /* 4 */
          "      kpi = \"sales.order\"; source = \"manual\"; aggregate = \"sum\";\n" /* 5 */
          "      window = \"7d\"; start = 0; target = 1; change = \"+5%\";\n"        /* 6 */
          "      scoring = \"now\"; checkin_every = \"7d\"; weight = 2; }\n"         /* 7 */
          "  ); }\n"                                                                 /* 8 */
          ");\n",
     {"t.conf:5: kr 'm': a milestone takes no kpi", "t.conf:5: kr 'm': a milestone takes no source",
      "t.conf:5: kr 'm': a milestone takes no aggregate",
      "t.conf:6: kr 'm': a milestone takes no window",
      "t.conf:6: kr 'm': a milestone takes no start",
      "t.conf:6: kr 'm': a milestone takes no target",
      "t.conf:6: kr 'm': a milestone takes no change",
      "t.conf:7: kr 'm': scoring applies only to at_least and at_most"}},
    {"aggregate and window",
     KPIS "objectives = (\n"                                                          /* 2 */
          "  { id = \"o\"; period = \"2026\"; key_results = (\n"                      /* 3 */
          "    { id = \"a\"; type = \"at_least\"; source = \"manual\"; target = 1;\n" /* 4 */
          "      aggregate = \"sum\"; window = \"7d\"; },\n"                          /* 5 */
          "    { id = \"b\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; aggregate = "
          "\"median\"; },\n" /* 6 */
          "    { id = \"c\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; aggregate = "
          "\"distinct\"; },\n" /* 7 */
          "    { id = \"d\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; aggregate = "
          "\"p90\"; },\n" /* 8 */
          "    { id = \"e\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; window = "
          "\"7x\"; },\n" /* 9 */
          "    { id = \"f\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; window = "
          "\"0d\"; }\n" /* 10 */
          "  ); }\n"    /* 11 */
          ");\n",
     {"t.conf:5: kr 'a': aggregate needs a kpi", "t.conf:5: kr 'a': window needs a kpi",
      "t.conf:6: kr 'b': unknown aggregate 'median' (count, sum, avg, min, max, last, stddev, "
      "rate)",
      "t.conf:7: kr 'c': aggregate 'distinct' needs distinct = true on kpi 'sales.order'",
      "t.conf:8: kr 'd': aggregate 'p90' needs quantiles = true on kpi 'sales.order'",
      "t.conf:9: kr 'e': window '7x' is not a window (e.g. 7d, 24h, mtd, qtd, 2026-Q4)",
      "t.conf:10: kr 'f': window '0d' is not a window"}},
    {"increase and decrease: start, target, change",
     KPIS "objectives = (\n"                                                               /* 2 */
          "  { id = \"o\"; period = \"2026\"; key_results = (\n"                           /* 3 */
          "    { id = \"a\"; type = \"increase\"; kpi = \"sales.order\"; start = 0; },\n"  /* 4 */
          "    { id = \"b\"; type = \"decrease\"; kpi = \"sales.order\"; target = 0; },\n" /* 5 */
          "    { id = \"c\"; type = \"increase\"; kpi = \"sales.order\"; },\n"             /* 6 */
          "    { id = \"d\"; type = \"increase\"; kpi = \"sales.order\"; start = 0; change = "
          "\"+5%\"; "
          "},\n" /* 7 */
          "    { id = \"e\"; type = \"increase\"; kpi = \"sales.order\"; target = 9; change = "
          "\"+5%\"; "
          "},\n" /* 8 */
          "    { id = \"f\"; type = \"increase\"; source = \"manual\"; change = \"+5%\"; },\n" /* 9
                                                                                                */
          "    { id = \"g\"; type = \"increase\"; kpi = \"sales.order\"; start = 3; target = 3.0; "
          "},\n" /* 10 */
          "    { id = \"h\"; type = \"increase\"; kpi = \"sales.order\"; start = 10; target = 5; "
          "},\n" /* 11 */
          "    { id = \"i\"; type = \"decrease\"; kpi = \"sales.order\"; start = 5; target = 10.5; "
          "}\n"      /* 12 */
          "  ); }\n" /* 13 */
          ");\n",
     {"t.conf:4: kr 'a': type 'increase' needs a target",
      "t.conf:5: kr 'b': type 'decrease' needs start, or change",
      "t.conf:6: kr 'c': type 'increase' needs start, or change",
      "t.conf:6: kr 'c': type 'increase' needs a target",
      "t.conf:7: kr 'd': give start or change, not both",
      "t.conf:8: kr 'e': give target or change, not both (change sets the target from the "
      "baseline)",
      "t.conf:9: kr 'f': change needs a kpi (the baseline is its previous period)",
      "t.conf:10: kr 'g': start equals target",
      "t.conf:11: kr 'h': type 'increase' needs target > start (start 10, target 5)",
      "t.conf:12: kr 'i': type 'decrease' needs target < start (start 5, target 10.5)"}},
    {"change values",
     KPIS
     "objectives = (\n"                                                                      /* 2 */
     "  { id = \"o\"; period = \"2026\"; key_results = (\n"                                  /* 3 */
     "    { id = \"a\"; type = \"increase\"; kpi = \"sales.order\"; change = \"20%\"; },\n"  /* 4 */
     "    { id = \"b\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+\"; },\n"    /* 5 */
     "    { id = \"c\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+5%%\"; },\n" /* 6 */
     "    { id = \"d\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+.5\"; },\n"  /* 7 */
     "    { id = \"e\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+5.\"; },\n"  /* 8 */
     "    { id = \"f\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+1e3\"; },\n" /* 9 */
     "    { id = \"g\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+0%\"; },\n" /* 10 */
     "    { id = \"h\"; type = \"decrease\"; kpi = \"sales.order\"; change = \"-0.0\"; },\n" /* 11
                                                                                              */
     "    { id = \"i\"; type = \"increase\"; kpi = \"sales.order\"; change = \"-10%\"; },\n" /* 12
                                                                                              */
     "    { id = \"j\"; type = \"decrease\"; kpi = \"sales.order\"; change = \"+10\"; },\n" /* 13 */
     "    { id = \"k\"; type = \"increase\"; kpi = \"sales.order\"; change = \"+ 5\"; }\n"  /* 14 */
     "  ); }\n"                                                                             /* 15 */
     ");\n",
     {"t.conf:4: kr 'a': change '20%' must be a signed amount such as +20%, -15%, +500, -2.5",
      "t.conf:5: kr 'b': change '+' must be a signed amount",
      "t.conf:6: kr 'c': change '+5%%' must be a signed amount",
      "t.conf:7: kr 'd': change '+.5' must be a signed amount",
      "t.conf:8: kr 'e': change '+5.' must be a signed amount",
      "t.conf:9: kr 'f': change '+1e3' must be a signed amount",
      "t.conf:10: kr 'g': change '+0%' must not be zero",
      "t.conf:11: kr 'h': change '-0.0' must not be zero",
      "t.conf:12: kr 'i': type 'increase' needs a positive change (got '-10%')",
      "t.conf:13: kr 'j': type 'decrease' needs a negative change (got '+10')",
      "t.conf:14: kr 'k': change '+ 5' must be a signed amount"}},
    {"at_least and at_most",
     KPIS
     "objectives = (\n"                                                 /* 2 */
     "  { id = \"o\"; period = \"2026\"; key_results = (\n"             /* 3 */
     "    { id = \"a\"; type = \"at_least\"; source = \"manual\"; },\n" /* 4 */
     "    { id = \"b\"; type = \"at_most\"; kpi = \"sales.order\"; target = 2; start = 1; },\n" /* 5
                                                                                                 */
     "    { id = \"c\"; type = \"at_least\"; kpi = \"sales.order\"; target = 2; change = "
     "\"+5%\"; },\n" /* 6 */
     "    { id = \"d\"; type = \"at_least\"; kpi = \"sales.order\"; target = 2; scoring = "
     "\"weekly\"; },\n" /* 7 */
     "    { id = \"e\"; type = \"increase\"; kpi = \"sales.order\"; start = 0; target = 2;\n" /* 8
                                                                                               */
     "      scoring = \"days\"; }\n" /* 9 */
     "  ); }\n"                      /* 10 */
     ");\n",
     {"t.conf:4: kr 'a': type 'at_least' needs a target",
      "t.conf:5: kr 'b': type 'at_most' takes no start",
      "t.conf:6: kr 'c': type 'at_least' takes no change",
      "t.conf:7: kr 'd': scoring must be one of now, days (got 'weekly')",
      "t.conf:9: kr 'e': scoring applies only to at_least and at_most"}},
    {"checkin_every and key result weights",
     KPIS "objectives = (\n"                                                         /* 2 */
          "  { id = \"o\"; period = \"2026\"; key_results = (\n"                     /* 3 */
          "    { id = \"a\"; type = \"milestone\"; checkin_every = \"0d\"; },\n"     /* 4 */
          "    { id = \"b\"; type = \"milestone\"; checkin_every = \"7\"; },\n"      /* 5 */
          "    { id = \"c\"; type = \"milestone\"; checkin_every = \"weekly\"; },\n" /* 6 */
          "    { id = \"d\"; type = \"milestone\"; weight = -2; },\n"                /* 7 */
          "    { id = \"e\"; type = \"milestone\"; weight = -0.25; }\n"              /* 8 */
          "  ); }\n"                                                                 /* 9 */
          ");\n",
     {"t.conf:4: kr 'a': checkin_every '0d' is not a duration (e.g. 7d, 24h, 2w)",
      "t.conf:5: kr 'b': checkin_every '7' is not a duration",
      "t.conf:6: kr 'c': checkin_every 'weekly' is not a duration",
      "t.conf:7: kr 'd': weight must be at least 0 (got -2)",
      "t.conf:8: kr 'e': weight must be at least 0 (got -0.25)"}},
    {"a KPI removed while a key result still uses it",
     "kpis = ( { name = \"sales.count\"; } );\n"
     "objectives = ( { id = \"o\"; period = \"2026\";\n"
     "  key_results = ( { id = \"k\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; } "
     "); } );\n",
     {"t.conf:3: kr 'k': unknown kpi 'sales.order'"}},
    {"errors of every kind sorted by line with the rest",
     "daemon = { bogus = 1; };\n"
     "objectives = (\n"
     "  { id = \"o\"; period = \"2026-Q9\"; parent = \"p\"; },\n"
     "  { id = \"p\"; period = \"2026\"; parent = \"o\"; }\n"
     ");\n"
     "time = { fiscal_year_start_month = 13; };\n",
     {"t.conf:1: unknown key 'bogus' in daemon",
      "t.conf:3: objective 'o': period '2026-Q9' is not a calendar period",
      "t.conf:3: objective 'o': parent cycle 'o' -> 'p' -> 'o'",
      "t.conf:6: time.fiscal_year_start_month must be between 1 and 12 (got 13)"}},
};

static void test_must_not_load(void **state)
{
    (void)state;
    check_bad_rows(bad_rows, sizeof bad_rows / sizeof *bad_rows, true);
}

/* ---- must_load -------------------------------------------------------- */

/* The brief's example, with the parent it names. */
static const char example[] = "kpis = (\n"                                                 /* 1 */
                              "  { name = \"loyalty.signup\"; },\n"                        /* 2 */
                              "  { name = \"sales.cross_sell\"; aggregate = \"sum\"; },\n" /* 3 */
                              "  { name = \"cs.response_time\"; aggregate = \"max\"; }\n"  /* 4 */
                              ");\n"                                                       /* 5 */
                              "objectives = (\n"                                           /* 6 */
                              "  { id = \"order-value\"; title = \"Increase the order value of "
                              "customers\";\n"                                    /* 7 */
                              "    period = \"2026-Q4\";\n"                       /* 8 */
                              "    parent = \"number-one\";\n"                    /* 9 */
                              "    owner = \"marketing\"; kind = \"top-down\";\n" /* 10 */
                              "    commitment = \"aspirational\";\n"              /* 11 */
                              "    weight = 1.0;\n"                               /* 12 */
                              "    include_children = true;\n"                    /* 13 */
                              "    key_results = (\n"                             /* 14 */
                              "      { id = \"loyalty\"; title = \"3000 loyalty scheme members\"; "
                              "weight = 1.0;\n" /* 15 */
                              "        kpi = \"loyalty.signup\"; aggregate = \"count\"; type = "
                              "\"increase\"; start = 0.0; "
                              "target = 3000.0; },\n" /* 16 */
                              "      { id = \"cross-sell\"; title = \"Product page cross-sells "
                              "+50%\";\n" /* 17 */
                              "        kpi = \"sales.cross_sell\"; aggregate = \"count\"; type = "
                              "\"increase\"; change = "
                              "\"+50%\"; },\n" /* 18 */
                              "      { id = \"coaching\"; title = \"All managers through "
                              "coaching\"; type = \"milestone\"; "
                              "},\n" /* 19 */
                              "      { id = \"social\"; title = \"Attendance of monthly social "
                              "90%\"; source = "
                              "\"manual\"; type = \"at_least\"; target = 90; },\n" /* 20 */
                              "      { id = \"response\"; kpi = \"cs.response_time\"; aggregate = "
                              "\"avg\"; type = "
                              "\"at_most\"; target = 2; scoring = \"days\"; window = \"7d\"; "
                              "checkin_every = \"7d\"; }\n" /* 21 */
                              "    ); },\n"                 /* 22 */
                              "  { id = \"number-one\"; title = \"Be the shop people come back "
                              "to\"; period = "
                              "\"2026\";\n" /* 23 */
                              "    kind = \"company\"; commitment = \"committed\"; "
                              "include_children = false;\n" /* 24 */
                              "    key_results = ( { id = \"churn\"; type = \"decrease\"; kpi = "
                              "\"cs.response_time\"; "
                              "change = \"-2.5\"; },\n" /* 25 */
                              "                    { id = \"repeat\"; type = \"increase\"; kpi = "
                              "\"loyalty.signup\"; "
                              "change = \"+500\"; weight = 0; } ); }\n" /* 26 */
                              ");\n";

static void check_example(const config_t *c)
{
    const objective_def_t *o, *root;
    const kr_def_t *k;

    check_invariants(c);
    assert_int_equal(c->nobjectives, 2);
    /* number-one is written second but is order-value's parent: it comes first */
    root = &c->objectives[0];
    o = &c->objectives[1];
    assert_string_equal(root->id, "number-one");
    assert_string_equal(o->id, "order-value");
    assert_ptr_equal(config_objective(c, "number-one"), root);
    assert_ptr_equal(config_objective(c, "order-value"), o);
    assert_null(config_objective(c, "order"));
    assert_null(config_objective(c, NULL));
    assert_null(config_objective(NULL, "order-value"));

    assert_int_equal(root->parent, -1);
    assert_string_equal(root->title, "Be the shop people come back to");
    assert_string_equal(root->owner, "");
    assert_string_equal(root->kind, "company");
    assert_string_equal(root->commitment, "committed");
    assert_string_equal(root->period, "2026");
    assert_int_equal(root->from, D_2026_01_01);
    assert_int_equal(root->to, D_2027_01_01);
    assert_true(root->weight == 1);
    assert_false(root->include_children);
    assert_int_equal(root->line, 23);
    assert_int_equal(root->nkrs, 2);

    assert_int_equal(o->parent, 0);
    assert_string_equal(o->title, "Increase the order value of customers");
    assert_string_equal(o->owner, "marketing");
    assert_string_equal(o->kind, "top-down");
    assert_string_equal(o->commitment, "aspirational");
    assert_string_equal(o->period, "2026-Q4");
    assert_int_equal(o->from, D_2026_10_01);
    assert_int_equal(o->to, D_2027_01_01);
    assert_true(o->weight == 1);
    assert_true(o->include_children);
    assert_int_equal(o->line, 7);
    assert_int_equal(o->nkrs, 5);

    k = config_kr(c, "loyalty");
    assert_ptr_equal(k, &o->krs[0]);
    assert_string_equal(k->title, "3000 loyalty scheme members");
    assert_int_equal(k->type, KR_INCREASE);
    assert_int_equal(k->kpi, 0);
    assert_false(k->manual);
    assert_int_equal(k->aggregate.kind, AGG_COUNT);
    assert_false(k->has_window);
    assert_null(k->window_str);
    assert_true(k->has_start && k->start == 0);
    assert_true(k->has_target && k->target == 3000);
    assert_int_equal(k->change, CHANGE_NONE);
    assert_int_equal(k->scoring, SCORE_NOW);
    assert_int_equal(k->checkin_every_ms, 0);
    assert_true(k->weight == 1);
    assert_int_equal(k->objective, 1);
    assert_int_equal(k->line, 15);

    k = config_kr(c, "cross-sell");
    assert_ptr_equal(k, &o->krs[1]);
    assert_int_equal(k->kpi, 1);
    assert_int_equal(k->aggregate.kind, AGG_COUNT); /* overrides the KPI's sum */
    assert_int_equal(k->change, CHANGE_PCT);
    assert_true(k->change_amount == 50);
    assert_false(k->has_start);
    assert_false(k->has_target);

    k = config_kr(c, "coaching");
    assert_int_equal(k->type, KR_MILESTONE);
    assert_int_equal(k->kpi, -1);
    assert_false(k->manual);
    assert_false(k->has_target);

    k = config_kr(c, "social");
    assert_int_equal(k->type, KR_AT_LEAST);
    assert_int_equal(k->kpi, -1);
    assert_true(k->manual);
    assert_true(k->has_target && k->target == 90);
    assert_false(k->has_start);
    assert_int_equal(k->scoring, SCORE_NOW);

    k = config_kr(c, "response");
    assert_string_equal(k->title, "");
    assert_int_equal(k->type, KR_AT_MOST);
    assert_int_equal(k->kpi, 2);
    assert_int_equal(k->aggregate.kind, AGG_AVG);
    assert_true(k->target == 2);
    assert_int_equal(k->scoring, SCORE_DAYS);
    assert_true(k->has_window);
    assert_string_equal(k->window_str, "7d");
    assert_int_equal(k->window.kind, WIN_ROLLING);
    assert_int_equal(k->window.span, 7 * MS_DAY);
    assert_int_equal(k->checkin_every_ms, 7 * MS_DAY);
    assert_int_equal(k->objective, 1);

    k = config_kr(c, "churn");
    assert_ptr_equal(k, &root->krs[0]);
    assert_int_equal(k->objective, 0);
    assert_int_equal(k->type, KR_DECREASE);
    assert_int_equal(k->aggregate.kind, AGG_MAX); /* the KPI's primary */
    assert_int_equal(k->change, CHANGE_ABS);
    assert_true(k->change_amount == -2.5);

    k = config_kr(c, "repeat");
    assert_int_equal(k->change, CHANGE_ABS);
    assert_true(k->change_amount == 500);
    assert_true(k->weight == 0);

    assert_null(config_kr(c, "loyal"));
    assert_null(config_kr(c, NULL));
    assert_null(config_kr(NULL, "loyalty"));
}

static void check_periods(const config_t *c)
{
    static const struct {
        const char *id, *period;
        int64_t from, to;
    } want[] = {
        {"q", "2026-Q4", D_2026_10_01, D_2027_01_01},
        {"m", "2026-11", D_2026_11_01, D_2026_12_01},
        {"w", "2026-W47", D_2026_11_16, D_2026_11_23},
        {"d", "2026-11-22", D_2026_11_22, D_2026_11_23},
        {"y", "2026", D_2026_01_01, D_2027_01_01},
        {"g", "2026-10-01..2026-12-31", D_2026_10_01, D_2027_01_01},
        {"one-day", "2026-12-31..2026-12-31", D_2026_12_31, D_2027_01_01},
    };
    check_invariants(c);
    assert_int_equal(c->nobjectives, (int)(sizeof want / sizeof *want));
    for (size_t j = 0; j < sizeof want / sizeof *want; j++) {
        const objective_def_t *o = &c->objectives[j];
        assert_string_equal(o->id, want[j].id); /* all roots: file order */
        assert_string_equal(o->period, want[j].period);
        assert_int_equal(o->from, want[j].from);
        assert_int_equal(o->to, want[j].to);
    }
}

/* With utc_offset = "+02:00" every boundary is local midnight, 2 h before UTC's. */
static void check_periods_offset(const config_t *c)
{
    const objective_def_t *q = config_objective(c, "q"), *g = config_objective(c, "g");
    check_invariants(c);
    assert_int_equal(q->from, D_2026_10_01 - 2 * MS_HOUR);
    assert_int_equal(q->to, D_2027_01_01 - 2 * MS_HOUR);
    assert_int_equal(g->from, D_2026_10_01 - 2 * MS_HOUR);
    assert_int_equal(g->to, D_2027_01_01 - 2 * MS_HOUR);
    assert_string_equal(g->period, "2026-10-01..2026-12-31");
}

/* fiscal_year_start_month = 4: the fiscal year 2026 is April 2026 to March 2027. */
static void check_fiscal(const config_t *c)
{
    const objective_def_t *o;
    check_invariants(c);
    o = config_objective(c, "fy");
    assert_int_equal(o->from, D_2026_04_01);
    assert_int_equal(o->to, D_2027_04_01);
    o = config_objective(c, "q1");
    assert_int_equal(o->from, D_2026_04_01);
    assert_int_equal(o->to, D_2026_07_01);
    o = config_objective(c, "q3");
    assert_int_equal(o->from, D_2026_10_01);
    assert_int_equal(o->to, D_2027_01_01);
    o = config_objective(c, "q4");
    assert_string_equal(o->period, "2026-Q4");
    assert_int_equal(o->from, D_2027_01_01);
    assert_int_equal(o->to, D_2027_04_01);
    /* a month is a month, whatever the fiscal year */
    o = config_objective(c, "m");
    assert_int_equal(o->from, D_2026_11_01);
    assert_int_equal(o->to, D_2026_12_01);
    /* a key result's window uses the same calendar */
    assert_int_equal(config_kr(c, "k")->window.kind, WIN_PERIOD);
    assert_int_equal(config_kr(c, "k")->window.from, D_2027_01_01);
}

static void assert_order(const config_t *c, const char *const *ids, const int *parents, int n)
{
    check_invariants(c);
    assert_int_equal(c->nobjectives, n);
    for (int j = 0; j < n; j++) {
        assert_string_equal(c->objectives[j].id, ids[j]);
        assert_int_equal(c->objectives[j].parent, parents[j]);
    }
}

/* Child written before its parent: the parent comes first. */
static void check_child_first(const config_t *c)
{
    static const char *const ids[] = {"parent", "child"};
    static const int parents[] = {-1, 0};
    assert_order(c, ids, parents, 2);
    assert_int_equal(c->objectives[1].krs[0].objective, 1);
    assert_string_equal(c->objectives[1].krs[0].id, "ck");
    assert_int_equal(c->objectives[0].krs[0].objective, 0);
    assert_string_equal(c->objectives[0].krs[0].id, "pk");
}

/* A three-level cascade written bottom-up comes out top-down. */
static void check_cascade(const config_t *c)
{
    static const char *const ids[] = {"company", "department", "team"};
    static const int parents[] = {-1, 0, 1};
    assert_order(c, ids, parents, 3);
    assert_int_equal(config_kr(c, "team-kr")->objective, 2);
    assert_int_equal(config_kr(c, "dept-kr")->objective, 1);
    assert_int_equal(config_kr(c, "company-kr")->objective, 0);
    assert_true(c->objectives[2].weight == 2);
    assert_true(c->objectives[1].weight == 0.5);
}

/* Already parents-first: the file order is kept exactly. */
static void check_in_order(const config_t *c)
{
    static const char *const ids[] = {"a", "a1", "b", "a2", "b1", "a11"};
    static const int parents[] = {-1, 0, -1, 0, 2, 1};
    assert_order(c, ids, parents, 6);
}

/* Mixed: a child written before its parent waits until the parent is placed;
 * everything else keeps its place. */
static void check_mixed(const config_t *c)
{
    static const char *const ids[] = {"x", "r", "c1", "g", "c2", "y"};
    static const int parents[] = {-1, -1, 1, 2, 1, -1};
    assert_order(c, ids, parents, 6);
}

static void check_defaults(const config_t *c)
{
    const objective_def_t *o;
    const kr_def_t *k;
    check_invariants(c);
    assert_int_equal(c->nobjectives, 2);
    o = config_objective(c, "bare");
    assert_string_equal(o->title, "");
    assert_string_equal(o->owner, "");
    assert_string_equal(o->kind, "");
    assert_string_equal(o->commitment, "");
    assert_int_equal(o->parent, -1);
    assert_true(o->weight == 1);
    assert_true(o->include_children);
    assert_int_equal(o->nkrs, 0);
    assert_null(o->krs);

    o = config_objective(c, "ints");
    assert_true(o->weight == 0); /* an int, and 0 is allowed */
    assert_string_equal(o->kind, "learning");
    assert_int_equal(o->nkrs, 4);
    k = config_kr(c, "count-kr");
    assert_int_equal(k->kpi, 1);
    assert_int_equal(k->aggregate.kind, AGG_COUNT); /* the KPI's primary */
    assert_true(k->start == 10 && k->target == 2.5);
    assert_int_equal(k->type, KR_DECREASE);
    assert_true(k->weight == 3);
    k = config_kr(c, "to-date");
    assert_int_equal(k->window.kind, WIN_TO_DATE);
    assert_int_equal(k->window.unit, PER_QUARTER);
    assert_string_equal(k->window_str, "qtd");
    assert_int_equal(k->aggregate.kind, AGG_LAST);
    assert_int_equal(k->checkin_every_ms, 2 * MS_WEEK);
    k = config_kr(c, "period-window");
    assert_int_equal(k->window.kind, WIN_PERIOD);
    assert_int_equal(k->window.from, D_2026_10_01);
    assert_int_equal(k->change, CHANGE_PCT);
    assert_true(k->change_amount == -15);
    k = config_kr(c, "negative");
    assert_true(k->start == -5 && k->target == -1.5);
}

static void check_long_ids(const config_t *c)
{
    check_invariants(c);
    assert_int_equal(strlen(c->objectives[0].id), 200);
    assert_ptr_equal(config_kr(c, X200), &c->objectives[0].krs[0]);
    assert_ptr_equal(config_objective(c, X200), &c->objectives[0]);
}

static void check_no_objectives(const config_t *c)
{
    assert_int_equal(c->nobjectives, 0);
    assert_null(c->objectives);
    assert_null(config_objective(c, "x"));
    assert_null(config_kr(c, "x"));
}

static const good_row_t good_rows[] = {
    {"the example", example, check_example},
    {"period forms",
     "objectives = (\n"
     "  { id = \"q\"; period = \"2026-Q4\"; },\n"
     "  { id = \"m\"; period = \"2026-11\"; },\n"
     "  { id = \"w\"; period = \"2026-W47\"; },\n"
     "  { id = \"d\"; period = \"2026-11-22\"; },\n"
     "  { id = \"y\"; period = \"2026\"; },\n"
     "  { id = \"g\"; period = { start = \"2026-10-01\"; end = \"2026-12-31\"; }; },\n"
     "  { id = \"one-day\"; period = { end = \"2026-12-31\"; start = \"2026-12-31\"; }; }\n"
     ");\n",
     check_periods},
    {"periods in local time",
     "time = { utc_offset = \"+02:00\"; };\n"
     "objectives = (\n"
     "  { id = \"q\"; period = \"2026-Q4\"; },\n"
     "  { id = \"g\"; period = { start = \"2026-10-01\"; end = \"2026-12-31\"; }; }\n"
     ");\n",
     check_periods_offset},
    {"fiscal quarters",
     KPIS
     "objectives = (\n"
     "  { id = \"fy\"; period = \"2026\"; },\n"
     "  { id = \"q1\"; period = \"2026-Q1\"; parent = \"fy\"; },\n"
     "  { id = \"q3\"; period = \"2026-Q3\"; parent = \"fy\"; },\n"
     "  { id = \"q4\"; period = \"2026-Q4\"; parent = \"fy\";\n"
     "    key_results = ( { id = \"k\"; type = \"at_least\"; kpi = \"sales.order\"; target = 1; "
     "window = \"2026-Q4\"; } ); },\n"
     "  { id = \"m\"; period = \"2026-11\"; }\n"
     ");\n"
     /* after objectives in the file: the calendar applies all the same */
     "time = { fiscal_year_start_month = 4; };\n",
     check_fiscal},
    {"child before parent",
     "objectives = (\n"
     "  { id = \"child\"; period = \"2026-Q4\"; parent = \"parent\";\n"
     "    key_results = ( { id = \"ck\"; type = \"milestone\"; } ); },\n"
     "  { id = \"parent\"; period = \"2026\";\n"
     "    key_results = ( { id = \"pk\"; type = \"milestone\"; } ); }\n"
     ");\n",
     check_child_first},
    {"a 3-level cascade written bottom-up",
     "objectives = (\n"
     "  { id = \"team\"; period = \"2026-Q4\"; parent = \"department\"; weight = 2;\n"
     "    key_results = ( { id = \"team-kr\"; type = \"milestone\"; } ); },\n"
     "  { id = \"department\"; period = \"2026-Q4\"; parent = \"company\"; weight = 0.5;\n"
     "    key_results = ( { id = \"dept-kr\"; type = \"milestone\"; } ); },\n"
     "  { id = \"company\"; period = \"2026\"; kind = \"company\";\n"
     "    key_results = ( { id = \"company-kr\"; type = \"milestone\"; } ); }\n"
     ");\n",
     check_cascade},
    {"already parents first",
     "objectives = (\n"
     "  { id = \"a\"; period = \"2026\"; },\n"
     "  { id = \"a1\"; period = \"2026\"; parent = \"a\"; },\n"
     "  { id = \"b\"; period = \"2026\"; },\n"
     "  { id = \"a2\"; period = \"2026\"; parent = \"a\"; },\n"
     "  { id = \"b1\"; period = \"2026\"; parent = \"b\"; },\n"
     "  { id = \"a11\"; period = \"2026\"; parent = \"a1\"; }\n"
     ");\n",
     check_in_order},
    {"children before parents, mixed",
     "objectives = (\n"
     "  { id = \"c1\"; period = \"2026\"; parent = \"r\"; },\n"
     "  { id = \"g\"; period = \"2026\"; parent = \"c1\"; },\n"
     "  { id = \"x\"; period = \"2026\"; },\n"
     "  { id = \"r\"; period = \"2026\"; },\n"
     "  { id = \"c2\"; period = \"2026\"; parent = \"r\"; },\n"
     "  { id = \"y\"; period = \"2026\"; }\n"
     ");\n",
     check_mixed},
    {"defaults, integers, windows",
     KPIS
     "objectives = (\n"
     "  { id = \"bare\"; period = \"2026\"; },\n"
     "  { id = \"ints\"; period = \"2026\"; weight = 0; kind = \"learning\"; key_results = (\n"
     "    { id = \"count-kr\"; type = \"decrease\"; kpi = \"sales.count\"; start = 10; target = "
     "2.5; weight = 3; },\n"
     "    { id = \"to-date\"; type = \"at_least\"; kpi = \"sales.order\"; aggregate = \"last\"; "
     "target = 1L; window = \"qtd\"; checkin_every = \"2w\"; },\n"
     "    { id = \"period-window\"; type = \"decrease\"; kpi = \"cs.response_time\"; change = "
     "\"-15%\"; window = \"2026-Q4\"; },\n"
     "    { id = \"negative\"; type = \"increase\"; source = \"manual\"; start = -5; target = "
     "-1.5; }\n"
     "  ); }\n"
     ");\n",
     check_defaults},
    {"the longest ids; objectives and key results have separate ids",
     "objectives = ( { id = \"" X200 "\"; period = \"2026\";\n"
     "  key_results = ( { id = \"" X200 "\"; type = \"milestone\"; } ); } );\n",
     check_long_ids},
    {"empty objectives", "objectives = ( );\n", check_no_objectives},
    {"objectives as an empty array", "objectives = [ ];\n", check_no_objectives},
    {"no objectives", KPIS, check_no_objectives},
};

static void test_must_load(void **state)
{
    (void)state;
    check_good_rows(good_rows, sizeof good_rows / sizeof *good_rows);
}

/* The demo configuration loads, whatever objectives it has. */
static void test_demo_config(void **state)
{
    const char *path = OKR_SOURCE_DIR "/conf/okrd.conf";
    config_t *c = must_load_file(path);
    (void)state;

    check_invariants(c);
    config_unref(&c);
}

/* ---- robustness ------------------------------------------------------- */

/* Mutated texts that still loaded, with both objectives. */
static int loaded_whole;

static void load_any(void)
{
    config_t *c;
    if (load_any_tpath(&c) == 0) {
        check_invariants(c);
        loaded_whole += c->nobjectives == 2;
        config_unref(&c);
    }
}

/* Mutations of the example: never a crash or a leak (under ASan), always
 * either a consistent config or errors. */
static void test_mutations(void **state)
{
    static const char junk[] = "{}()[];=,\"\\#/*\n\t 0123456789Lx.-+%abcz_@:";
    size_t len = strlen(example);
    char *m = malloc(len + 1);
    unsigned seed = 4242;
    (void)state;

    assert_non_null(m);
    for (size_t cut = 0; cut <= len; cut += 13) {
        write_file(tpath, example, cut);
        load_any();
    }
    for (int round = 0; round < 1500; round++) {
        memcpy(m, example, len);
        int n = 1 + (int)(rand_r(&seed) % 6);
        for (int j = 0; j < n; j++)
            m[rand_r(&seed) % len] = junk[rand_r(&seed) % (sizeof junk - 1)];
        write_file(tpath, m, len);
        load_any();
    }
    free(m);
    assert_true(loaded_whole > 50); /* the mutations also hit comments and titles */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_must_not_load),
        cmocka_unit_test(test_must_load),
        cmocka_unit_test(test_demo_config),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
