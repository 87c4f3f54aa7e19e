/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_pool_plan: the pool planner's time per plan (pp_plan, pool mode,
 * issue 14) on a seeded pool of 100 hosts x 50 domains, each asking CPU
 * over four cumulative levels and holding 512 MiB to 4 GiB.
 *
 *   typical: ten hosts overloaded (their domains ask about twice what the
 *            host has), the rest about half full, so each plan weighs
 *            every domain of the overloaded hosts against every host;
 *   worst:   every host overloaded, so no domain fits anywhere outright:
 *            each domain is weighed on the PP_DEST_TRY roomiest hosts
 *            only, and PP_SOURCE_TRY domains of each host (before that
 *            bound, every destination of every domain was arbitrated:
 *            7 s per plan);
 *   cut:     the same at 1000 hosts x 50 domains (not in --quick), where
 *            the work cap (max_work, PP_WORK_DEFAULT arbitrations) stops
 *            the search: it bounds the time whatever the pool.
 *
 * Hold 0, margin 100, 2 concurrent moves and one per source: what a
 * leader would plan every round.  Prints the machine, then the median and
 * the 90th percentile over the runs, the moves planned (the typical
 * pool must plan 2, or the benchmark exits 1: figures for a planner that
 * plans nothing mean nothing), the host arbitrations made and whether the
 * cap cut the plan.  --quick (CI's smoke run) runs fewer plans.
 * It is not a test: it has no goal to meet.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_machine.h"
#include "core/error.h"
#include "engine/pool_plan.h"

#define HOSTS 100
#define MAX_HOSTS 1000
#define PER_HOST 50
#define OVERLOADED 10

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void build(struct pp_host *h, struct pp_domain *d, size_t nhosts, size_t overloaded)
{
    uint32_t seed = 14;

    for (size_t i = 0; i < nhosts; i++) {
        snprintf(h[i].name, sizeof(h[i].name), "host%03zu", i);
        h[i].cpu = PLM_UNITS(3200); /* 32 pCPUs */
        h[i].free_mib = PLM_UNITS(16384);
        h[i].headroom_mib = PLM_UNITS(2048);
    }
    for (size_t i = 0; i < nhosts * PER_HOST; i++) {
        struct pp_domain *x = &d[i];
        size_t host = i / PER_HOST;
        /* Overloaded hosts: about 2x their CPU at level 4; the rest about half. */
        int scale = host < overloaded ? 64 : 16;
        memset(x, 0, sizeof(*x));
        snprintf(x->uuid, sizeof(x->uuid), "00000000-0000-0000-0000-%012zu", i);
        snprintf(x->name, sizeof(x->name), "vm%zu", i);
        x->host = host;
        plm_request_init(&x->cpu);
        plm_amt_t level = 0;
        for (int l = 0; l < 4; l++) {
            level += PLM_UNITS((int)(rnd(&seed) % (unsigned)scale) + 1);
            x->cpu.level[x->cpu.nlevels++] = level;
        }
        x->mem_mib = PLM_UNITS(512 * (1 + (int)(rnd(&seed) % 8)));
        plm_request_init(&x->mem);
        x->mem.level[x->mem.nlevels++] = x->mem_mib;
        x->migratable = true;
    }
}

static int run(const char *what, size_t nhosts, size_t overloaded, int runs, size_t want_moves)
{
    static struct pp_host hosts[MAX_HOSTS];
    static struct pp_domain doms[MAX_HOSTS * PER_HOST];
    static struct pp_state prev, next;
    struct pp_policy pol;
    struct pp_work w;
    struct pp_plan plan;
    double ns[15], cpu0, wall0;

    build(hosts, doms, nhosts, overloaded);
    pp_policy_init(&pol);
    pol.hold_ms = 0;
    struct pp_input in = {.hosts = hosts,
                          .nhosts = nhosts,
                          .doms = doms,
                          .ndoms = nhosts * PER_HOST,
                          .policy = &pol,
                          .now_ms = 1000};
    if (pp_work_init(&w, nhosts, nhosts * PER_HOST)) {
        fprintf(stderr, "bench_pool_plan: out of memory\n");
        return 1;
    }
    cpu0 = bench_cpu_ns();
    wall0 = bench_mono_ns();
    for (int r = 0; r < runs; r++) {
        double t0 = bench_mono_ns();
        int rc = pp_plan(&in, &prev, &next, &w, &plan);
        ns[r] = bench_mono_ns() - t0;
        if (rc) {
            fprintf(stderr, "bench_pool_plan: pp_plan: %s\n", plm_strerror(rc));
            return 1;
        }
    }
    if (want_moves && plan.nmoves != want_moves) {
        fprintf(stderr, "bench_pool_plan: %zu moves planned, not %zu\n", plan.nmoves, want_moves);
        return 1;
    }
    double cpu = (bench_cpu_ns() - cpu0) / runs, wall = (bench_mono_ns() - wall0) / runs;
    printf("  %-8s %4zu of %4zu hosts overloaded: %2d plans, %zu moves, %zu arbitrations%s each; "
           "time per plan: median %.1f ms, p90 %.1f ms (mean CPU %.1f ms of %.1f ms wall)\n",
           what, overloaded, nhosts, runs, plan.nmoves, plan.work, plan.cut ? " (cut)" : "",
           bench_percentile(ns, (size_t)runs, 50) / 1e6,
           bench_percentile(ns, (size_t)runs, 90) / 1e6, cpu / 1e6, wall / 1e6);
    pp_work_dispose(&w);
    return 0;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;

    printf("bench_pool_plan: the pool planner, %d hosts x %d domains\n", HOSTS, PER_HOST);
    bench_print_machine(true);
    if (run("typical", HOSTS, OVERLOADED, quick ? 3 : 15, 2) ||
        run("worst", HOSTS, HOSTS, quick ? 1 : 5, 0))
        return 1;
    if (!quick && run("cut", MAX_HOSTS, MAX_HOSTS, 1, 0))
        return 1;
    return 0;
}
