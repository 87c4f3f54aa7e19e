/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU: two guests trade the host's CPU as their demand alternates, and the
 * scheduler (weight, cap, online vcpus) and the granted key follow; a
 * guest with no agent gets CPU from its measured use; the calls a CPU
 * reaction makes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon_test.h"
#include "protocol/grant.h"

/* What the host holds for one guest and what the guest reads back, against
 * the mapping of enforce.c: weight = pct x 256 / 100, cap = pct,
 * vcpus = ceil(pct / 100). */
static void expect_cpu(struct dt *t, const char *name, long pct, long mem)
{
    struct port_sim_domain sd = dt_sim(t, name);
    plm_amt_t gcpu, gmem;
    unsigned gvcpus;
    unsigned vcpus = (unsigned)((pct + 99) / 100);

    ck_assert_int_eq(dt_alloc(t, name, POL_CPU), pct);
    ck_assert_int_eq(sd.last_weight, (int)(pct * 256 / 100));
    ck_assert_int_eq(sd.weight, (int)(pct * 256 / 100));
    ck_assert_int_eq(sd.last_cap, (int)pct);
    ck_assert_int_eq(sd.cap, (int)pct);
    if (sd.vcpus_calls > 0) /* last_vcpus is 0 until the first call */
        ck_assert_uint_eq(sd.last_vcpus, vcpus);
    ck_assert_uint_eq(sd.info.online_vcpus, vcpus);
    dt_granted(t, name, &gcpu, &gvcpus, &gmem);
    ck_assert_int_eq(gcpu, PLM_UNITS(pct));
    ck_assert_uint_eq(gvcpus, vcpus);
    ck_assert_int_eq(gmem, PLM_UNITS(mem));
}

/*
 * Two pCPUs (a pool of 200) and three guests.  "c" asks 20 and gets it.
 * Of the other two, the one asking 100 then 150 (levels 1 and 2) and the
 * one asking 50 trade places every ten seconds: level 1 (100 + 50 + 20)
 * fits, level 2 does not, so the busy one gets the 30 left, 130 in all.
 * The first requests come from the scenario, the rest from the test acting
 * as the agents.  Memory is left out of every request, so each guest keeps
 * its 1024 MiB.
 */
static const char trade_scn[] = "host pcpus=2 memory=8192 dom0=1024\n"
                                "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=150\n"
                                "domain b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=50\n"
                                "domain c memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=20\n"
                                "at 1s a request cpu=100,150\n"
                                "at 1s b request cpu=50\n"
                                "at 1s c request cpu=20\n";

START_TEST(cpu_trade)
{
    struct dt t;

    dt_open(&t, "base.xml", trade_scn);
    dt_run_until(&t, 5000);
    expect_cpu(&t, "a", 130, 1024);
    expect_cpu(&t, "b", 50, 1024);
    expect_cpu(&t, "c", 20, 1024);

    /* Then as the agents would, every ten seconds, twice each way. */
    for (int round = 0; round < 4; round++) {
        const char *hi = round % 2 ? "b" : "a", *lo = round % 2 ? "a" : "b";
        dt_request(&t, hi, "100,150", NULL);
        dt_request(&t, lo, "50", NULL);
        dt_run_for(&t, 10000);
        expect_cpu(&t, hi, 130, 1024);
        expect_cpu(&t, lo, 50, 1024);
        expect_cpu(&t, "c", 20, 1024);
        /* The busy guest's workload runs on what it was given. */
        ck_assert_uint_le(dt_sim(&t, hi).cpu_used, 130);
    }
    /* Only differences reach the host: a's and b's weight and cap were set
     * once at the start and once for each of the three swaps that changed
     * their share, c's once, and none of those calls failed. */
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_SCHED_SET].failures, 0);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_VCPUS_SET].failures, 0);
    ck_assert_uint_eq(dt_sim(&t, "a").sched_calls, 4);
    ck_assert_uint_eq(dt_sim(&t, "b").sched_calls, 4);
    ck_assert_uint_eq(dt_sim(&t, "c").sched_calls, 1);
    ck_assert_uint_eq(dt_sim(&t, "c").vcpus_calls, 0);
    dt_close(&t);
}
END_TEST

/*
 * No agent at all: "legacy" uses 80 then 150 hundredths of a pCPU, and the
 * agentless rule (level 1, 20% headroom, after 2s) turns its measured use
 * into a request; "web" asks 100 through its agent.  "quiet" has neither
 * agent nor agentless rule and must stay untouched.
 */
static const char agentless_scn[] =
    "host pcpus=4 memory=8192 dom0=1024\n"
    "domain web memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=100\n"
    "domain legacy memory=1024 maxmem=2048 vcpus=2 maxvcpus=2 cpu=80\n"
    "domain quiet memory=1024 maxmem=2048 vcpus=1 cpu=50\n"
    "at 1s web request cpu=100\n"
    "at 20s legacy cpu 150\n";

