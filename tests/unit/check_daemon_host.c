/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon and its host: policy reloads, the cost of a reallocation in
 * xenstore operations, domains coming and going, domains the daemon must
 * leave alone, the xenstore connection breaking, and the scenario's end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_test.h"
#include "core/error.h"
#include "protocol/grant.h"

/* The rule max of the domain's policy entry, in whole units. */
static long rule_max(struct dt *t, const char *name, int res)
{
    return (long)(dt_dom(t, name)->rule->max[res] / PLM_SCALE);
}

/* Reload as SIGHUP would have the daemon do it, in its next turn. */
static void reload(struct dt *t)
{
    dmn_request_reload();
    dt_step(t);
}

/*
 * "a" asks 250 of a 400 pool.  base.xml lets it have it; reload.xml caps
 * every guest at 120, and a reload applies that at once.  Broken files
 * (not XML, against the schema, against a rule the schema cannot express)
 * are refused, and the last good policy stays in force.  Going back to
 * base.xml gives the 250 back.
 */
START_TEST(host_reload)
{
    struct dt t;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request cpu=250\n");
    dt_run_until(&t, 2000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 250);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 250);

    dt_install_policy(&t, "reload.xml");
    reload(&t);
    ck_assert_int_eq(rule_max(&t, "a", POL_CPU), 120);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 120);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 120);
    ck_assert_uint_eq(dt_sim(&t, "a").info.online_vcpus, 2);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(120));

    static const char *const broken[] = {
        "this is not XML\n",
        "<?xml version=\"1.0\"?>\n<xenplm-policy version=\"1\"><host><tick>0s</tick></host>"
        "</xenplm-policy>\n",
        "<?xml version=\"1.0\"?>\n<xenplm-policy version=\"1\">\n<domain name=\"*\">"
        "<cpu><min>200</min><max>100</max></cpu></domain>\n</xenplm-policy>\n",
        "",
    };
    uint64_t sched = dt_sim(&t, "a").sched_calls;
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        dt_write_policy(&t, broken[i]);
        reload(&t);
        dt_run_for(&t, 3000);
        ck_assert_int_eq(rule_max(&t, "a", POL_CPU), 120);
        ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 120);
        ck_assert_uint_eq(t.d.st.policy.host.tick_ms, 1000);
    }
    ck_assert_uint_eq(dt_sim(&t, "a").sched_calls, sched);

    /* Issue 10 #4: 80,000 attributes (under 1 MiB), refused before parsing. */
    size_t cap = 80000 * 16 + 128, off;
    char *many = malloc(cap);
    ck_assert_ptr_nonnull(many);
    off = (size_t)snprintf(many, cap, "<?xml version=\"1.0\"?>\n<xenplm-policy version=\"1\"");
    for (unsigned i = 0; i < 80000; i++)
        off += (size_t)snprintf(many + off, cap - off, " a%u=\"1\"", i);
    snprintf(many + off, cap - off, "/>\n");
    dt_write_policy(&t, many);
    free(many);
    reload(&t);
    dt_run_for(&t, 3000);
    ck_assert_int_eq(rule_max(&t, "a", POL_CPU), 120);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 120);
    ck_assert_uint_eq(dt_sim(&t, "a").sched_calls, sched);

    dt_install_policy(&t, "base.xml");
    reload(&t);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 250);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 250);
    dt_close(&t);
}
END_TEST

/*
 * The same grant, enforced another way: a policy that enforces CPU by
 * weight alone leaves the cap off; one that enforces both sets the cap at
 * the reload, though the grant does not change.
 */
