/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest agent's goals file: the shipped goals load with the values
 * they spell, every broken file in tests/goals fails with exactly the
 * message in its .err file, entities and oversize files are refused, a
 * failed load leaves the caller's goals alone, and time windows open and
 * close when they should, across midnight and the end of the week.
 *
 * The test runs from $top_srcdir (set by make check) so that paths, and
 * the messages that quote them, are the same in every build tree.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "guest-agent/goals.h"
#include "tests/unit/xml_corpus.h"
#include "tests/unit/suite_run.h"

#define SCHEMA "policies/xenplm-goals.xsd"
#define CORPUS "tests/goals"
#define SHIPPED "policies/goals"
#define U(x) PLM_UNITS(x)

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* Load a file that must be good. */
static void load_ok(const char *path, struct agent_goals *g)
{
    char err[AGENT_GOALS_ERR_MAX], want[AGENT_GOALS_ERR_MAX];
    int rc = agent_goals_load(path, SCHEMA, g, err, sizeof(err));

    ck_assert_msg(rc == 0, "%s: rc %d: %s", path, rc, err);
    snprintf(want, sizeof(want), "%s: configuration OK", path);
    ck_assert_str_eq(err, want);
}

static int load_text(const char *text, struct agent_goals *g, char *err, size_t errlen)
{
    return agent_goals_load_memory(text, strlen(text), "mem.xml", SCHEMA, g, err, errlen);
}

/* The goal called name, which must exist. */
static const struct agent_goal *goal_named(const struct agent_goals *g, const char *name)
{
    for (unsigned i = 0; i < g->ngoals; i++)
        if (strcmp(g->goal[i].name, name) == 0)
            return &g->goal[i];
    ck_abort_msg("no goal '%s'", name);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Shipped goals and the corpus                                             */

START_TEST(test_shipped_goals_load)
{
    char **names;
    size_t n = xc_list_dir(SHIPPED, "", ".xml", &names);

    ck_assert_uint_ge(n, 4);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        struct agent_goals g;
        char *text;

        snprintf(path, sizeof(path), "%s/%s", SHIPPED, names[i]);
        load_ok(path, &g);
        ck_assert_msg(g.ngoals > 0, "%s has no goals", path);
        /* Every shipped file explains itself. */
        text = xc_slurp(path);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(strstr(text, "<!--") != NULL, "%s has no comment", path);
        free(text);
    }
    xc_free_list(names, n);
}
END_TEST

START_TEST(test_default_goals)
{
    struct agent_goals g;
    const struct agent_goal *cpu, *mem;

    load_ok(SHIPPED "/default.xml", &g);
    ck_assert_uint_eq(g.ngoals, 2);
    ck_assert_uint_eq(g.nprobes, 0);
    cpu = &g.goal[0];
    ck_assert_str_eq(cpu->name, "cpu");
    ck_assert_uint_eq(cpu->priority, 1);
    ck_assert_int_eq(cpu->metric, AGENT_M_CPU_UTIL);
    ck_assert_int_eq(cpu->res, AGENT_RES_CPU);
    ck_assert_int_eq(cpu->dir, AGENT_AT_MOST);
    ck_assert_int_eq(cpu->target, U(80));
    ck_assert_uint_eq(cpu->nwindows, 0);
    mem = &g.goal[1];
    ck_assert_str_eq(mem->name, "memory");
    ck_assert_uint_eq(mem->priority, 1);
    ck_assert_int_eq(mem->metric, AGENT_M_MEM_AVAILABLE);
    ck_assert_int_eq(mem->res, AGENT_RES_MEM);
    ck_assert_int_eq(mem->dir, AGENT_AT_LEAST);
    ck_assert_int_eq(mem->target, U(256));
    ck_assert_int_eq(mem->max, -1);
    ck_assert(!g.apply_cgroups);
    ck_assert_str_eq(g.metrics_dir, "");
}
END_TEST

