/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The quality benchmark's model and figures (bench/quality/model.c,
 * stats.c) on hand-built hosts: the credit scheduler's share, balloons
 * that grow only out of free memory at their rate, the goals and the swap
 * penalty, hard affinity's share and wake-up wait, and what the harness counts (memory moved,
 * reversals, overcommit, below-minimum).  The managers are measured by tests/bench/quality.sh.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/quality/model.h"
#include "bench/quality/stats.h"
#include "suite_run.h"

/* A host of 4 pCPUs (dom0 keeps one), 8 GiB (dom0 keeps 1), n flat guests. */
static struct qm_scenario sc;
static struct qm_guest_spec spec[3];

static void host(size_t n, double cpu, double ws, double init)
{
    memset(&sc, 0, sizeof(sc));
    memset(spec, 0, sizeof(spec));
    sc.name = "t";
    sc.pcpus = 4;
    sc.dom0_cpu = 100;
    sc.host_mib = 8192;
    sc.dom0_mib = 1024;
    sc.seconds = 3600;
    sc.n = n;
    sc.g = spec;
    for (size_t i = 0; i < n; i++) {
        snprintf(spec[i].name, sizeof(spec[i].name), "g%zu", i);
        spec[i].vcpus = 2;
        spec[i].maxmem = 6144;
        spec[i].minmem = 512;
        spec[i].initmem = init;
        spec[i].balloon_rate = 64;
        spec[i].cpu.base = cpu;
        spec[i].ws.base = ws;
        spec[i].cpu_prio = spec[i].mem_prio = 1;
        spec[i].util = 0.75;
    }
}

START_TEST(waterfill_by_weight_within_claims)
{
    double claim[3] = {20, 100, 100}, weight[3] = {1, 1, 2}, out[3];
    /* 20 per unit of weight fills the first; the other two share the
     * remaining 20 by weight. */
    qm_waterfill(100, 3, claim, weight, out);
    ck_assert_double_eq_tol(out[0], 20, 1e-6);
    ck_assert_double_eq_tol(out[1], 80.0 / 3, 1e-6);
    ck_assert_double_eq_tol(out[2], 160.0 / 3, 1e-6);
    /* More pool than claims: everyone gets its claim, the rest idles. */
    qm_waterfill(1000, 3, claim, weight, out);
    ck_assert_double_eq_tol(out[0] + out[1] + out[2], 220, 1e-6);
}
END_TEST

START_TEST(share_under_hard_affinity)
{
    /* 4 pCPUs, 400 to share.  Without masks, exactly the water-fill. */
    double claim[3] = {200, 400, 400}, weight[3] = {10, 1, 1}, out[3], ref[3];
    uint64_t none[3] = {0, 0, 0};
    ck_assert_int_eq(qm_share(400, 4, 3, claim, weight, none, out), 0);
    qm_waterfill(400, 3, claim, weight, ref);
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq_tol(out[i], ref[i], 1e-9);
    ck_assert_double_eq_tol(out[0], 200, 1e-6);
    /* The heavy guest pinned to pCPU 0: one pCPU's worth, whatever its
     * weight; the others share the rest. */
    uint64_t one[3] = {0x1, 0, 0};
    ck_assert_int_eq(qm_share(400, 4, 3, claim, weight, one, out), 0);
    ck_assert_double_eq_tol(out[0], 100, 1e-6);
    ck_assert_double_eq_tol(out[1], 150, 1e-6);
    ck_assert_double_eq_tol(out[2], 150, 1e-6);
    /* Disjoint halves: weight does not cross them. */
    uint64_t halves[3] = {0x3, 0xc, 0xc};
    ck_assert_int_eq(qm_share(400, 4, 3, claim, weight, halves, out), 0);
    ck_assert_double_eq_tol(out[0], 200, 1e-6);
    ck_assert_double_eq_tol(out[1] + out[2], 200, 1e-6);
    /* And the pool bounds the union (dom0's share). */
    ck_assert_int_eq(qm_share(300, 4, 3, claim, weight, halves, out), 0);
    ck_assert_double_eq_tol(out[0] + out[1] + out[2], 300, 1e-6);
    ck_assert(out[0] <= 200 + 1e-6 && out[1] + out[2] <= 200 + 1e-6);
}
END_TEST

