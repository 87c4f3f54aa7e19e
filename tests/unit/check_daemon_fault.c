/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon when Xen refuses: host-control calls that fail (the
 * scenario's fail lines, xenplm-sim(5)) with the codes port_xen.c returns
 * for libxl's errors.  Each failure is logged once, not once per turn or
 * per retry; it is retried with a backoff, so that a minute of failures
 * costs a handful of calls; every failed call is counted in the daemon's
 * enforce_errors; what the guest reads as its grant is what Xen holds (a
 * grant Xen refused is withheld); and once the call succeeds again, the
 * allocation is enforced and the grant written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_test.h"
#include "core/error.h"
#include "protocol/grant.h"

/* After every step: a grant the guest reads for the first time says what
 * Xen holds (its cap, its online vcpus).  One Xen refused is withheld: the
 * guest keeps the one it had. */
static char last_grant[PROTO_GRANT_ENCODED_MAX + 1];

static void grant_is_xen(struct dt *t, void *ctx)
{
    const char *name = ctx;
    char buf[PROTO_GRANT_ENCODED_MAX + 1];
    struct proto_grant g;

    if (dt_guest_read(t, name, "granted", buf, sizeof(buf)) != 0 || strcmp(buf, last_grant) == 0)
        return;
    snprintf(last_grant, sizeof(last_grant), "%s", buf);
    ck_assert_msg(proto_grant_decode(buf, strlen(buf), &g, NULL) == 0, "granted '%s'", buf);
    struct port_sim_domain sd = dt_sim(t, name);
    ck_assert_msg(g.cpu == PLM_UNITS(sd.cap), "t=%llums: granted cpu %lld, Xen's cap %d",
                  (unsigned long long)dt_now(t), (long long)(g.cpu / PLM_SCALE), sd.cap);
    ck_assert_msg(g.vcpus == sd.info.online_vcpus, "t=%llums: granted %u vcpus, %u online",
                  (unsigned long long)dt_now(t), g.vcpus, sd.info.online_vcpus);
}

static char dom_a[] = "a";

static uint64_t calls(struct dt *t, enum port_sim_op op)
{
    return dt_stats(t).op[op].calls;
}

static uint64_t injected(struct dt *t, enum port_sim_op op)
{
    return dt_stats(t).op[op].injected;
}

#define CPU_HOST                                                                                   \
    "host pcpus=4 memory=8192 dom0=1024\n"                                                         \
    "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"                                        \
    "at 1s a request cpu=150\n"

/*
 * Xen refuses a's scheduler parameters for a minute (libxl's ERROR_FAIL)
 * when it asks 250: the cap stays at 150, and so does its grant; about
 * six tries in that minute; one warning; then the cap and grant of 250.
 */
START_TEST(fault_sched_set)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            CPU_HOST "at 5s a fail sched-set for 60s\n"
                     "at 6s a request cpu=250\n");
    t.observe = grant_is_xen;
    t.observe_ctx = dom_a;
    dt_run_exactly(&t, 4000 - dt_now(&t));
    ck_assert_int_eq(dt_sim(&t, "a").cap, 150);
    uint64_t before = calls(&t, PORT_SIM_OP_SCHED_SET);
    uint64_t errors = t.d.st.stats.enforce_errors;

    dt_cap_start(&lc);
    dt_run_exactly(&t, 64000 - dt_now(&t));
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 250);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 150);
    uint64_t tries = calls(&t, PORT_SIM_OP_SCHED_SET) - before;
    ck_assert_uint_ge(tries, 3);
    ck_assert_uint_le(tries, 8);
    ck_assert_uint_eq(t.d.st.stats.enforce_errors - errors, injected(&t, PORT_SIM_OP_SCHED_SET));
    ck_assert_uint_eq(injected(&t, PORT_SIM_OP_SCHED_SET), tries);

    dt_run_until(&t, 130000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot set weight"), 1);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 250);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(250));
    ck_assert_uint_eq(vcpus, 3);
    dt_close(&t);
}
END_TEST

/*
 * While Xen refuses its scheduler parameters, a asks 150 again: nothing is
 * owed any more, so the tries stop, and the grant of 150 (what Xen holds)
 * is the one the guest reads.
 */
START_TEST(fault_sched_set_no_longer_owed)
{
    struct dt t;

    dt_open(&t, "base.xml",
            CPU_HOST "at 5s a fail sched-set for 120s\n"
                     "at 6s a request cpu=250\n"
                     "at 10s a request cpu=150\n");
    t.observe = grant_is_xen;
    t.observe_ctx = dom_a;
    dt_run_exactly(&t, 20000 - dt_now(&t));
    uint64_t tries = calls(&t, PORT_SIM_OP_SCHED_SET);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 150);
    dt_run_until(&t, 200000);
    ck_assert_uint_eq(calls(&t, PORT_SIM_OP_SCHED_SET), tries);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 150);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(150));
    ck_assert_uint_eq(vcpus, 2);
    ck_assert_uint_eq(dt_dom(&t, "a")->retry[DMN_RETRY_SCHED].fails, 0);
    dt_close(&t);
}
END_TEST

