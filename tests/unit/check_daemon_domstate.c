/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon when a domain changes behind its back (xenplm-sim(5)): a
 * guest that crashes and is preserved, one that shuts down, one that is
 * paused and unpaused, one that takes memory above its target, one whose
 * maxmem the operator changes, one whose vcpus change.  The
 * harness checks after every step that free memory never went below the
 * headroom and that no grant passes the pool or a maximum; these tests
 * add what the daemon does about the domain itself: let go of one that
 * is no longer running without a call to Xen about it, wait for one that
 * does not move, and count what a guest took as taken.
 *
 * The host: 5 GiB, 1 GiB for dom0; a and b hold 1 GiB each and may grow
 * to 4 GiB (the policy allows 3 GiB), so 2 GiB is free, of which the
 * policy keeps 512 MiB.  a asks for 2 GiB first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/log.h"
#include "daemon_test.h"
#include "core/error.h"

#define HOST                                                                                       \
    "host pcpus=4 memory=5120 dom0=1024\n"                                                         \
    "domain a memory=1024 maxmem=4096 vcpus=1 maxvcpus=4\n"                                        \
    "domain b memory=1024 maxmem=4096 vcpus=1 maxvcpus=4\n"

/* The daemon's calls to Xen about a domain so far. */
static uint64_t xen_calls(struct dt *t, const char *name)
{
    struct port_sim_domain d = dt_sim(t, name);
    return d.sched_calls + d.vcpus_calls + d.mem_calls;
}

/*
 * a crashes and is preserved for a minute: the daemon lets go of it at
 * once, without a warning, makes no call about it, and does not give its memory,
 * which Xen still holds, to b; once a is destroyed, b may have it.
 */
START_TEST(crash_preserved)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            HOST "at 1s a request mem=2048\n"
                 "at 1s b request mem=1024\n"
                 "at 20s a crash\n"
                 "at 21s b request mem=1024,3072\n"
                 "at 80s a destroy\n");
    dt_run_until(&t, 19000);
    ck_assert_int_eq(dt_sim(&t, "a").info.mem_actual_kib, 2048 * MIB);
    dt_cap_start(&lc);
    dt_run_exactly(&t, 21000 - dt_now(&t));
    ck_assert(!dt_known(&t, "a"));
    uint64_t calls = xen_calls(&t, "a");
    dt_run_exactly(&t, 75000 - dt_now(&t));
    ck_assert_uint_eq(xen_calls(&t, "a"), calls);
    /* 5120 - 1024 (dom0) - 2048 (a, crashed) - 512 (headroom). */
    ck_assert_int_le(dt_alloc(&t, "b", POL_MEMORY), 1536);
    ck_assert_uint_le(dt_sim(&t, "b").info.mem_target_kib, 1536 * MIB);
    dt_run_until(&t, 140000);
    ck_assert_uint_eq(dt_cap_stop(&lc, " warning: "), 0);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 3072);
    dt_close(&t);
}
END_TEST

/* a shuts down and the toolstack destroys it: let go of, and its memory
 * handed out once it is free. */
START_TEST(shutdown_destroyed)
{
    struct dt t;

    dt_open(&t, "base.xml",
            HOST "at 1s a request mem=2048\n"
                 "at 20s a shutdown\n"
                 "at 21s b request mem=1024,3072\n");
    dt_run_until(&t, 19000);
    dt_run_exactly(&t, 21000 - dt_now(&t));
    ck_assert(!dt_known(&t, "a"));
    ck_assert_int_ne(dt_sim(&t, "a").state, PORT_SIM_RUNNING);
    dt_run_until(&t, 100000);
    ck_assert_int_eq(dt_sim(&t, "a").state, PORT_SIM_GONE);
    /* All of a's memory came back: b may have its policy's max. */
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 3072);
    dt_close(&t);
}
END_TEST

/*
 * a is paused while it should give memory back to b: its balloon does
 * not move, so b grows only by what is free above the headroom, in a
 * handful of turns, not one per millisecond; once a is unpaused, the move
 * completes at the next probe of a's balloon (they back off: 30 s after it
 * was found stuck, then twice as long each time, so by about 500 s).
 */
START_TEST(pause_stops_a_move)
{
    struct dt t;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=6144 dom0=1024\n"
            "domain a memory=3072 maxmem=3072 balloon-rate=64\n"
            "domain b memory=1024 maxmem=4096\n"
            "at 1s a pause\n"
            "at 2s a request mem=1024\n"
            "at 2s b request mem=3072\n"
            "at 300s a unpause\n");
    dt_run_exactly(&t, 10000 - dt_now(&t));
    uint64_t steps = t.steps;
    dt_run_exactly(&t, 290000 - dt_now(&t));
    ck_assert_uint_le(t.steps - steps, 200);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 3072 * MIB);
    /* 1 GiB free at the start, 512 MiB of it kept. */
    ck_assert_uint_le(dt_sim(&t, "b").info.mem_actual_kib, 1536 * MIB);
    dt_run_until(&t, 700000);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 1024 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "b").info.mem_actual_kib, 3072 * MIB);
    dt_close(&t);
}
END_TEST

/*
 * a takes 2 GiB above its target and keeps it (its balloon stuck): what
 * it took is no longer free, and b, asking for everything, is not given
 * it (the harness checks the headroom at every step).
 */