START_TEST(wakeup_wait_follows_contention)
{
    struct qm_world w;
    /* A latency guest using 20 whose requests wake 12 times, beside a
     * CPU-bound guest on 3 vcpus: pool 300, it runs on the 280 left. */
    host(2, 20, 1024, 2048);
    spec[0].wakeups = 12;
    spec[1].vcpus = 3;
    spec[1].cpu.base = 300;
    spec[1].util = 1.0;
    ck_assert_int_eq(qm_world_init(&w, &sc, 1, 0), 0);
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[1].used, 280, 1e-6);
    /* Its 280 over 4 pCPUs keeps 280 / (400 - 20) of the rest busy: rho
     * 0.5 (100 ms) plus 12 x 0.737 x 15 ms is over 200 ms. */
    ck_assert_double_eq_tol(w.g[0].contention, 280.0 / 380, 1e-6);
    ck_assert_double_eq_tol(w.g[0].wait_ms, 12 * 280.0 / 380 * QM_WAIT_MS, 1e-6);
    ck_assert(!w.g[0].cpu_met);
    ck_assert(qm_latency_ms(&w.g[0]) > 200);
    /* Pinned apart (pCPU 0 for it, 1-3 for the other): nothing waits. */
    w.g[0].hard = 0x1;
    w.g[1].hard = 0xe;
    qm_world_demand(&w);
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[0].wait_ms, 0, 1e-9);
    ck_assert(w.g[0].cpu_met);
    /* Pinned to too few: 90 on one pCPU is rho 0.9, missed though nothing
     * else runs there. */
    qm_world_dispose(&w);
    spec[0].cpu.base = 90;
    ck_assert_int_eq(qm_world_init(&w, &sc, 1, 0), 0);
    w.g[0].hard = 0x1;
    w.g[1].hard = 0xe;
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[0].capacity, 100, 1e-6);
    ck_assert_double_eq_tol(w.g[0].wait_ms, 0, 1e-9);
    ck_assert(!w.g[0].cpu_met);
    qm_world_dispose(&w);
}
END_TEST

START_TEST(throughput_is_work_conserving)
{
    struct qm_world w;
    /* A latency guest wanting 140 with a huge weight (its bursts could take
     * 200 of the pool of 300) beside a batch guest wanting 150 with a
     * small one: the batch guest's capacity is what the bursts leave
     * (100), but it runs on the time the latency guest leaves idle, and the
     * two demands fit: its work gets done. */
    host(2, 140, 1024, 2048);
    spec[1].cpu.base = 150;
    spec[1].util = 1.0;
    ck_assert_int_eq(qm_world_init(&w, &sc, 1, 0), 0);
    w.g[0].weight = 10000;
    w.g[1].weight = 1;
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[0].capacity, 200, 1e-3);
    ck_assert_double_eq_tol(w.g[1].capacity, 100, 1e-3);
    ck_assert_double_eq_tol(w.g[0].used, 140, 1e-6);
    ck_assert_double_eq_tol(w.g[1].used, 150, 1e-6);
    ck_assert(w.g[0].cpu_met && w.g[1].cpu_met);
    /* Wanting 170, it no longer fits: 160 of it gets done, missed. */
    spec[1].cpu.base = 170;
    qm_world_demand(&w);
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[1].used, 160, 1e-3);
    ck_assert(!w.g[1].cpu_met);
    qm_world_dispose(&w);
}
END_TEST

START_TEST(balloon_grows_at_its_rate_out_of_free_memory)
{
    struct qm_world w;
    host(2, 10, 1024, 2048); /* 7168 for guests, 4096 held, 3072 free */
    ck_assert_int_eq(qm_world_init(&w, &sc, 1, 0), 0);
    ck_assert_double_eq_tol(w.free_mib, 3072, 1e-6);
    w.g[0].target = 6144;
    qm_world_demand(&w);
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[0].actual, 2048 + 64 * QM_DT, 1e-6);
    for (int k = 0; k < 100; k++) {
        qm_world_demand(&w);
        qm_world_step(&w);
        ck_assert(w.free_mib >= 0);
    }
    /* Only what was free: 5120, not the 6144 asked. */
    ck_assert_double_eq_tol(w.g[0].actual, 5120, 1e-6);
    /* A shrink of the other frees pages the grow takes in the same step. */
    w.g[1].target = 1024;
    qm_world_demand(&w);
    qm_world_step(&w);
    ck_assert_double_eq_tol(w.g[1].actual, 2048 - 64 * QM_DT, 1e-6);
    ck_assert_double_eq_tol(w.g[0].actual, 5120 + 64 * QM_DT, 1e-6);
    qm_world_dispose(&w);
}
END_TEST

