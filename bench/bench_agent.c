/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_agent: what xenplm-agent costs the guest it runs in.
 *
 * One period of the agent reads its /proc and /sys files, derives the
 * metrics, runs the probes that are due, steps the controller and decides
 * whether to publish.  The table gives the CPU time of each part, per
 * period, on the recorded busy guest (tests/fixtures/agent/busy) and on
 * this machine's live /proc, and the whole period with the shipped
 * default goals and with 32 goals (the most a goals file may hold); then
 * what that costs at the default 5-second interval, a command probe's
 * fork and exec, and the resident memory.
 *
 * Nothing is written anywhere: the periods run as a dry run (no xenstore),
 * which leaves out two xenstore reads and, now and then, one write per
 * period.  Not a test: a missed goal is reported in the table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_machine.h"
#include "common/log.h"
#include "core/error.h"
#include "guest-agent/agent.h"

#ifndef XENPLM_SRCDIR
#define XENPLM_SRCDIR "."
#endif

/* The goals: one period under a millisecond, under 0.05 % of one CPU at
 * the default interval, and a few MiB resident. */
#define GOAL_PERIOD_US 1000.0
#define GOAL_IDLE_PCT 0.05
#define GOAL_RSS_KIB (6 * 1024)
#define INTERVAL_S 5.0

struct cfg {
    unsigned runs; /* timed repetitions of each row */
};

static double per_run_us(double t0, unsigned runs)
{
    return (bench_cpu_ns() - t0) / runs / 1e3;
}

static void fail(const char *what, const char *err)
{
    fprintf(stderr, "bench_agent: %s: %s\n", what, err);
    exit(1);
}

static void read_snapshot(const char *root, struct agent_snapshot *s)
{
    char err[AGENT_ERR_MAX];

    if (agent_snapshot_read(root, s, err, sizeof(err)) != 0)
        fail(root, err);
}

/* The shipped default goals, and a file's worth of 32 goals. */
static void load_goals(struct agent_goals *g, const char *file)
{
    char path[1024], xsd[1024], err[AGENT_GOALS_ERR_MAX];

    snprintf(path, sizeof(path), "%s/policies/goals/%s", XENPLM_SRCDIR, file);
    snprintf(xsd, sizeof(xsd), "%s/policies/xenplm-goals.xsd", XENPLM_SRCDIR);
    if (agent_goals_load(path, xsd, g, err, sizeof(err)) != 0)
        fail(path, err);
}

static void many_goals(struct agent_goals *g)
{
    static const enum agent_metric metric[] = {AGENT_M_CPU_UTIL,     AGENT_M_CPU_PRESSURE,
                                               AGENT_M_RUNQUEUE,     AGENT_M_MEM_AVAILABLE,
                                               AGENT_M_MEM_PRESSURE, AGENT_M_SWAPIN};

    agent_goals_init(g);
    for (unsigned i = 0; i < AGENT_MAX_GOALS; i++) {
        struct agent_goal *goal = &g->goal[i];
        enum agent_metric m = metric[i % 6];

        snprintf(goal->name, sizeof(goal->name), "g%u", i);
        goal->priority = 1 + i % AGENT_MAX_PRIORITY;
        goal->metric = m;
        goal->res = (m == AGENT_M_MEM_AVAILABLE || m == AGENT_M_MEM_PRESSURE || m == AGENT_M_SWAPIN)
                        ? AGENT_RES_MEM
                        : AGENT_RES_CPU;
        goal->dir = m == AGENT_M_MEM_AVAILABLE ? AGENT_AT_LEAST : AGENT_AT_MOST;
        goal->target = m == AGENT_M_MEM_AVAILABLE ? PLM_UNITS(256) : PLM_UNITS(50);
        goal->max = -1;
        snprintf(goal->workload, sizeof(goal->workload), "w%u.slice", i % 4);
    }
    g->ngoals = AGENT_MAX_GOALS;
}