/*
 * The next four vcpu hot-plugs fail (ERROR_INVAL) when a asks 250: its
 * third vcpu comes online at the fifth try, its grant says 250 and 3 vcpus
 * only then, and the failures were logged once.
 */
START_TEST(fault_vcpus_set)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            CPU_HOST "at 5s a fail vcpus-set 4 inval\n"
                     "at 6s a request cpu=250\n");
    t.observe = grant_is_xen;
    t.observe_ctx = dom_a;
    dt_run_exactly(&t, 4000 - dt_now(&t));
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 2);
    uint64_t before = calls(&t, PORT_SIM_OP_VCPUS_SET);
    uint64_t errors = t.d.st.stats.enforce_errors;

    dt_cap_start(&lc);
    dt_run_exactly(&t, 8000 - dt_now(&t));
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 2);
    dt_run_until(&t, 66000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "vcpus online"), 1);
    ck_assert_uint_eq(injected(&t, PORT_SIM_OP_VCPUS_SET), 4);
    ck_assert_uint_eq(calls(&t, PORT_SIM_OP_VCPUS_SET) - before, 5);
    ck_assert_uint_eq(t.d.st.stats.enforce_errors - errors, 4);
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 3);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(250));
    ck_assert_uint_eq(vcpus, 3);
    dt_close(&t);
}
END_TEST

/*
 * a's memory targets are refused for a minute (ERROR_NOMEM) while it is
 * granted 2048 MiB: a handful of tries, one warning, the target where Xen
 * left it; then the balloon moves to its grant.
 */
START_TEST(fault_mem_target_set)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request mem=1024\n"
            "at 5s a fail mem-target-set for 60s nomem\n"
            "at 6s a request mem=1024,2048\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_target_kib, 1024 * MIB);
    uint64_t before = calls(&t, PORT_SIM_OP_MEM_TARGET_SET);
    uint64_t errors = t.d.st.stats.enforce_errors;

    dt_cap_start(&lc);
    dt_run_exactly(&t, 64000 - dt_now(&t));
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 2048);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_target_kib, 1024 * MIB);
    uint64_t tries = calls(&t, PORT_SIM_OP_MEM_TARGET_SET) - before;
    ck_assert_uint_ge(tries, 3);
    ck_assert_uint_le(tries, 8);
    ck_assert_uint_eq(t.d.st.stats.enforce_errors - errors, tries);

    dt_run_until(&t, 130000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot set memory target"), 1);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_target_kib, 2048 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 2048 * MIB);
    dt_close(&t);
}
END_TEST

/*
 * Xen's host facts cannot be read for half a minute when a asks 250: the
 * arbitration it calls for waits, with the cap and grant at 150; the
 * reading is tried with a backoff and the failure logged once; then the
 * 250 is enforced.
 */
START_TEST(fault_host_info)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            CPU_HOST "at 5s fail host-info for 30s\n"
                     "at 6s a request cpu=250\n");
    t.observe = grant_is_xen;
    t.observe_ctx = dom_a;
    dt_run_exactly(&t, 4000 - dt_now(&t));
    uint64_t before = calls(&t, PORT_SIM_OP_HOST_INFO);

    dt_cap_start(&lc);
    dt_run_exactly(&t, 34000 - dt_now(&t));
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 150);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 150);
    uint64_t tries = calls(&t, PORT_SIM_OP_HOST_INFO) - before;
    ck_assert_uint_ge(tries, 3);
    ck_assert_uint_le(tries, 7);
    ck_assert_uint_eq(injected(&t, PORT_SIM_OP_HOST_INFO), tries);

    dt_run_until(&t, 100000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot read host facts"), 1);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 250);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 250);
    dt_close(&t);
}
END_TEST

/*
 * a's domain info cannot be read for half a minute while its balloon
 * grows to a new grant: the reading is tried with a backoff and logged
 * once, a is not taken for gone, and its memory reaches the grant.
 */
START_TEST(fault_domain_info)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 balloon-rate=16\n"
            "at 1s a request mem=1024\n"
            "at 5s a fail domain-info for 30s\n"
            "at 6s a request mem=1024,2048\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    uint64_t before = calls(&t, PORT_SIM_OP_DOMAIN_INFO);

    dt_cap_start(&lc);
    dt_run_exactly(&t, 34000 - dt_now(&t));
    ck_assert(dt_known(&t, "a"));
    uint64_t tries = calls(&t, PORT_SIM_OP_DOMAIN_INFO) - before;
    ck_assert_uint_ge(tries, 3);
    ck_assert_uint_le(tries, 7);

    dt_run_until(&t, 200000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot read"), 1);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 2048);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 2048 * MIB);
    ck_assert_uint_eq(dt_dom(&t, "a")->info.mem_target_kib, 2048 * MIB);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_fault(void)
{
    TCase *tc = tcase_create("fault");
    tcase_add_test(tc, fault_sched_set);
    tcase_add_test(tc, fault_sched_set_no_longer_owed);
    tcase_add_test(tc, fault_vcpus_set);
    tcase_add_test(tc, fault_mem_target_set);
    tcase_add_test(tc, fault_host_info);
    tcase_add_test(tc, fault_domain_info);
    return tc;
}