START_TEST(host_reload_enforcement)
{
    struct dt t;
    static const char weight_only[] =
        "<?xml version=\"1.0\"?>\n<xenplm-policy version=\"1\">\n"
        "<host><tick>1s</tick><cpu><trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/>"
        "</trigger></cpu></host>\n"
        "<domain name=\"*\"><cpu><min>10</min><max>300</max><enforce>weight</enforce>"
        "</cpu></domain>\n</xenplm-policy>\n";

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request cpu=150\n");
    dt_write_policy(&t, weight_only);
    reload(&t);
    dt_run_until(&t, 3000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 150);
    ck_assert_int_eq(dt_sim(&t, "a").weight, 384);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 0);

    dt_install_policy(&t, "base.xml");
    reload(&t);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 150);
    ck_assert_int_eq(dt_sim(&t, "a").cap, 150);
    ck_assert_int_eq(dt_sim(&t, "a").weight, 384);

    /* Another tool resets the parameters (as xl cpupool-migrate does): a
     * reload of the same policy sends them again. */
    uint64_t calls = dt_sim(&t, "a").sched_calls;
    reload(&t);
    ck_assert_uint_eq(dt_sim(&t, "a").sched_calls, calls + 1);
    ck_assert_int_eq(dt_sim(&t, "a").last_weight, 384);
    ck_assert_int_eq(dt_sim(&t, "a").last_cap, 150);
    dt_close(&t);
}
END_TEST

#define MANY 20

/*
 * Twenty guests on sixteen pCPUs each ask 50 (no contention).  When one of
 * them asks 80, only its own keys are written: the status and seq of its
 * request in one transaction, its grant in another, one scheduler call.
 */
START_TEST(host_writes_proportional)
{
    struct dt t;
    char scn[4096], name[16];
    size_t n = (size_t)snprintf(scn, sizeof(scn), "host pcpus=16 memory=65536 dom0=1024\n");

    for (int i = 0; i < MANY; i++)
        n += (size_t)snprintf(scn + n, sizeof(scn) - n,
                              "domain g%d memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n", i);
    for (int i = 0; i < MANY; i++)
        n += (size_t)snprintf(scn + n, sizeof(scn) - n, "at 1s g%d request cpu=50\n", i);
    ck_assert_uint_lt(n, sizeof(scn));
    dt_open(&t, "base.xml", scn);
    dt_run_until(&t, 5000);
    for (int i = 0; i < MANY; i++) {
        snprintf(name, sizeof(name), "g%d", i);
        ck_assert_int_eq(dt_alloc(&t, name, POL_CPU), 50);
    }

    struct port_sim_stats before = dt_stats(&t);
    uint64_t rechecks = t.d.st.stats.xs_rechecks;
    dt_request(&t, "g7", "80", NULL);
    dt_run_for(&t, 5000);
    struct port_sim_stats after = dt_stats(&t);
    ck_assert_int_eq(dt_alloc(&t, "g7", POL_CPU), 80);
    ck_assert_uint_eq(
        after.op[PORT_SIM_OP_XS_WRITE_TXN].calls - before.op[PORT_SIM_OP_XS_WRITE_TXN].calls, 2);
    ck_assert_uint_eq(after.xs_keys_written - before.xs_keys_written, 3);
    /* Besides the periodic check's reads of every request (a minute apart). */
    ck_assert_uint_eq(after.op[PORT_SIM_OP_XS_READ].calls - before.op[PORT_SIM_OP_XS_READ].calls -
                          (t.d.st.stats.xs_rechecks - rechecks),
                      1);
    ck_assert_uint_eq(
        after.op[PORT_SIM_OP_SCHED_SET].calls - before.op[PORT_SIM_OP_SCHED_SET].calls, 1);
    ck_assert_uint_eq(after.op[PORT_SIM_OP_VCPUS_SET].calls,
                      before.op[PORT_SIM_OP_VCPUS_SET].calls);
    ck_assert_uint_eq(after.op[PORT_SIM_OP_MEM_TARGET_SET].calls,
                      before.op[PORT_SIM_OP_MEM_TARGET_SET].calls);
    dt_close(&t);
}
END_TEST

static void expect_perms(struct dt *t, const char *name)
{
    char path[PORT_PATH_MAX], perms[32], want[32];
    uint32_t id = dt_id(t, name);

    snprintf(path, sizeof(path), PROTO_GRANT_DIR_PATH_FMT, id);
    snprintf(want, sizeof(want), "n0,r%u", id);
    ck_assert_int_eq(port_sim_xs_perms(t->p, path, perms, sizeof(perms)), 0);
    ck_assert_str_eq(perms, want);
}