/* Whole periods over two alternating snapshots, as the agent runs them. */
static double period_us(const char *root, const struct agent_goals *g, unsigned runs)
{
    static struct agent_snapshot snap[2];
    static struct agent a;
    struct agent_metrics m;
    struct tm now;
    time_t t = time(NULL);
    double t0;

    localtime_r(&t, &now);
    agent_init(&a, g, NULL, root, true);
    read_snapshot(root, &snap[0]);
    t0 = bench_cpu_ns();
    for (unsigned i = 0; i < runs; i++) {
        unsigned cur = (i + 1) & 1;
        read_snapshot(root, &snap[cur]);
        agent_metrics_derive(&snap[cur ^ 1], &snap[cur], &m);
        if (agent_period(&a, &m, &now, (uint64_t)i * 5000) < 0)
            fail(root, "agent_period failed");
    }
    return per_run_us(t0, runs);
}

static void row(const char *what, double us)
{
    printf("  %-46s %10.1f\n", what, us);
}

int main(int argc, char **argv)
{
    struct cfg cfg = {.runs = 2000};
    static struct agent_snapshot s0, s1;
    static struct agent_goals def, many;
    struct agent_metrics m;
    char busy0[1024], busy1[1024];
    struct agent_probe probe;
    uint64_t rss = 0, hwm = 0;
    double t0, live_default, idle_pct;
    plm_amt_t v;
    char err[160];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg.runs = 200;
        } else {
            fprintf(stderr, "usage: bench_agent [--quick]\n");
            return 2;
        }
    }
    log_open("bench_agent", true, LOG_ERR);
    bench_print_machine(true);
    snprintf(busy0, sizeof(busy0), "%s/tests/fixtures/agent/busy/0", XENPLM_SRCDIR);
    snprintf(busy1, sizeof(busy1), "%s/tests/fixtures/agent/busy/1", XENPLM_SRCDIR);
    load_goals(&def, "default.xml");
    many_goals(&many);

    printf("\nagent, CPU per period (us), %u runs each\n", cfg.runs);
    t0 = bench_cpu_ns();
    for (unsigned i = 0; i < cfg.runs; i++)
        read_snapshot(busy1, &s1);
    row("read+parse /proc, /sys (recorded busy guest)", per_run_us(t0, cfg.runs));
    t0 = bench_cpu_ns();
    for (unsigned i = 0; i < cfg.runs; i++)
        read_snapshot("/", &s1);
    row("read+parse /proc, /sys (this machine)", per_run_us(t0, cfg.runs));
    read_snapshot(busy0, &s0);
    read_snapshot(busy1, &s1);
    t0 = bench_cpu_ns();
    for (unsigned i = 0; i < cfg.runs; i++)
        agent_metrics_derive(&s0, &s1, &m);
    row("derive the metrics", per_run_us(t0, cfg.runs));
    row("whole period, default goals, recorded busy guest", period_us(busy1, &def, cfg.runs));
    live_default = period_us("/", &def, cfg.runs);
    row("whole period, default goals, this machine", live_default);
    row("whole period, 32 goals, this machine", period_us("/", &many, cfg.runs));

    memset(&probe, 0, sizeof(probe));
    snprintf(probe.name, sizeof(probe.name), "p");
    snprintf(probe.command, sizeof(probe.command), "echo 1");
    probe.interval_ms = 10000;
    probe.timeout_ms = 2000;
    t0 = bench_mono_ns();
    for (unsigned i = 0; i < cfg.runs / 10; i++)
        if (agent_probe_run(&probe, "/", NULL, &v, err, sizeof(err)) != 0)
            fail("probe", err);
    row("a command probe ('echo 1'), wall time", (bench_mono_ns() - t0) / (cfg.runs / 10) / 1e3);

    idle_pct = live_default / (INTERVAL_S * 1e6) * 100.0;
    bench_read_vm(&rss, &hwm);
    printf("\nagent, summary\n");
    printf("  one period (default goals, live)  %8.1f us  goal < %.0f us: %s\n", live_default,
           GOAL_PERIOD_US, live_default < GOAL_PERIOD_US ? "PASS" : "MISSED");
    printf("  CPU at a %.0f s interval           %8.4f %%   goal < %.2f %%: %s\n", INTERVAL_S,
           idle_pct, GOAL_IDLE_PCT, idle_pct < GOAL_IDLE_PCT ? "PASS" : "MISSED");
    printf("  resident (VmHWM, libxml2 loaded)  %8llu KiB goal < %d KiB: %s\n",
           (unsigned long long)hwm, GOAL_RSS_KIB, hwm < GOAL_RSS_KIB ? "PASS" : "MISSED");
    log_close();
    agent_goals_cleanup();
    return 0;
}