START_TEST(test_web_example)
{
    struct agent_goals g;
    const struct agent_goal *b, *o;

    load_ok(SHIPPED "/web.xml", &g);
    ck_assert_uint_eq(g.nprobes, 1);
    ck_assert_str_eq(g.probe[0].name, "p99");
    ck_assert_str_eq(g.probe[0].command, "/usr/local/bin/web-p99 --window 60s");
    ck_assert_str_eq(g.probe[0].file, "");
    ck_assert_uint_eq(g.probe[0].interval_ms, 10000);
    ck_assert_uint_eq(g.probe[0].timeout_ms, 2000);
    ck_assert_int_eq(g.deadband[AGENT_RES_MEM], U(64));
    ck_assert_int_eq(g.idle[AGENT_RES_CPU], U(25));
    ck_assert_int_eq(g.idle[AGENT_RES_MEM], U(1024));
    ck_assert_uint_eq(g.ngoals, 4);
    b = goal_named(&g, "latency-business");
    ck_assert_int_eq(b->metric, AGENT_M_PROBE);
    ck_assert_uint_eq(b->probe, 0);
    ck_assert_int_eq(b->res, AGENT_RES_CPU);
    ck_assert_int_eq(b->target, U(200));
    ck_assert_int_eq(b->margin, U(80));
    ck_assert_int_eq(b->min, U(50));
    ck_assert_int_eq(b->max, U(400));
    ck_assert_str_eq(b->workload, "system.slice/app.service");
    ck_assert_uint_eq(b->nwindows, 1);
    ck_assert_uint_eq(b->window[0].days, 0x3e); /* mon..fri */
    ck_assert_uint_eq(b->window[0].from_min, 8 * 60);
    ck_assert_uint_eq(b->window[0].to_min, 20 * 60);
    o = goal_named(&g, "latency-other");
    ck_assert_uint_eq(o->priority, 2);
    ck_assert_uint_eq(o->nwindows, 2);
    ck_assert_uint_eq(o->window[0].from_min, 20 * 60);
    ck_assert_uint_eq(o->window[0].to_min, 8 * 60);
    ck_assert_uint_eq(o->window[1].days, 0x41); /* sat, sun */
    ck_assert_uint_eq(o->window[1].from_min, 0);
    ck_assert_uint_eq(o->window[1].to_min, 0);
    ck_assert_int_eq(goal_named(&g, "cpu-headroom")->target, U(70));
}
END_TEST

START_TEST(test_database_and_batch_examples)
{
    struct agent_goals g;
    const struct agent_goal *q, *n;

    load_ok(SHIPPED "/database.xml", &g);
    ck_assert_uint_eq(g.heartbeat_ms, 120000);
    ck_assert_str_eq(g.probe[0].file, "/run/postgresql/queued-queries");
    ck_assert_str_eq(g.probe[0].command, "");
    ck_assert_uint_eq(g.probe[0].timeout_ms, 0);
    ck_assert_uint_eq(g.probe[0].interval_ms, 5000);
    ck_assert_int_eq(goal_named(&g, "cache")->min, U(4096));
    ck_assert_int_eq(goal_named(&g, "no-swap")->metric, AGENT_M_SWAPIN);
    ck_assert_int_eq(goal_named(&g, "no-swap")->res, AGENT_RES_MEM);
    q = goal_named(&g, "queries");
    ck_assert_uint_eq(q->priority, 2);
    ck_assert_int_eq(q->target, U(8));
    ck_assert_int_eq(q->margin, U(2));
    ck_assert_int_eq(goal_named(&g, "cpu-pressure")->res, AGENT_RES_CPU);

    load_ok(SHIPPED "/batch.xml", &g);
    ck_assert(g.apply_cgroups);
    ck_assert_uint_eq(g.interval_ms, 10000);
    ck_assert_uint_eq(g.heartbeat_ms, 300000);
    ck_assert_uint_eq(g.probe[0].timeout_ms, 5000);
    n = goal_named(&g, "nightly-run");
    ck_assert_int_eq(n->metric, AGENT_M_RUNQUEUE);
    ck_assert_int_eq(n->target, 1500);
    ck_assert_int_eq(n->margin, 250);
    ck_assert_uint_eq(n->window[0].days, 0x7f);
    ck_assert_uint_eq(n->window[0].from_min, 22 * 60);
    ck_assert_uint_eq(n->window[0].to_min, 6 * 60);
    ck_assert_uint_eq(goal_named(&g, "daytime-shell")->priority, 5);
}
END_TEST

static int load_bad(const char *path, char *err, size_t errlen)
{
    struct agent_goals g;

    return agent_goals_load(path, SCHEMA, &g, err, errlen);
}

START_TEST(test_corpus_bad_files)
{
    /* Schema, lexical, semantic and hostile input. */
    xc_check_bad_files(CORPUS, 60, load_bad, AGENT_GOALS_ERR_MAX);
}
END_TEST

START_TEST(test_corpus_every_err_has_a_file)
{
    xc_check_every_err_has_a_file(CORPUS, 60, "goals");
}
END_TEST

