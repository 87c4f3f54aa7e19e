/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpu affinity end to end: the policy's <affinity> (tests/daemon/
 * affinity.xml) through the decision step and apply into the simulated
 * host, read back per vcpu as `xl vcpu-list` would show it.  Set on every
 * vcpu up to max_vcpus, once; again after a hotplug; retried with the
 * backoff when Xen refuses it; undone when the rule goes; a list the host
 * has no pCPU of is reported, not applied.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon_test.h"
#include "core/error.h"

#define HOST                                                                                       \
    "host pcpus=4 memory=8192 dom0=1024\n"                                                         \
    "domain pinned memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"                                   \
    "domain batch memory=1024 maxmem=2048 vcpus=2 maxvcpus=2\n"                                    \
    "domain other memory=1024 maxmem=2048 vcpus=1 maxvcpus=2\n"

/* vcpu's affinity in the simulated host, as "hard/soft". */
static const char *aff(struct dt *t, const char *name, unsigned vcpu)
{
    static char out[2 * PLM_CPUMAP_STRLEN + 2];
    char h[PLM_CPUMAP_STRLEN], s[PLM_CPUMAP_STRLEN];
    struct plm_cpumap hard, soft;

    ck_assert_int_eq(port_sim_vcpu_affinity(t->p, dt_id(t, name), vcpu, &hard, &soft), 0);
    snprintf(out, sizeof(out), "%s/%s", plm_cpumap_format(&hard, h, sizeof(h)),
             plm_cpumap_format(&soft, s, sizeof(s)));
    return out;
}

static uint64_t aff_calls(struct dt *t, const char *name)
{
    return dt_sim(t, name).affinity_calls;
}

/* Each rule's maps on every vcpu, offline ones included, in one call;
 * a domain no rule pins is never called for. */
START_TEST(affinity_applied)
{
    struct dt t;

    dt_open(&t, "affinity.xml", HOST);
    dt_run_exactly(&t, 3000 - dt_now(&t));
    for (unsigned v = 0; v < 4; v++)
        ck_assert_str_eq(aff(&t, "pinned", v), "0-1/1");
    for (unsigned v = 0; v < 2; v++) {
        ck_assert_str_eq(aff(&t, "batch", v), "2-3/0-3");
        ck_assert_str_eq(aff(&t, "other", v), "0-3/0-3");
    }
    ck_assert_uint_eq(aff_calls(&t, "pinned"), 1);
    ck_assert_uint_eq(aff_calls(&t, "batch"), 1);
    ck_assert_uint_eq(aff_calls(&t, "other"), 0);
    ck_assert_int_eq(port_sim_vcpu_affinity(t.p, dt_id(&t, "pinned"), 4, &(struct plm_cpumap){0},
                                            &(struct plm_cpumap){0}),
                     PLM_EINVAL);
    /* Nothing changes: no call more. */
    dt_run_exactly(&t, 30000 - dt_now(&t));
    ck_assert_uint_eq(aff_calls(&t, "pinned"), 1);
    ck_assert_uint_eq(aff_calls(&t, "batch"), 1);
    dt_close(&t);
}
END_TEST

/* pinned's agent asks 250: two vcpus come online, and the affinity is set
 * again on all of them (they had it already: it stays so). */
START_TEST(affinity_hotplug)
{
    struct dt t;

    dt_open(&t, "affinity.xml", HOST "at 5s pinned request cpu=250\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    ck_assert_uint_eq(aff_calls(&t, "pinned"), 1);
    dt_run_exactly(&t, 15000 - dt_now(&t));
    ck_assert_uint_eq(dt_sim(&t, "pinned").info.online_vcpus, 3);
    ck_assert_uint_eq(aff_calls(&t, "pinned"), 2);
    for (unsigned v = 0; v < 4; v++)
        ck_assert_str_eq(aff(&t, "pinned", v), "0-1/1");
    dt_run_exactly(&t, 30000 - dt_now(&t));
    ck_assert_uint_eq(aff_calls(&t, "pinned"), 2);
    dt_close(&t);
}
END_TEST

/* Xen refuses a new domain's affinity three times: warned once, tried
 * again with the backoff (1 s, 2 s, 4 s), then set. */
START_TEST(affinity_refused)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "affinity.xml",
            HOST "at 5s create late memory=512 maxmem=1024 vcpus=1 maxvcpus=2\n"
                 "at 5s late fail affinity-set 3\n");
    dt_cap_start(&lc);
    dt_run_exactly(&t, 9000 - dt_now(&t));
    ck_assert_str_eq(aff(&t, "late", 0), "0-3/0-3");
    ck_assert_uint_ge(aff_calls(&t, "late"), 2);
    dt_run_exactly(&t, 30000 - dt_now(&t));
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot set vcpu affinity"), 1);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_AFFINITY_SET].injected, 3);
    ck_assert_uint_eq(aff_calls(&t, "late"), 4);
    ck_assert_str_eq(aff(&t, "late", 0), "2-3/0-3");
    ck_assert_str_eq(aff(&t, "late", 1), "2-3/0-3");
    ck_assert_uint_eq(dt_dom(&t, "late")->retry[DMN_RETRY_AFFINITY].fails, 0);
    dt_close(&t);
}
END_TEST

/* A hard list the host has no pCPU of: reported once, the soft side set. */
START_TEST(affinity_not_on_host)
{
    struct dt t;
    struct dt_logcap lc;

    dt_cap_start(&lc);
    dt_open(&t, "affinity.xml", HOST "at 2s create away memory=512 maxmem=1024 vcpus=1\n");
    dt_run_exactly(&t, 30000 - dt_now(&t));
    ck_assert_uint_eq(dt_cap_stop(&lc, "hard affinity 16-31 names no pCPU"), 1);
    ck_assert_str_eq(aff(&t, "away", 0), "0-3/0");
    ck_assert_uint_eq(aff_calls(&t, "away"), 1);
    ck_assert(strstr(dt_dom(&t, "away")->eng.aff_problem, "not applied"));
    dt_close(&t);
}
END_TEST

/* The rule goes at a reload: what xenplm set goes back to every pCPU. */
START_TEST(affinity_rule_removed)
{
    struct dt t;

    dt_open(&t, "affinity.xml", HOST);
    dt_run_exactly(&t, 3000 - dt_now(&t));
    ck_assert_str_eq(aff(&t, "pinned", 2), "0-1/1");
    dt_install_policy(&t, "base.xml");
    dmn_request_reload(); /* as SIGHUP: in the next turn */
    dt_run_exactly(&t, 6000 - dt_now(&t));
    for (unsigned v = 0; v < 4; v++)
        ck_assert_str_eq(aff(&t, "pinned", v), "0-3/0-3");
    ck_assert_str_eq(aff(&t, "batch", 1), "0-3/0-3");
    ck_assert_uint_eq(aff_calls(&t, "other"), 0);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_affinity(void)
{
    TCase *tc = tcase_create("affinity");
    tcase_add_test(tc, affinity_applied);
    tcase_add_test(tc, affinity_hotplug);
    tcase_add_test(tc, affinity_refused);
    tcase_add_test(tc, affinity_not_on_host);
    tcase_add_test(tc, affinity_rule_removed);
    return tc;
}