/*
 * "fresh" is created by the scenario and "later" by the test: both are
 * adopted with their grant subtree, and managed once they ask.  "idle"
 * never asks and the policy has no agentless rule for it: whatever
 * happens around it, the daemon never calls the scheduler, the vcpus or
 * the memory target for it, and never writes it a grant.
 */
START_TEST(host_domains_come_and_unmanaged)
{
    struct dt t;
    char buf[64];

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "domain idle memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=100\n"
            "at 1s a request cpu=100 mem=1536\n"
            "at 5s create fresh memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=50\n"
            "at 7s fresh request cpu=150 mem=1024\n");
    dt_run_until(&t, 2000);
    ck_assert(!dt_known(&t, "fresh"));
    dt_run_until(&t, 5000);
    ck_assert(dt_known(&t, "fresh"));
    expect_perms(&t, "fresh");
    ck_assert(!dmn_managed(dt_dom(&t, "fresh")));
    dt_run_until(&t, 10000);
    ck_assert_int_eq(dt_alloc(&t, "fresh", POL_CPU), 150);
    ck_assert_int_eq(dt_sim(&t, "fresh").cap, 150);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "fresh", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(150));

    struct port_sim_domspec spec;
    uint32_t later;
    port_sim_domspec_init(&spec, "later", 1024 * MIB);
    spec.maxmem_kib = 2048 * MIB;
    spec.max_vcpus = 4;
    ck_assert_int_eq(port_sim_create_domain(t.p, &spec, &later), 0);
    dt_step(&t);
    ck_assert(dt_known(&t, "later"));
    expect_perms(&t, "later");
    dt_request(&t, "later", "100", "768");
    dt_run_for(&t, 10000);
    ck_assert_int_eq(dt_alloc(&t, "later", POL_CPU), 100);
    ck_assert_int_eq(dt_alloc(&t, "later", POL_MEMORY), 768);
    ck_assert_uint_eq(dt_sim(&t, "later").info.mem_actual_kib, 768 * MIB);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1536);

    struct port_sim_domain idle = dt_sim(&t, "idle");
    ck_assert(!dmn_managed(dt_dom(&t, "idle")));
    ck_assert_uint_eq(idle.sched_calls, 0);
    ck_assert_uint_eq(idle.vcpus_calls, 0);
    ck_assert_uint_eq(idle.mem_calls, 0);
    ck_assert_int_eq(idle.weight, 256);
    ck_assert_uint_eq(idle.info.mem_target_kib, 1024 * MIB);
    expect_perms(&t, "idle");
    ck_assert_int_eq(dt_guest_read(&t, "idle", "granted", buf, sizeof(buf)), PLM_ENOENT);
    dt_close(&t);
}
END_TEST

/*
 * The xenstore connection drops; while it is down "b" changes its request,
 * "c" is created and "a" destroyed, and every event is lost with the
 * connection.  The daemon reconnects, lists the domains and re-reads every
 * request.
 */
START_TEST(host_disconnect)
{
    struct dt t;

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "domain b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request cpu=100\n"
            "at 1s b request cpu=100\n"
            "at 5s disconnect\n");
    dt_run_until(&t, 6000);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_RECONNECT].calls, 1);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_CPU), 100);

    ck_assert_int_eq(port_sim_disconnect(t.p), 0);
    dt_request(&t, "b", "60", NULL);
    struct port_sim_domspec spec;
    uint32_t c;
    port_sim_domspec_init(&spec, "c", 1024 * MIB);
    spec.max_vcpus = 4;
    ck_assert_int_eq(port_sim_create_domain(t.p, &spec, &c), 0);
    ck_assert_int_eq(port_sim_destroy_domain(t.p, dt_id(&t, "a")), 0);
    dt_request(&t, "c", "70", NULL);
    uint64_t reads = dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls;

    dt_run_for(&t, 5000);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_RECONNECT].calls, 2);
    ck_assert(!dt_known(&t, "a"));
    ck_assert_int_eq(dt_alloc(&t, "b", POL_CPU), 60);
    ck_assert_int_eq(dt_alloc(&t, "c", POL_CPU), 70);
    expect_perms(&t, "c");
    /* Both requests were read again, the unchanged one too. */
    ck_assert_uint_ge(dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls - reads, 2);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "b", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(60));
    dt_granted(&t, "c", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(70));
    dt_close(&t);
}
END_TEST