START_TEST(cpu_agentless)
{
    struct dt t;

    dt_open(&t, "agentless.xml", agentless_scn);
    dt_run_until(&t, 15000);
    struct dmn_domain *legacy = dt_dom(&t, "legacy");
    ck_assert_int_eq(legacy->eng.source, ENG_SRC_AGENTLESS);
    /* 80 measured, plus 20%: 96, enforced as a cap. */
    ck_assert_int_ge(dt_alloc(&t, "legacy", POL_CPU), 90);
    ck_assert_int_le(dt_alloc(&t, "legacy", POL_CPU), 100);
    ck_assert_int_eq(dt_sim(&t, "legacy").cap, (int)dt_alloc(&t, "legacy", POL_CPU));
    ck_assert_int_eq(dt_alloc(&t, "web", POL_CPU), 100);

    /* Its workload grows: the cap follows the measured use up. */
    dt_run_until(&t, 60000);
    ck_assert_int_ge(dt_alloc(&t, "legacy", POL_CPU), 150);
    ck_assert_int_eq(dt_sim(&t, "legacy").cap, (int)dt_alloc(&t, "legacy", POL_CPU));
    ck_assert_uint_ge(dt_sim(&t, "legacy").cpu_used, 145);
    ck_assert_int_eq(dt_alloc(&t, "web", POL_CPU), 100);

    /* No agent, no agentless rule: never touched. */
    struct port_sim_domain quiet = dt_sim(&t, "quiet");
    ck_assert(!dmn_managed(dt_dom(&t, "quiet")));
    ck_assert_uint_eq(quiet.sched_calls + quiet.vcpus_calls + quiet.mem_calls, 0);
    dt_close(&t);
}
END_TEST

/*
 * Host-side activity (issue 13, point 5): "files" and "idle" run no agent
 * and both use 150, then 5 hundredths of a pCPU from 20 s; "files" moves
 * 2 MiB/s on its network and 50 disk requests a second all along.  With
 * io-cpu 100 it keeps a pCPU while "idle" is trimmed to its minimum.
 * libxenstat failing from 60 s for 30 s is logged once; after 10 s
 * unread, "files" is judged by its CPU time alone, and gets its pCPU back
 * once the counters are read again.  Its I/O stops at 120 s: trimmed too.
 */
static const char io_scn[] = "host pcpus=4 memory=8192 dom0=1024\n"
                             "domain files memory=1024 maxmem=2048 vcpus=2 maxvcpus=2 cpu=150\n"
                             "domain idle memory=1024 maxmem=2048 vcpus=2 maxvcpus=2 cpu=150\n"
                             "at 1s files net 2048\n"
                             "at 1s files disk 50\n"
                             "at 20s files cpu 5\n"
                             "at 20s idle cpu 5\n"
                             "at 60s fail dom-io for 30s\n"
                             "at 120s files net 0\n"
                             "at 120s files disk 0\n";

START_TEST(cpu_agentless_io)
{
    struct dt t;
    struct dt_logcap cap;

    dt_open(&t, "agentless-io.xml", io_scn);
    dt_run_until(&t, 15000);
    /* Busy with CPU: 150 + 20%, with or without the I/O. */
    ck_assert_int_eq(dt_alloc(&t, "files", POL_CPU), 180);
    ck_assert_int_eq(dt_alloc(&t, "idle", POL_CPU), 180);
    struct dmn_domain *files = dt_dom(&t, "files");
    ck_assert(files->eng.io_busy);
    ck_assert_uint_ge(files->eng.net_kib_s, 2040);
    ck_assert_uint_le(files->eng.net_kib_s, 2056);
    ck_assert_uint_ge(files->eng.disk_req_s, 49);
    ck_assert_uint_le(files->eng.disk_req_s, 51);
    ck_assert(!dt_dom(&t, "idle")->eng.io_busy);

    dt_run_until(&t, 45000);
    ck_assert_int_eq(dt_alloc(&t, "files", POL_CPU), 100);
    ck_assert_int_eq(dt_sim(&t, "files").cap, 100);
    ck_assert_int_eq(dt_alloc(&t, "idle", POL_CPU), 10);
    ck_assert_int_eq(dt_sim(&t, "idle").cap, 10);

    log_set_priority(LOG_INFO);
    dt_cap_start(&cap);
    dt_run_until(&t, 85000);
    dt_cap_end(&cap);
    ck_assert_uint_eq(dt_cap_count(&cap, "cannot read the guests' network and disk activity"), 1);
    fclose(cap.f);
    ck_assert(!files->eng.io_busy);
    ck_assert_int_eq(dt_alloc(&t, "files", POL_CPU), 10);
    ck_assert_uint_ge(dt_stats(&t).op[PORT_SIM_OP_DOM_IO].injected, 1);

    dt_cap_start(&cap);
    dt_run_until(&t, 110000);
    unsigned again = dt_cap_stop(&cap, "network and disk activity read again");
    log_set_priority(getenv("DT_VERBOSE") ? LOG_DEBUG : LOG_WARNING);
    ck_assert_uint_eq(again, 1);
    ck_assert_int_eq(dt_alloc(&t, "files", POL_CPU), 100);
    /* At most one reading a second, whatever the tick. */
    ck_assert_uint_le(dt_stats(&t).op[PORT_SIM_OP_DOM_IO].calls, 110);

    dt_run_until(&t, 140000);
    ck_assert(!files->eng.io_busy);
    ck_assert_int_eq(dt_alloc(&t, "files", POL_CPU), 10);
    ck_assert_int_eq(dt_alloc(&t, "idle", POL_CPU), 10);
    dt_close(&t);
}
END_TEST

