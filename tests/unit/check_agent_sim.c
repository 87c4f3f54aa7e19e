/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm-agent and xenplmd together on the simulated host.
 *
 * Each guest runs the agent's own period (agent_period: read the grant,
 * run the probes, step the controller, publish) through a store that acts
 * as that guest on the simulated xenstore, and the daemon runs its real
 * loop on the same host (daemon_test.h checks its invariants after every
 * step).  Only the guests' workloads are models: an application whose
 * latency is inversely proportional to the CPU it is granted, written to
 * the file its probe reads, and a working set the test sets.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_sim_store.h"
#include "common/log.h"
#include "core/error.h"
#include "daemon_test.h"
#include "guest-agent/agent.h"
#include "policy/policy.h"
#include "protocol/grant.h"
#include "tests/unit/suite_run.h"

#define PERIOD_MS 5000

/* One simulated guest: the agent, its store, and its workload model. */
struct guest {
    const char *name;
    struct agent_sim_store store;
    struct agent agent;
    char dir[256];     /* the agent's root: its probe file lives here */
    long latency_k;    /* latency in ms = latency_k / granted pct */
    long mem_used_mib; /* the working set */
};

static void guest_open(struct dt *t, struct guest *g, const char *name,
                       const struct agent_goals *goals)
{
    const char *tmp = getenv("TMPDIR");

    g->name = name;
    snprintf(g->dir, sizeof(g->dir), "%s/agent_sim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(g->dir));
    agent_sim_store_init(&g->store, t->p, dt_id(t, name));
    agent_init(&g->agent, goals, &g->store.base, g->dir, false);
    /* Nothing in the simulator answers to sysfs: the agent has no vcpu to online. */
    g->agent.apply = false;
}

static void guest_close(struct guest *g)
{
    char path[300];

    snprintf(path, sizeof(path), "%s/latency", g->dir);
    unlink(path);
    rmdir(g->dir);
}

/* The CPU the guest holds, in whole pct: its grant, or before the daemon
 * manages it, one CPU for each online vcpu (as the agent reckons it). */
static long granted_pct(struct dt *t, const struct guest *g)
{
    char buf[128];
    struct proto_grant gr;

    if (dt_guest_read(t, g->name, "granted", buf, sizeof(buf)) != 0 ||
        proto_grant_decode(buf, strlen(buf), &gr, NULL) != 0 || !(gr.flags & PROTO_GRANT_CPU))
        return (long)dt_sim(t, g->name).info.online_vcpus * 100;
    return (long)(gr.cpu / PLM_SCALE);
}

static long latency_ms(struct dt *t, const struct guest *g)
{
    long pct = granted_pct(t, g);
    return g->latency_k / (pct > 0 ? pct : 1);
}

/* What the guest's monitors would measure now. */
static void guest_metrics(struct dt *t, const struct guest *g, struct agent_metrics *m)
{
    struct port_sim_domain sd = dt_sim(t, g->name);

    memset(m, 0, sizeof(*m));
    m->interval_ms = PERIOD_MS;
    m->vcpus_online = sd.info.online_vcpus;
    m->vcpus_max = sd.info.max_vcpus;
    m->cpu_used = (plm_amt_t)sd.cpu_used * PLM_SCALE;
    m->mem_total = (plm_amt_t)(sd.info.mem_actual_kib * (uint64_t)PLM_SCALE / 1024);
    m->mem_used = PLM_UNITS(g->mem_used_mib);
    m->mem_available = m->mem_total > m->mem_used ? m->mem_total - m->mem_used : 0;
    m->cpu_util = m->vcpus_online ? m->cpu_used / m->vcpus_online : 0;
}

/* One agent period in guest g: its application reports its latency first. */
static void guest_period(struct dt *t, struct guest *g)
{
    struct agent_metrics m;
    struct tm now;
    char path[300];
    FILE *f;

    if (g->latency_k > 0) {
        snprintf(path, sizeof(path), "%s/latency", g->dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%ld\n", latency_ms(t, g));
        fclose(f);
    }
    guest_metrics(t, g, &m);
    memset(&now, 0, sizeof(now));
    now.tm_wday = 3;
    now.tm_hour = 12;
    ck_assert_int_ge(agent_period(&g->agent, &m, &now, dt_now(t)), 0);
}

/* Goals with one latency goal on the CPU, read from the probe file "latency". */
static void latency_goals(struct agent_goals *g)
{
    agent_goals_init(g);
    g->interval_ms = PERIOD_MS;
    g->nprobes = 1;
    snprintf(g->probe[0].name, sizeof(g->probe[0].name), "latency");
    snprintf(g->probe[0].file, sizeof(g->probe[0].file), "/latency");
    g->probe[0].interval_ms = PERIOD_MS;
    g->probe[0].timeout_ms = 1000;
    g->ngoals = 1;
    snprintf(g->goal[0].name, sizeof(g->goal[0].name), "web-latency");
    g->goal[0].priority = 1;
    g->goal[0].res = AGENT_RES_CPU;
    g->goal[0].metric = AGENT_M_PROBE;
    g->goal[0].probe = 0;
    g->goal[0].dir = AGENT_AT_MOST;
    g->goal[0].target = PLM_UNITS(200);
    g->goal[0].max = -1;
}

/* Two guests with 100 pct each at first; a's application needs 150 to
 * answer in 200 ms, b's only 25. */
static const char cpu_scn[] = "host pcpus=2 memory=8192 dom0=1024\n"
                              "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=100\n"
                              "domain b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=100\n";

START_TEST(missed_goal_gets_cpu_overachiever_gives_back)
{
    struct dt t;
    struct agent_goals goals;
    static struct guest a, b;
    long b_start;

    latency_goals(&goals);
    dt_open(&t, "base.xml", cpu_scn);
    dt_run_until(&t, 2000);
    guest_open(&t, &a, "a", &goals);
    guest_open(&t, &b, "b", &goals);
    a.latency_k = 30000;
    b.latency_k = 5000;
    a.mem_used_mib = b.mem_used_mib = 256;

    for (int i = 0; i < 2; i++) {
        guest_period(&t, &a);
        guest_period(&t, &b);
        dt_run_exactly(&t, PERIOD_MS);
    }
    b_start = granted_pct(&t, &b);
    ck_assert_int_lt(granted_pct(&t, &a), 150); /* a starts short of its goal */
    ck_assert_int_gt(latency_ms(&t, &a), 200);

    for (int i = 0; i < 80; i++) {
        guest_period(&t, &a);
        guest_period(&t, &b);
        dt_run_exactly(&t, PERIOD_MS);
    }
    /* a's goal is met: it was given the CPU its latency needs ... */
    ck_assert_int_le(latency_ms(&t, &a), 200);
    ck_assert_int_ge(granted_pct(&t, &a), 150);
    /* ... and not far past it: while b gave its CPU back slowly, a's
     * misses did not wind its request up (to the 400 of its 4 vcpus). */
    ck_assert_int_le(granted_pct(&t, &a), 190);
    ck_assert_int_le(a.agent.published_out.level[AGENT_RES_CPU][0], PLM_UNITS(190));
    /* b over-achieved and gave some back, yet still meets its goal. */
    ck_assert_int_lt(granted_pct(&t, &b), b_start);
    ck_assert_int_lt(granted_pct(&t, &b), 60);
    ck_assert_int_le(latency_ms(&t, &b), 200);
    /* Every request the agents wrote was accepted and read. */
    ck_assert(a.agent.answer.have_status && a.agent.answer.ok);
    ck_assert(b.agent.answer.have_status && b.agent.answer.ok);
    ck_assert_uint_eq(dt_sim(&t, "a").guest_refused, 0);
    /* The daemon read the last request a published (seq acknowledged). */
    struct agent_answer ans;
    agent_read_answer(&a.store.base, &ans);
    ck_assert(ans.have_seq && ans.seq == a.agent.published_seq);
    /* The deadband and the controller's hold keep the writes well below one per period. */
    ck_assert_uint_lt(dt_sim(&t, "a").guest_writes + dt_sim(&t, "b").guest_writes, 2 * 82);

    guest_close(&a);
    guest_close(&b);
    dt_close(&t);
}
END_TEST

/* A memory goal: keep 512 MiB available over the working set. */
static void memory_goals(struct agent_goals *g)
{
    agent_goals_init(g);
    g->interval_ms = PERIOD_MS;
    g->ngoals = 1;
    snprintf(g->goal[0].name, sizeof(g->goal[0].name), "headroom");
    g->goal[0].priority = 1;
    g->goal[0].res = AGENT_RES_MEM;
    g->goal[0].metric = AGENT_M_MEM_AVAILABLE;
    g->goal[0].dir = AGENT_AT_LEAST;
    g->goal[0].target = PLM_UNITS(512);
    g->goal[0].max = -1;
}

START_TEST(working_set_grows_then_shrinks)
{
    struct dt t;
    struct agent_goals goals;
    static struct guest a;
    uint64_t peak;

    memory_goals(&goals);
    dt_open(&t, "base.xml", cpu_scn);
    dt_run_until(&t, 2000);
    guest_open(&t, &a, "a", &goals);
    a.mem_used_mib = 900; /* needs 900 + 512 = 1412 MiB */

    for (int i = 0; i < 12; i++) {
        guest_period(&t, &a);
        dt_run_exactly(&t, PERIOD_MS);
    }
    /* The daemon hands memory out in its policy's unit, 16 MiB: 1408. */
    peak = dt_sim(&t, "a").info.mem_actual_kib;
    ck_assert_uint_ge(peak, 1408 * MIB);
    ck_assert_uint_le(peak, 2048 * MIB);

    a.mem_used_mib = 300; /* needs 812 MiB: the guest gives memory back, slowly */
    guest_period(&t, &a);
    dt_run_exactly(&t, PERIOD_MS);
    ck_assert_uint_gt(dt_sim(&t, "a").info.mem_actual_kib, 1100 * MIB);
    for (int i = 0; i < 40; i++) {
        guest_period(&t, &a);
        dt_run_exactly(&t, PERIOD_MS);
    }
    ck_assert_uint_lt(dt_sim(&t, "a").info.mem_actual_kib, 900 * MIB);
    ck_assert_uint_ge(dt_sim(&t, "a").info.mem_actual_kib, 800 * MIB);

    guest_close(&a);
    dt_close(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent_sim");
    TCase *tc = tcase_create("agent_and_daemon");

    log_open("xenplm-agent-test", true, LOG_WARNING);
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, dt_fixture_setup, dt_fixture_teardown);
    tcase_add_test(tc, missed_goal_gets_cpu_overachiever_gives_back);
    tcase_add_test(tc, working_set_grows_then_shrinks);
    suite_add_tcase(s, tc);
    int rc = check_run(s);

    log_close();
    pol_cleanup();
    return rc;
}