START_TEST(test_error_codes)
{
    static const struct {
        const char *file;
        int rc;
    } cases[] = {
        {"bad-not-well-formed.xml", PLM_EGRAMMAR}, {"bad-xxe.xml", PLM_EGRAMMAR},
        {"bad-metric.xml", PLM_EGRAMMAR},          {"bad-root.xml", PLM_EGRAMMAR},
        {"bad-direction-cpu.xml", PLM_EINVAL},     {"bad-probe-undeclared.xml", PLM_EINVAL},
        {"bad-too-many-goals.xml", PLM_EINVAL},    {"bad-workload-dotdot.xml", PLM_EINVAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[512];
        struct agent_goals g;
        snprintf(path, sizeof(path), "%s/%s", CORPUS, cases[i].file);
        ck_assert_msg(agent_goals_load(path, SCHEMA, &g, NULL, 0) == cases[i].rc, "%s", path);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Values                                                                   */

START_TEST(test_defaults)
{
    struct agent_goals g, init;

    load_ok(CORPUS "/ok-minimal.xml", &g);
    ck_assert_uint_eq(g.interval_ms, 5000);
    ck_assert_uint_eq(g.heartbeat_ms, 60000);
    ck_assert_int_eq(g.deadband[AGENT_RES_CPU], U(10));
    ck_assert_int_eq(g.deadband[AGENT_RES_MEM], U(32));
    ck_assert_int_eq(g.idle[AGENT_RES_CPU], U(10));
    ck_assert_int_eq(g.idle[AGENT_RES_MEM], U(512));
    ck_assert(!g.apply_cgroups);
    ck_assert_uint_eq(g.nprobes, 0);
    ck_assert_uint_eq(g.ngoals, 0);
    /* The same as agent_goals_init, byte for byte. */
    agent_goals_init(&init);
    ck_assert_int_eq(memcmp(&g, &init, sizeof(g)), 0);
}
END_TEST

START_TEST(test_full_values)
{
    struct agent_goals g;
    const struct agent_goal *w, *q, *s;

    load_ok(CORPUS "/ok-full.xml", &g);
    ck_assert_uint_eq(g.interval_ms, 2000);
    ck_assert_uint_eq(g.heartbeat_ms, 180000);
    ck_assert(g.apply_cgroups);
    ck_assert_int_eq(g.deadband[AGENT_RES_CPU], 2500);
    ck_assert_int_eq(g.deadband[AGENT_RES_MEM], U(16));
    ck_assert_int_eq(g.idle[AGENT_RES_CPU], 125);
    ck_assert_int_eq(g.idle[AGENT_RES_MEM], U(300));
    ck_assert_str_eq(g.metrics_dir, "/var/lib/prometheus/node-exporter");

    ck_assert_uint_eq(g.nprobes, 3);
    ck_assert_str_eq(g.probe[0].command, "/usr/local/bin/web-p99 --since 1m");
    ck_assert_uint_eq(g.probe[0].interval_ms, 10000);
    ck_assert_uint_eq(g.probe[0].timeout_ms, 1500);
    ck_assert_str_eq(g.probe[1].name, "queue");
    ck_assert_str_eq(g.probe[1].file, "/run/app/queue-length");
    ck_assert_uint_eq(g.probe[1].interval_ms, 60000);
    ck_assert_uint_eq(g.probe[1].timeout_ms, 0);
    /* A command's default timeout: half its interval, at most 10s. */
    ck_assert_uint_eq(g.probe[2].interval_ms, 3600000);
    ck_assert_uint_eq(g.probe[2].timeout_ms, 10000);

    ck_assert_uint_eq(g.ngoals, 8);
    w = &g.goal[0];
    ck_assert_str_eq(w->name, "web-latency");
    ck_assert_uint_eq(w->line, 12); /* libxml2 counts the line a start tag ends on */
    ck_assert_uint_eq(w->priority, 1);
    ck_assert_int_eq(w->res, AGENT_RES_CPU);
    ck_assert_int_eq(w->metric, AGENT_M_PROBE);
    ck_assert_uint_eq(w->probe, 0);
    ck_assert_int_eq(w->dir, AGENT_AT_MOST);
    ck_assert_int_eq(w->target, U(200));
    ck_assert_int_eq(w->margin, 25500);
    ck_assert_int_eq(w->min, U(50));
    ck_assert_int_eq(w->max, U(400));
    ck_assert_str_eq(w->workload, "system.slice/nginx.service");
    ck_assert_uint_eq(w->nwindows, 3);
    ck_assert_uint_eq(w->window[0].days, 0x3e);
    ck_assert_uint_eq(w->window[0].from_min, 480);
    ck_assert_uint_eq(w->window[0].to_min, 1200);
    ck_assert_uint_eq(w->window[1].days, 0x63); /* fri, sat, sun, mon: wraps round the week */
    ck_assert_uint_eq(w->window[1].from_min, 22 * 60 + 30);
    ck_assert_uint_eq(w->window[1].to_min, 6 * 60 + 15);
    ck_assert_uint_eq(w->window[2].days, 0x41);

    q = &g.goal[1];
    ck_assert_str_eq(q->name, "queue.len_2");
    ck_assert_uint_eq(q->priority, AGENT_MAX_PRIORITY);
    ck_assert_int_eq(q->res, AGENT_RES_MEM);
    ck_assert_uint_eq(q->probe, 1);
    ck_assert_int_eq(q->dir, AGENT_AT_LEAST);
    ck_assert_int_eq(q->target, 1);
    ck_assert_int_eq(q->margin, 0);
    ck_assert_int_eq(q->min, 0);
    ck_assert_int_eq(q->max, -1);
    ck_assert_str_eq(q->workload, "");
    ck_assert_uint_eq(q->nwindows, 0);

    ck_assert_int_eq(goal_named(&g, "cpu")->target, U(100));
    ck_assert_int_eq(goal_named(&g, "cpu-psi")->metric, AGENT_M_CPU_PRESSURE);
    ck_assert_int_eq(goal_named(&g, "cpu-psi")->target, 12500);
    ck_assert_int_eq(goal_named(&g, "rq")->res, AGENT_RES_CPU);
    ck_assert_int_eq(goal_named(&g, "avail")->res, AGENT_RES_MEM);
    ck_assert_int_eq(goal_named(&g, "avail")->min, U(1024));
    ck_assert_int_eq(goal_named(&g, "mem-psi")->target, 500);
    s = goal_named(&g, "swap");
    ck_assert_int_eq(s->target, 0);
    ck_assert_int_eq(s->max, U(8192));
    ck_assert_str_eq(s->workload, "a/b@c.service/d\\x2de");
    ck_assert_uint_eq(s->window[0].days, 0x7f);
    ck_assert_uint_eq(s->window[0].from_min, s->window[0].to_min);
}
END_TEST

START_TEST(test_lexical_freedom)
{
    struct agent_goals g;

    load_ok(CORPUS "/ok-lexical.xml", &g);
    ck_assert_uint_eq(g.interval_ms, 5000);
    ck_assert_str_eq(g.probe[0].name, "a-b");
    ck_assert_str_eq(g.probe[0].file, "/run/a&b");
    ck_assert_uint_eq(g.goal[0].priority, 3);
    ck_assert_int_eq(g.goal[0].target, 1500);
    ck_assert_int_eq(g.goal[0].res, AGENT_RES_MEM);
    ck_assert_uint_eq(g.goal[0].window[0].days, 0x41);
    ck_assert_uint_eq(g.goal[0].window[0].from_min, 9 * 60 + 5);
    ck_assert_uint_eq(g.goal[0].window[0].to_min, 17 * 60 + 30);
}
END_TEST

START_TEST(test_durations_and_days)
{
    static const struct {
        const char *agent, *days;
        uint32_t interval_ms;
        uint8_t bits;
    } cases[] = {
        {"interval=\"1s\"", "sun", 1000, 0x01},
        {"interval=\"2m\"", "sat", 120000, 0x40}, /* the heartbeat follows: 2min */
        {"interval=\"10min\"", "mon,wed-fri", 600000, 0x3a},
        {"interval=\"1500ms\"", "sat-sun", 1500, 0x41},
        {"interval=\"5s\" heartbeat=\"5s\"", "sun-sat", 5000, 0x7f},
        {"interval=\"5s\"", "wed-tue", 5000, 0x7f},
        {"interval=\"5s\"", "tue-tue", 5000, 0x04},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[1024], err[AGENT_GOALS_ERR_MAX];
        struct agent_goals g;
        snprintf(text, sizeof(text),
                 "<xenplm-goals version=\"1\"><agent %s/>"
                 "<goal name=\"a\" priority=\"1\" metric=\"cpu-util\" le=\"50\">"
                 "<window days=\"%s\"/></goal></xenplm-goals>",
                 cases[i].agent, cases[i].days);
        ck_assert_msg(load_text(text, &g, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(g.interval_ms, cases[i].interval_ms);
        ck_assert_uint_eq(g.heartbeat_ms, cases[i].interval_ms > 60000 ? cases[i].interval_ms
                                          : strstr(cases[i].agent, "heartbeat") ? 5000
                                                                                : 60000);
        ck_assert_msg(g.goal[0].window[0].days == cases[i].bits, "%s: %#x", cases[i].days,
                      g.goal[0].window[0].days);
    }
}
END_TEST

/*
 * The goals share the one duration grammar (src/common/duration.h): a
 * day is a duration like any other, so "1d" is refused for its range,
 * not as if it were not a duration at all.
 */
START_TEST(test_duration_days_are_durations)
{
    char err[AGENT_GOALS_ERR_MAX];
    struct agent_goals g;
    static const char text[] = "<xenplm-goals version=\"1\"><agent heartbeat=\"1d\"/>"
                               "</xenplm-goals>";

    ck_assert_int_ne(load_text(text, &g, err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "heartbeat") && !strstr(err, "expected a duration"), "%s", err);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(agent_metric_name(AGENT_M_CPU_UTIL), "cpu-util");
    ck_assert_str_eq(agent_metric_name(AGENT_M_CPU_PRESSURE), "cpu-pressure");
    ck_assert_str_eq(agent_metric_name(AGENT_M_RUNQUEUE), "runqueue");
    ck_assert_str_eq(agent_metric_name(AGENT_M_MEM_AVAILABLE), "mem-available");
    ck_assert_str_eq(agent_metric_name(AGENT_M_MEM_PRESSURE), "mem-pressure");
    ck_assert_str_eq(agent_metric_name(AGENT_M_SWAPIN), "swap-in");
    ck_assert_str_eq(agent_metric_name(AGENT_M_PROBE), "probe");
    ck_assert_ptr_null(agent_metric_name((enum agent_metric)AGENT_NMETRICS));
    ck_assert_ptr_null(agent_metric_name((enum agent_metric) - 1));
    ck_assert_str_eq(agent_resource_name(AGENT_RES_CPU), "cpu");
    ck_assert_str_eq(agent_resource_name(AGENT_RES_MEM), "mem");
    ck_assert_ptr_null(agent_resource_name((enum agent_resource)AGENT_NRES));
    const char *schema = agent_goals_default_schema();
    size_t len = strlen(schema);
    ck_assert(schema[0] == '/');
    ck_assert(len > 17 && strcmp(schema + len - 17, "/xenplm-goals.xsd") == 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Hostile input, unreadable files                                          */

START_TEST(test_external_entity_refused)
{
    static const char xxe[] = "<?xml version=\"1.0\"?>\n"
                              "<!DOCTYPE x [<!ENTITY s SYSTEM \"file:///etc/passwd\">]>\n"
                              "<xenplm-goals version=\"1\"><probe name=\"p\" command=\"&s;\"/>"
                              "</xenplm-goals>\n";
    static const char param[] = "<?xml version=\"1.0\"?>\n"
                                "<!DOCTYPE x [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n"
                                "<xenplm-goals version=\"1\"/>\n";
    static const char external[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE xenplm-goals SYSTEM \"http://example.invalid/g.dtd\">\n"
        "<xenplm-goals version=\"1\"/>\n";
    struct agent_goals g;
    char err[AGENT_GOALS_ERR_MAX];

    ck_assert_int_eq(load_text(xxe, &g, err, sizeof(err)), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "mem.xml:2: document type declarations (<!DOCTYPE>) are not allowed");
    ck_assert_int_eq(load_text(param, &g, err, sizeof(err)), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "mem.xml:2: document type declarations (<!DOCTYPE>) are not allowed");
    ck_assert_int_eq(load_text(external, &g, err, sizeof(err)), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "mem.xml:2: document type declarations (<!DOCTYPE>) are not allowed");
}
END_TEST

/*
 * Issue 10 #4: 23,000 attributes on one element, under the size limit,
 * took libxml2 3.3 s (its duplicate check is quadratic).  Refused now
 * before parsing, at once, naming the line; 64 are left to the parser.
 */
START_TEST(test_many_attributes_refused)
{
    static const char head[] = "<?xml version=\"1.0\"?>\n<xenplm-goals version=\"1\"";
    struct agent_goals g;
    char err[AGENT_GOALS_ERR_MAX];
    size_t cap = AGENT_GOALS_MAX_FILE;
    char *buf = malloc(cap);
    struct timespec t0, t1;

    ck_assert_ptr_nonnull(buf);
    static const int counts[] = {63, 64, 23000}; /* and version="1" */

    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        int n = counts[k];
        size_t off = (size_t)snprintf(buf, cap, "%s", head);
        for (int i = 0; i < n; i++)
            off += (size_t)snprintf(buf + off, cap - off, " a%d=\"1\"", i);
        off += (size_t)snprintf(buf + off, cap - off, "/>\n");
        ck_assert_uint_lt(off, AGENT_GOALS_MAX_FILE);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = agent_goals_load_memory(buf, off, "mem.xml", SCHEMA, &g, err, sizeof(err));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (n == 63) {
            ck_assert_int_eq(rc, PLM_EGRAMMAR);
            ck_assert_msg(strstr(err, "attribute 'a0' is not allowed") != NULL, "%s", err);
        } else {
            ck_assert_int_eq(rc, PLM_ERANGE);
            ck_assert_str_eq(err, "mem.xml:2: more than 64 attributes on one element: refused "
                                  "before parsing");
            ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
        }
    }
    free(buf);
}
END_TEST

/* Without --schema, the schema built into the program: no file is read. */
START_TEST(test_builtin_schema)
{
    struct agent_goals g;
    char err[AGENT_GOALS_ERR_MAX];

    ck_assert_int_eq(agent_goals_load(SHIPPED "/default.xml", NULL, &g, err, sizeof(err)), 0);
    ck_assert_str_eq(err, SHIPPED "/default.xml: configuration OK");
    ck_assert_int_eq(
        agent_goals_load_memory("<xenplm-goals/>", 15, "mem.xml", NULL, &g, err, sizeof(err)),
        PLM_EGRAMMAR);
    ck_assert_str_eq(err, "mem.xml:1: element 'xenplm-goals': the attribute 'version' is required "
                          "but missing");
}
END_TEST

START_TEST(test_oversize_memory)
{
    struct agent_goals g;
    char err[AGENT_GOALS_ERR_MAX];
    char *big = malloc(AGENT_GOALS_MAX_FILE + 1);

    ck_assert_ptr_nonnull(big);
    memset(big, ' ', AGENT_GOALS_MAX_FILE + 1);
    ck_assert_int_eq(agent_goals_load_memory(big, AGENT_GOALS_MAX_FILE + 1, "big.xml", SCHEMA, &g,
                                             err, sizeof(err)),
                     PLM_ERANGE);
    ck_assert_str_eq(err, "big.xml: larger than 262144 bytes");
    free(big);
}
END_TEST

START_TEST(test_oversize_file)
{
    char path[] = "/tmp/check_agent_goals.XXXXXX";
    char err[AGENT_GOALS_ERR_MAX], want[AGENT_GOALS_ERR_MAX];
    struct agent_goals g;
    int fd = mkstemp(path);

    ck_assert_int_ge(fd, 0);
    close(fd);
    xc_write_padded(path, "xenplm-goals", AGENT_GOALS_MAX_FILE);
    ck_assert_int_eq(agent_goals_load(path, SCHEMA, &g, err, sizeof(err)), 0);
    xc_write_padded(path, "xenplm-goals", AGENT_GOALS_MAX_FILE + 1);
    ck_assert_int_eq(agent_goals_load(path, SCHEMA, &g, err, sizeof(err)), PLM_ERANGE);
    snprintf(want, sizeof(want), "%s: larger than 262144 bytes", path);
    ck_assert_str_eq(err, want);
    unlink(path);
}
END_TEST

START_TEST(test_no_libxml2_output)
{
    static const char *const files[] = {
        CORPUS "/bad-xxe.xml",
        CORPUS "/bad-billion-laughs.xml",
        CORPUS "/bad-not-well-formed.xml",
        CORPUS "/bad-metric.xml",
        CORPUS "/bad-empty.xml",
        CORPUS "/bad-undeclared-entity.xml",
        CORPUS "/bad-xinclude.xml",
    };

    xc_check_quiet(files, sizeof(files) / sizeof(files[0]), load_bad, AGENT_GOALS_ERR_MAX);
}
END_TEST

START_TEST(test_unreadable)
{
    struct agent_goals g;
    char err[AGENT_GOALS_ERR_MAX];

    ck_assert_int_eq(agent_goals_load(CORPUS "/no-such.xml", SCHEMA, &g, err, sizeof(err)),
                     PLM_EIO);
    ck_assert_str_eq(err, CORPUS "/no-such.xml: cannot open: No such file or directory");
    ck_assert_int_eq(agent_goals_load(CORPUS, SCHEMA, &g, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, CORPUS ": not a regular file");
    /* A bad schema is named as such, not blamed on the goals. */
    ck_assert_int_eq(agent_goals_load(SHIPPED "/default.xml", "no-such.xsd", &g, err, sizeof(err)),
                     PLM_EIO);
    ck_assert_str_eq(err, "no-such.xsd: schema given by --schema: cannot open: No such file or "
                          "directory");
    ck_assert_int_eq(
        agent_goals_load(SHIPPED "/default.xml", SHIPPED "/web.xml", &g, err, sizeof(err)),
        PLM_EGRAMMAR);
    ck_assert_msg(strncmp(err, SHIPPED "/web.xml:", strlen(SHIPPED) + 9) == 0, "%s", err);
}
END_TEST

START_TEST(test_error_buffer)
{
    struct agent_goals g;
    char err[8];

    ck_assert_int_eq(agent_goals_load(CORPUS "/bad-metric.xml", SCHEMA, &g, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_str_eq(err, "tests/g");
    ck_assert_int_eq(agent_goals_load_memory("<x", 2, NULL, SCHEMA, &g, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_str_eq(err, "(memory");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The last good goals stay                                                 */

START_TEST(test_failure_leaves_goals_alone)
{
    static const char *const bad[] = {
        CORPUS "/bad-probe-undeclared.xml", CORPUS "/bad-too-many-windows.xml",
        CORPUS "/bad-duplicate-goal.xml",   CORPUS "/bad-xxe.xml",
        CORPUS "/bad-metric.xml",           CORPUS "/no-such.xml",
    };
    struct agent_goals cur, before;
    char err[AGENT_GOALS_ERR_MAX];

    /* Garbage the loader would have overwritten had it written anything. */
    memset(&cur, 0xa5, sizeof(cur));
    before = cur;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_lt(agent_goals_load(bad[i], SCHEMA, &cur, err, sizeof(err)), 0);
        ck_assert_msg(memcmp(&cur, &before, sizeof(cur)) == 0, "%s wrote its output", bad[i]);
    }
    /* Good goals, then a bad file: the good ones stay in force. */
    load_ok(SHIPPED "/web.xml", &cur);
    before = cur;
    ck_assert_int_lt(
        agent_goals_load(CORPUS "/bad-min-above-max.xml", SCHEMA, &cur, err, sizeof(err)), 0);
    ck_assert_int_eq(memcmp(&cur, &before, sizeof(cur)), 0);
    ck_assert_int_lt(
        load_text("<xenplm-goals version=\"1\"><goal/></xenplm-goals>", &cur, err, sizeof(err)), 0);
    ck_assert_int_eq(memcmp(&cur, &before, sizeof(cur)), 0);
    /* And a good file replaces them. */
    load_ok(SHIPPED "/database.xml", &cur);
    ck_assert_str_eq(cur.goal[0].name, "cache");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Windows                                                                  */

/* Monday 2024-01-01 was a Monday: day d of that week at hh:mm. */
static struct tm at(int wday, int hh, int mm)
{
    struct tm t;
    memset(&t, 0, sizeof(t));
    t.tm_year = 124;
    t.tm_wday = wday;
    t.tm_mday = wday == 0 ? 7 : wday;
    t.tm_hour = hh;
    t.tm_min = mm;
    return t;
}

enum { SUN, MON, TUE, WED, THU, FRI, SAT };

static bool active(const struct agent_goal *g, int wday, int hh, int mm)
{
    struct tm t = at(wday, hh, mm);
    return agent_goal_active(g, &t);
}

static struct agent_goal one_window(uint8_t days, int from, int to)
{
    struct agent_goal g;
    memset(&g, 0, sizeof(g));
    g.nwindows = 1;
    g.window[0].days = days;
    g.window[0].from_min = (uint16_t)from;
    g.window[0].to_min = (uint16_t)to;
    return g;
}

START_TEST(test_window_always)
{
    struct agent_goal g;

    memset(&g, 0, sizeof(g));
    for (int d = SUN; d <= SAT; d++)
        ck_assert(active(&g, d, 3, 17));
    ck_assert(agent_goal_active(&g, NULL));
}
END_TEST

START_TEST(test_window_same_day)
{
    /* mon-fri 08:00-20:00 */
    struct agent_goal g = one_window(0x3e, 8 * 60, 20 * 60);

    ck_assert(!active(&g, MON, 7, 59));
    ck_assert(active(&g, MON, 8, 0)); /* from is inclusive */
    ck_assert(active(&g, WED, 12, 0));
    ck_assert(active(&g, FRI, 19, 59));
    ck_assert(!active(&g, FRI, 20, 0)); /* to is exclusive */
    ck_assert(!active(&g, SAT, 12, 0));
    ck_assert(!active(&g, SUN, 12, 0));
    ck_assert(!active(&g, TUE, 0, 0));
    ck_assert(!active(&g, TUE, 23, 59));
}
END_TEST

START_TEST(test_window_whole_day)
{
    /* sat,sun, from == to */
    struct agent_goal g = one_window(0x41, 0, 0);
    struct agent_goal noon = one_window(0x41, 12 * 60, 12 * 60);

    ck_assert(!active(&g, FRI, 23, 59));
    ck_assert(active(&g, SAT, 0, 0));
    ck_assert(active(&g, SAT, 23, 59));
    ck_assert(active(&g, SUN, 12, 0));
    ck_assert(active(&g, SUN, 23, 59));
    ck_assert(!active(&g, MON, 0, 0));
    /* from == to at any hour: still the whole day, not an empty window. */
    ck_assert(active(&noon, SAT, 11, 59));
    ck_assert(active(&noon, SUN, 0, 0));
    ck_assert(!active(&noon, MON, 12, 0));
}
END_TEST

START_TEST(test_window_past_midnight)
{
    /* mon-fri 22:00-06:00: Monday night to Saturday morning. */
    struct agent_goal g = one_window(0x3e, 22 * 60, 6 * 60);

    ck_assert(!active(&g, MON, 5, 59)); /* Sunday night is not in it */
    ck_assert(!active(&g, MON, 21, 59));
    ck_assert(active(&g, MON, 22, 0));
    ck_assert(active(&g, MON, 23, 59));
    ck_assert(active(&g, TUE, 0, 0)); /* the morning after Monday */
    ck_assert(active(&g, TUE, 5, 59));
    ck_assert(!active(&g, TUE, 6, 0));
    ck_assert(!active(&g, TUE, 12, 0));
    ck_assert(active(&g, FRI, 23, 0));
    ck_assert(active(&g, SAT, 3, 0)); /* Friday's window runs into Saturday */
    ck_assert(!active(&g, SAT, 6, 0));
    ck_assert(!active(&g, SAT, 22, 0)); /* Saturday's own evening is not listed */
    ck_assert(!active(&g, SUN, 3, 0));
    ck_assert(!active(&g, SUN, 23, 0));
}
END_TEST

START_TEST(test_window_week_boundary)
{
    /* sat 20:00-02:00 runs into Sunday; sun 23:00-01:00 into Monday. */
    struct agent_goal sat = one_window(0x40, 20 * 60, 2 * 60);
    struct agent_goal sun = one_window(0x01, 23 * 60, 1 * 60);

    ck_assert(active(&sat, SAT, 20, 0));
    ck_assert(active(&sat, SUN, 1, 59));
    ck_assert(!active(&sat, SUN, 2, 0));
    ck_assert(!active(&sat, SAT, 1, 0)); /* Saturday morning belongs to Friday */
    ck_assert(active(&sun, SUN, 23, 30));
    ck_assert(active(&sun, MON, 0, 30));
    ck_assert(!active(&sun, MON, 23, 30));
    ck_assert(!active(&sun, SUN, 0, 30)); /* that would be Saturday's */
}
END_TEST

START_TEST(test_window_several)
{
    /* Loaded from text: weekday evenings past midnight, and all weekend. */
    static const char text[] = "<xenplm-goals version=\"1\">\n"
                               "<goal name=\"g\" priority=\"2\" metric=\"runqueue\" le=\"2\">\n"
                               "  <window days=\"mon-fri\" from=\"20:00\" to=\"08:00\"/>\n"
                               "  <window days=\"sat,sun\"/>\n"
                               "</goal>\n"
                               "</xenplm-goals>\n";
    struct agent_goals gs;
    char err[AGENT_GOALS_ERR_MAX];
    const struct agent_goal *g;

    ck_assert_msg(load_text(text, &gs, err, sizeof(err)) == 0, "%s", err);
    g = &gs.goal[0];
    ck_assert(!active(g, MON, 7, 0)); /* Sunday evening's is not listed, weekend ended */
    ck_assert(active(g, MON, 20, 0));
    ck_assert(active(g, TUE, 7, 59));
    ck_assert(!active(g, TUE, 8, 0));
    ck_assert(!active(g, FRI, 19, 59));
    ck_assert(active(g, FRI, 20, 0));
    ck_assert(active(g, SAT, 9, 0)); /* Friday's runs till 08:00, then the weekend */
    ck_assert(active(g, SUN, 23, 59));
}
END_TEST

START_TEST(test_window_odd_times)
{
    struct agent_goal g = one_window(0x02, 8 * 60, 9 * 60);
    struct tm t = at(MON, 12, 0);

    /* A time that cannot be placed keeps the goal in force. */
    t.tm_wday = 7;
    ck_assert(agent_goal_active(&g, &t));
    t = at(MON, 24, 0);
    ck_assert(agent_goal_active(&g, &t));
    t = at(MON, 8, -1);
    ck_assert(agent_goal_active(&g, &t));
    ck_assert(agent_goal_active(&g, NULL));
    ck_assert(!active(&g, MON, 12, 0));
}
END_TEST

int main(void)
{
    const char *top = getenv("top_srcdir");

    if (chdir(top && *top ? top : ".") != 0) {
        perror("check_agent_goals: chdir $top_srcdir");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("agent_goals");
    TCase *files = tcase_create("files");
    TCase *values = tcase_create("values");
    TCase *hostile = tcase_create("hostile");
    TCase *windows = tcase_create("windows");
    /* Loading the schema for every corpus file takes a moment under valgrind. */
    tcase_set_timeout(files, 120);
    tcase_set_timeout(values, 60);
    tcase_set_timeout(hostile, 120);
    tcase_add_test(files, test_shipped_goals_load);
    tcase_add_test(files, test_default_goals);
    tcase_add_test(files, test_web_example);
    tcase_add_test(files, test_database_and_batch_examples);
    tcase_add_test(files, test_corpus_bad_files);
    tcase_add_test(files, test_corpus_every_err_has_a_file);
    tcase_add_test(files, test_error_codes);
    tcase_add_test(values, test_defaults);
    tcase_add_test(values, test_full_values);
    tcase_add_test(values, test_lexical_freedom);
    tcase_add_test(values, test_durations_and_days);
    tcase_add_test(values, test_duration_days_are_durations);
    tcase_add_test(values, test_names);
    tcase_add_test(hostile, test_external_entity_refused);
    tcase_add_test(hostile, test_oversize_memory);
    tcase_add_test(hostile, test_many_attributes_refused);
    tcase_add_test(hostile, test_builtin_schema);
    tcase_add_test(hostile, test_oversize_file);
    tcase_add_test(hostile, test_no_libxml2_output);
    tcase_add_test(hostile, test_unreadable);
    tcase_add_test(hostile, test_error_buffer);
    tcase_add_test(hostile, test_failure_leaves_goals_alone);
    tcase_add_test(windows, test_window_always);
    tcase_add_test(windows, test_window_same_day);
    tcase_add_test(windows, test_window_whole_day);
    tcase_add_test(windows, test_window_past_midnight);
    tcase_add_test(windows, test_window_week_boundary);
    tcase_add_test(windows, test_window_several);
    tcase_add_test(windows, test_window_odd_times);
    suite_add_tcase(s, files);
    suite_add_tcase(s, values);
    suite_add_tcase(s, hostile);
    suite_add_tcase(s, windows);
    int rc = check_run(s);

    agent_goals_cleanup();
    return rc;
}