START_TEST(goals_and_swap_penalty)
{
    struct qm_world w;
    host(1, 100, 2048, 1536);
    ck_assert_int_eq(qm_world_init(&w, &sc, 1, 0), 0);
    qm_world_demand(&w);
    qm_world_step(&w);
    /* A quarter of the working set out: demand x (1 + 4/4), memory missed. */
    ck_assert(!w.g[0].mem_met);
    ck_assert_double_eq_tol(w.g[0].swap_f, 0.25, 1e-9);
    ck_assert_double_eq_tol(w.g[0].demand_eff, 200, 1e-6);
    /* Two vcpus, an idle host: capacity 200, rho 1 > 0.75: missed. */
    ck_assert_double_eq_tol(w.g[0].capacity, 200, 1e-6);
    ck_assert(!w.g[0].cpu_met);
    w.g[0].target = 2048;
    for (int k = 0; k < 3; k++) {
        qm_world_demand(&w);
        qm_world_step(&w);
    }
    ck_assert(w.g[0].mem_met);
    ck_assert(w.g[0].cpu_met); /* 100 on a claim of 200 */
    qm_world_dispose(&w);
}
END_TEST

START_TEST(stats_count_moves_reversals_and_invariants)
{
    struct qm_world w;
    struct qm_stats s;
    host(2, 10, 1024, 2048);
    ck_assert_int_eq(qm_world_init(&w, &sc, 1, 0), 0);
    ck_assert_int_eq(qm_stats_init(&s, &w), 0);

    w.g[0].target = 3072; /* up 1024 */
    qm_stats_enforced(&s, &w);
    w.t += 30;
    w.g[0].target = 2560; /* back down within a minute: a reversal */
    qm_stats_enforced(&s, &w);
    w.t += 120;
    w.g[0].target = 2048; /* down again: no reversal */
    qm_stats_enforced(&s, &w);
    ck_assert_double_eq_tol(s.moved_mib, 2048, 1e-6);
    ck_assert_uint_eq(s.calls, 3);
    ck_assert_uint_eq(s.reversals, 1);
    ck_assert_uint_eq(s.overcommit, 0);
    ck_assert_uint_eq(s.below_min, 0);

    w.g[0].target = 5000; /* 5000 + 2048 > 7168: cannot all be honoured */
    w.g[1].target = 256;  /* and under the 512 minimum */
    qm_stats_enforced(&s, &w);
    ck_assert_uint_eq(s.below_min, 1);
    ck_assert_uint_eq(s.overcommit, 0);
    w.g[1].target = 2300;
    qm_stats_enforced(&s, &w);
    ck_assert_uint_eq(s.overcommit, 1);
    qm_stats_dispose(&s);
    qm_world_dispose(&w);
}
END_TEST

START_TEST(traces_are_a_function_of_the_seed)
{
    struct qm_trace tr = {.base = 100, .noise = 0.2, .nparts = 1};
    tr.part[0] = (struct qm_part){QM_BURSTS, 300, 600, 60, 0};
    bool differ = false;
    for (double t = 0; t < 86400; t += 60) {
        double a = qm_trace_at(&tr, 1, 0, 0, t, 0), b = qm_trace_at(&tr, 1, 0, 0, t, 0);
        ck_assert_double_eq(a, b);
        ck_assert(a >= 80 - 1e-9 && a <= 480 + 1e-9);
        differ |= a != qm_trace_at(&tr, 2, 0, 0, t, 0);
    }
    ck_assert(differ);
    /* A daily window with ramped edges: off before, full inside. */
    struct qm_trace win = {.nparts = 1};
    win.part[0] = (struct qm_part){QM_WINDOW, 1000, 9, 11, 60};
    ck_assert_double_eq(qm_trace_at(&win, 1, 0, 1, 8.9 * 3600, 0), 0);
    ck_assert_double_eq_tol(qm_trace_at(&win, 1, 0, 1, 9 * 3600 + 30, 0), 500, 1e-6);
    ck_assert_double_eq(qm_trace_at(&win, 1, 0, 1, 10 * 3600, 0), 1000);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bench_quality");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, waterfill_by_weight_within_claims);
    tcase_add_test(tc, share_under_hard_affinity);
    tcase_add_test(tc, wakeup_wait_follows_contention);
    tcase_add_test(tc, throughput_is_work_conserving);
    tcase_add_test(tc, balloon_grows_at_its_rate_out_of_free_memory);
    tcase_add_test(tc, goals_and_swap_penalty);
    tcase_add_test(tc, stats_count_moves_reversals_and_invariants);
    tcase_add_test(tc, traces_are_a_function_of_the_seed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