/*
 * The connection breaks in the middle of a turn of the loop, after the
 * daemon decided a new allocation and before it wrote the grant: the write
 * fails, and once reconnected the daemon must write it again, or the guest
 * reads a stale grant until the next change.  The break comes from the
 * host's log callback, run by the read of a missing key ("late", which
 * runs no agent) in the same tick that samples the agentless "legacy".
 */
struct cut {
    struct dt *t;
    bool armed, fired;
};

static void cut_log(void *ctx, enum port_sim_log_level level, const char *msg)
{
    struct cut *c = ctx;
    (void)level;
    (void)msg;
    if (!c->armed || c->fired)
        return;
    c->fired = true;
    ck_assert_int_eq(port_sim_disconnect(c->t->p), 0);
}

START_TEST(host_disconnect_mid_turn)
{
    struct dt t;
    struct cut cut;

    dt_open(&t, "agentless.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain late memory=512 maxmem=512\n"
            "domain legacy memory=1024 maxmem=2048 vcpus=2 maxvcpus=2 cpu=80\n");
    dt_run_until(&t, 10000);
    ck_assert_int_eq(dt_alloc(&t, "legacy", POL_CPU), 96);

    /* From the next sample on, legacy uses 90: 108 with the headroom. */
    ck_assert_int_eq(port_sim_set_demand(t.p, dt_id(&t, "legacy"), 90), 0);
    uint32_t late = dt_id(&t, "late");
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(port_sim_guest_write(t.p, late, "data/xenplm/request", "x", 1), 0);
    ck_assert_int_eq(port_sim_guest_rm(t.p, late, "data/xenplm/request"), 0);
    dt_step(&t);
    ck_assert(dt_dom(&t, "late")->pending_read);

    memset(&cut, 0, sizeof(cut));
    cut.t = &t;
    port_sim_set_log(t.p, cut_log, &cut);
    cut.armed = true;
    dt_step(&t);
    ck_assert(cut.fired);
    port_sim_set_log(t.p, NULL, NULL);
    ck_assert_int_eq(dt_alloc(&t, "legacy", POL_CPU), 108);
    ck_assert_uint_ge(dt_stats(&t).op[PORT_SIM_OP_XS_WRITE_TXN].failures, 1);

    dt_run_for(&t, 10000);
    ck_assert_int_eq(dt_alloc(&t, "legacy", POL_CPU), 108);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "legacy", &cpu, &vcpus, &mem);
    ck_assert_int_eq(cpu, PLM_UNITS(108));
    dt_close(&t);
}
END_TEST

/* The scenario's end stops the loop (the port's wait() says PLM_ENOENT: the host is
 * gone), as it stops xenplmd-sim. */
START_TEST(host_scenario_end)
{
    struct dt t;
    unsigned steps = 0;

    dt_open(&t, "base.xml",
            "host pcpus=2 memory=4096 dom0=1024\n"
            "domain a memory=1024 vcpus=1 maxvcpus=2\n"
            "at 1s a request cpu=100\n"
            "at 3s end\n");
    while (dt_step(&t) == 0)
        ck_assert_uint_lt(++steps, 100);
    ck_assert(port_sim_finished(t.p));
    ck_assert_uint_ge(dt_now(&t), 3000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 100);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_host(void)
{
    TCase *tc = tcase_create("host");
    tcase_add_test(tc, host_reload);
    tcase_add_test(tc, host_reload_enforcement);
    tcase_add_test(tc, host_writes_proportional);
    tcase_add_test(tc, host_domains_come_and_unmanaged);
    tcase_add_test(tc, host_disconnect);
    tcase_add_test(tc, host_disconnect_mid_turn);
    tcase_add_test(tc, host_scenario_end);
    return tc;
}