START_TEST(grow_above_target)
{
    struct dt t;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=6144 dom0=1024\n"
            "domain a memory=1024 maxmem=4096\n"
            "domain b memory=1024 maxmem=4096\n"
            "at 1s a stuck on\n"
            "at 2s a grow 2048\n"
            "at 5s b request mem=1024,3072\n");
    dt_run_until(&t, 3000);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 3072 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_target_kib, 1024 * MIB);
    dt_run_until(&t, 120000);
    /* 6144 - 1024 (dom0) - 3072 (a) - 512 (headroom). */
    ck_assert_uint_le(dt_sim(&t, "b").info.mem_actual_kib, 1536 * MIB);
    ck_assert_int_le(dt_alloc(&t, "b", POL_MEMORY), 1536);
    dt_close(&t);
}
END_TEST

/*
 * a is given 2 GiB, but Xen refuses its new target for a minute, so it
 * stays at 1 GiB; meanwhile the operator lowers its maxmem to 1.5 GiB (xl
 * mem-max, accepted: above its target).  Its grant of 2 GiB is now more
 * than it can ever hold: the daemon notices the new maxmem (at its next
 * reading of the domain, within a minute at most) and gives it 1.5 GiB,
 * which is also what the guest reads.
 */
START_TEST(maxmem_lowered)
{
    struct dt t;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048\n"
            "at 1s a fail mem-target-set for 60s\n"
            "at 2s a request mem=1024,2048\n"
            "at 10s a maxmem 1536\n");
    dt_run_until(&t, 9000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 2048);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_target_kib, 1024 * MIB);
    dt_run_until(&t, 75000);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_max_kib, 1536 * MIB);
    ck_assert_uint_eq(dt_dom(&t, "a")->info.mem_max_kib, 1536 * MIB);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1536);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(mem, PLM_UNITS(1536));
    dt_run_until(&t, 150000);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 1536 * MIB);
    dt_close(&t);
}
END_TEST

/*
 * a asks 300 pct and is given it, with its 4 vcpus online; then it has 2
 * vcpus (maxvcpus, behind the daemon's back).  Its grant of 300 is more
 * than 2 vcpus can use: the daemon notices at its next reading of the
 * domain (within a minute and a few seconds), says so once, arbitrates
 * again and gives it 200, brings its online vcpus to 2, and the guest
 * reads that; back at 6 vcpus, it is given its 300 again.  Each change
 * is seen once: no further reallocation while nothing changes.
 */
START_TEST(maxvcpus_changed)
{
    struct dt t;
    struct dt_logcap lc;
    plm_amt_t cpu, mem;
    unsigned vcpus;

    dt_open(&t, "base.xml",
            "host pcpus=8 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request cpu=300\n"
            "at 10s a maxvcpus 2\n"
            "at 150s a maxvcpus 6\n");
    dt_run_exactly(&t, 9000 - dt_now(&t));
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 300);
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 3);
    log_set_priority(LOG_INFO); /* the news is an info line */
    dt_cap_start(&lc);
    dt_run_exactly(&t, 75000 - dt_now(&t));
    unsigned said = dt_cap_stop(&lc, "4 -> 2 vcpus at most");
    log_set_priority(getenv("DT_VERBOSE") ? LOG_DEBUG : LOG_WARNING);
    ck_assert_uint_eq(said, 1);
    ck_assert_uint_eq(dt_dom(&t, "a")->info.max_vcpus, 2);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 200);
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(200));
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 2);
    uint64_t reallocs = t.d.st.eng.reallocations;
    dt_run_exactly(&t, 149000 - dt_now(&t));
    ck_assert_uint_eq(t.d.st.eng.reallocations, reallocs);
    dt_run_until(&t, 220000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 300);
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 3);
    dt_close(&t);
}
END_TEST

/*
 * A domain xl is migrating in ("NAME--incoming") or out
 * ("NAME--migratedaway") is the migration's: never adopted, no call made
 * about it, and the daemon lists the domains every second while one is
 * there (to adopt it once renamed), not every minute.
 */
START_TEST(migration_copies_left_alone)
{
    struct dt t;

    ck_assert(dmn_in_transit("web--incoming"));
    ck_assert(dmn_in_transit("web--migratedaway"));
    ck_assert(!dmn_in_transit("--incoming"));
    ck_assert(!dmn_in_transit("web--incoming-2"));
    ck_assert(!dmn_in_transit("web"));
    dt_open(&t, "base.xml",
            HOST "domain c--incoming memory=512 maxmem=1024 vcpus=1 maxvcpus=2\n"
                 "at 1s a request mem=1024\n");
    dt_run_until(&t, 10000);
    ck_assert(dt_known(&t, "a"));
    ck_assert(!dt_known(&t, "c--incoming"));
    ck_assert_uint_eq(xen_calls(&t, "c--incoming"), 0);
    ck_assert(t.d.transit);
    uint64_t lists = dt_stats(&t).op[PORT_SIM_OP_LIST_DOMAINS].calls;
    dt_run_for(&t, 10000);
    ck_assert_uint_ge(dt_stats(&t).op[PORT_SIM_OP_LIST_DOMAINS].calls - lists, 8);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_domstate(void)
{
    TCase *tc = tcase_create("domstate");
    tcase_add_test(tc, crash_preserved);
    tcase_add_test(tc, shutdown_destroyed);
    tcase_add_test(tc, pause_stops_a_move);
    tcase_add_test(tc, grow_above_target);
    tcase_add_test(tc, maxmem_lowered);
    tcase_add_test(tc, maxvcpus_changed);
    tcase_add_test(tc, migration_copies_left_alone);
    return tc;
}