/*
 * The CPU reaction's calls (issue 10: on Xen it took 3.7-5.2x the floor
 * of a write and its watch): between the watch event of a's new request
 * and the scheduler call that enforces it, the daemon takes the event
 * (and finds no other), reads the request once, and reads the host facts
 * once (the pools are sized from them) - no listing, no domain reading,
 * no write; the grant and the answer are written after the enforcement,
 * one transaction each.  The same under a rule that allows the boost,
 * for a guest that wrote no boost key: the key is watched, not read with
 * every request.  Pinned here so that a call added on the way shows.
 */
static const struct {
    const char *policy, *a, *b; /* a's rule: without, with a boost budget */
} reaction_rows[] = {
    {"base.xml", "a", "b"},
    {"boost.xml", "rt", "batch"},
};

START_TEST(cpu_reaction_calls)
{
    static const struct {
        enum port_sim_op op;
        uint64_t before_sched, in_all; /* calls before the scheduler's, in the reaction */
    } want[] = {
        {PORT_SIM_OP_NEXT_EVENT, 2, 2},   {PORT_SIM_OP_XS_READ, 1, 1},
        {PORT_SIM_OP_HOST_INFO, 1, 1},    {PORT_SIM_OP_SCHED_SET, 0, 1},
        {PORT_SIM_OP_XS_WRITE_TXN, 0, 2}, {PORT_SIM_OP_LIST_DOMAINS, 0, 0},
        {PORT_SIM_OP_DOMAIN_INFO, 0, 0},  {PORT_SIM_OP_XS_MKDIR_RO, 0, 0},
        {PORT_SIM_OP_XS_RM, 0, 0},        {PORT_SIM_OP_XS_WATCH, 0, 0},
        {PORT_SIM_OP_VCPUS_SET, 0, 0},    {PORT_SIM_OP_MEM_TARGET_SET, 0, 0},
        {PORT_SIM_OP_DOM_IO, 0, 0},
    };
    const char *a = reaction_rows[_i].a, *b = reaction_rows[_i].b;
    char scn[512];
    struct dt t;

    snprintf(scn, sizeof(scn),
             "host pcpus=4 memory=8192 dom0=1024\n"
             "domain %s memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
             "domain %s memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
             "at 1s %s request cpu=50 mem=1024\n"
             "at 1s %s request cpu=50 mem=1024\n",
             a, b, a, b);
    dt_open(&t, reaction_rows[_i].policy, scn);
    dt_run_until(&t, 100000);
    struct port_sim_stats before = dt_stats(&t);
    uint64_t sched = dt_sim(&t, a).sched_calls;
    dt_request(&t, a, "60", "1024");
    /* One turn of the loop: its wait, and the next that finds nothing. */
    ck_assert_int_eq(dt_step(&t), 0);
    ck_assert_uint_eq(dt_sim(&t, a).sched_calls, sched + 1);
    struct port_sim_stats after = dt_stats(&t);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        enum port_sim_op op = want[i].op;
        uint64_t pre = after.calls_at_sched_set[op] - before.op[op].calls;
        uint64_t all = after.op[op].calls - before.op[op].calls;
        ck_assert_msg(pre == want[i].before_sched && all == want[i].in_all,
                      "%s, %s: %llu before the scheduler call, %llu in all (want %llu, %llu)",
                      reaction_rows[_i].policy, port_sim_op_name(op), (unsigned long long)pre,
                      (unsigned long long)all, (unsigned long long)want[i].before_sched,
                      (unsigned long long)want[i].in_all);
    }
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_cpu(void)
{
    TCase *tc = tcase_create("cpu");
    tcase_add_test(tc, cpu_trade);
    tcase_add_test(tc, cpu_agentless);
    tcase_add_test(tc, cpu_agentless_io);
    tcase_add_loop_test(tc, cpu_reaction_calls, 0,
                        (int)(sizeof(reaction_rows) / sizeof(reaction_rows[0])));
    return tc;
}
