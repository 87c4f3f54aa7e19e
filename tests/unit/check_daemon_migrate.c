/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor of pool orders (src/daemon/migrate.c) in the daemon on a
 * simulated host, with a second simulated host on the same fabric as the
 * destination: an order carried out (RUNNING with progress, then DONE,
 * the domain gone here and running there), its memory target left alone
 * while it migrates, a timeout (aborted, FAILED, the domain still here),
 * a destination that refuses, and orders refused before anything starts.
 * Orders are given as the pool thread would hand them (dmn_mig_order).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_test.h"
#include "core/error.h"
#include "daemon/render.h"
#include "engine/mig_guard.h"

#define MIG_HOST "host pcpus=2 memory=6144 dom0=1024\n"

static char fabric[64];
static char scn[2048];

/* Host A's scenario (the daemon's) with extra lines; host B, empty. */
static struct port *setup(struct dt *t, const char *extra, const char *doms)
{
    char bscn[256], err[256];
    struct port *b = NULL;

    snprintf(fabric, sizeof(fabric), "/tmp/xenplm-mig.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fabric));
    snprintf(scn, sizeof(scn), MIG_HOST "fabric \"%s\" xen-a\n%s%s", fabric, extra, doms);
    dt_open(t, "base.xml", scn);
    snprintf(bscn, sizeof(bscn), MIG_HOST "fabric \"%s\" xen-b\n", fabric);
    ck_assert_msg(port_sim_open_text("xen-b", bscn, 0, &b, err, sizeof(err)) == 0, "%s", err);
    port_sim_set_log(b, NULL, NULL);
    return b;
}

static void teardown(struct dt *t, struct port *b)
{
    char cmd[128];

    dt_close(t);
    port_destroy(b);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fabric);
    ck_assert_int_eq(system(cmd), 0);
}

static struct dmn_pool_order order_for(struct dt *t, const char *name, const char *key,
                                       uint64_t timeout_ms)
{
    struct dmn_pool_order o;

    memset(&o, 0, sizeof(o));
    snprintf(o.key, sizeof(o.key), "%s", key);
    snprintf(o.uuid, sizeof(o.uuid), "%s", dt_sim(t, name).info.uuid);
    snprintf(o.dest, sizeof(o.dest), "xen-b");
    o.revision = 7;
    o.timeout_ms = timeout_ms;
    return o;
}

static bool runs_on(struct port *p, const char *name)
{
    struct port_sim_domain d;

    return port_sim_domain_by_name(p, name, &d) == 0 && d.state == PORT_SIM_RUNNING && !d.paused;
}

/* Whether a copy of that name is here, suspended (paused). */
static bool suspended_on(struct port *p, const char *name)
{
    struct port_sim_domain d;

    return port_sim_domain_by_name(p, name, &d) == 0 && d.state == PORT_SIM_RUNNING && d.paused;
}

/* Both hosts on, in steps of 250 ms: the destination takes what arrives. */
static void run_both(struct dt *t, struct port *b, uint64_t ms)
{
    for (uint64_t done = 0; done < ms;) {
        uint64_t step = ms - done < 250 ? ms - done : 250;
        dt_run_exactly(t, step);
        ck_assert_int_eq(port_sim_advance(b, step), 0);
        done += step;
    }
}

/* Records every report the executor makes (the last one is in st.mig). */
struct seen {
    unsigned running, done, failed;
    unsigned last_pct;
    uint64_t mem_calls_at_start;
    bool target_moved;
    const char *name;
};

/* The last order ended FAILED, no migration running, its reason saying why. */
static void ended_failed(const struct dt *t, const char *why)
{
    ck_assert(!t->d.st.mig.running);
    ck_assert_int_eq(t->d.st.mig.last.phase, DMN_ORDER_FAILED);
    ck_assert_msg(strstr(t->d.st.mig.last.why, why), "%s", t->d.st.mig.last.why);
}

static void observe(struct dt *t, void *ctx)
{
    struct seen *s = ctx;
    struct port_sim_domain d;

    if (t->d.st.mig.running && port_sim_domain_by_name(t->p, s->name, &d) == 0 &&
        d.state == PORT_SIM_RUNNING && d.mem_calls != s->mem_calls_at_start)
        s->target_moved = true;
    if (t->d.st.mig.reported) {
        const struct dmn_pool_order_report *r = &t->d.st.mig.last;
        t->d.st.mig.reported = false;
        if (r->phase == DMN_ORDER_RUNNING) {
            ck_assert_uint_ge(r->pct, s->last_pct);
            s->last_pct = r->pct;
            s->running++;
        } else if (r->phase == DMN_ORDER_DONE) {
            s->done++;
        } else {
            s->failed++;
        }
    }
}

START_TEST(order_carried_out)
{
    struct dt t;
    struct port *b = setup(&t, "migrate-rate 256\n",
                           "domain donor memory=3072 maxmem=3072 balloon-rate=64\n"
                           "domain recv memory=1024 maxmem=4096\n"
                           "at 1s donor request mem=1024\n"
                           "at 1s recv request mem=3072\n");
    struct seen s = {.name = "donor"};
    struct dmn_pool_order o;
    char text[2048];
    FILE *f;

    dt_run_until(&t, 2000);
    /* The donor is shrinking toward 1 GiB when it is ordered away. */
    ck_assert_uint_lt(dt_sim(&t, "donor").info.mem_target_kib, 3072 * MIB);
    o = order_for(&t, "donor", "/xenplm/p/orders/xen-a/1", 0);
    s.mem_calls_at_start = dt_sim(&t, "donor").mem_calls;
    t.observe = observe;
    t.observe_ctx = &s;
    dmn_mig_order(&t.d, &o, dt_now(&t));
    ck_assert(t.d.st.mig.running);
    ck_assert_int_eq(t.d.st.mig.last.phase, DMN_ORDER_RUNNING);
    ck_assert_str_eq(t.d.st.mig.last.key, o.key);
    ck_assert_uint_eq(t.d.st.mig.deadline_ms - t.d.st.mig.started_ms, 10 * 60 * 1000);
    t.d.st.mig.reported = false;

    /* Half way: shown, and its target untouched while the receiver waits. */
    dt_run_for(&t, 5000);
    ck_assert(t.d.st.mig.running);
    f = fmemopen(text, sizeof(text), "w");
    ck_assert_int_eq(render_show(f, &t.d.st, dt_dom(&t, "donor"), dt_now(&t), false), 0);
    fclose(f);
    ck_assert_msg(strstr(text, "migrating to xen-b, ") != NULL, "%s", text);

    run_both(&t, b, 30000);
    ck_assert(!t.d.st.mig.running);
    ck_assert_uint_ge(s.running, 3);
    ck_assert_uint_eq(s.done, 1);
    ck_assert_uint_eq(s.failed, 0);
    ck_assert(!s.target_moved);
    ck_assert_int_eq(t.d.st.mig.last.phase, DMN_ORDER_DONE);
    /* Gone here, and from the daemon's table; running there. */
    ck_assert(!runs_on(t.p, "donor"));
    ck_assert(!dt_known(&t, "donor"));
    ck_assert(runs_on(b, "donor"));
    ck_assert_uint_eq(t.d.st.mig.done, 1);
    teardown(&t, b);
}
END_TEST

START_TEST(order_times_out)
{
    struct dt t;
    struct port *b = setup(&t, "migrate-fault stall\n", "domain web memory=1024\n");
    struct dmn_pool_order o;
    struct dt_logcap cap;

    dt_run_until(&t, 1000);
    o = order_for(&t, "web", "k1", 10000);
    dt_cap_start(&cap);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    dt_run_for(&t, 9000);
    ck_assert(t.d.st.mig.running);
    dt_run_for(&t, 3000);
    ck_assert_uint_eq(dt_cap_stop(&cap, "timed out after 10s: aborting it"), 1);
    ck_assert(!t.d.st.mig.running);
    ck_assert_int_eq(t.d.st.mig.last.phase, DMN_ORDER_FAILED);
    ck_assert_str_eq(t.d.st.mig.last.why, "timed out after 10s; it runs here");
    ck_assert(runs_on(t.p, "web"));
    ck_assert(dt_known(&t, "web"));
    ck_assert_int_eq(port_sim_advance(b, 1000), 0);
    ck_assert(!runs_on(b, "web"));
    teardown(&t, b);
}
END_TEST

/*
 * Its timeout comes while the domain is suspended for its last pages,
 * which never cross: xl is not stopped for ENG_MIG_SETTLE_MS, then it is
 * (the copy here still has its name: no "go" was said), and the copy
 * here, suspended, is resumed: it runs here, and only here.
 */
START_TEST(timeout_while_suspended)
{
    struct dt t;
    struct port *b =
        setup(&t, "migrate-rate 1024\nmigrate-fault stall-suspended\n", "domain web memory=1024\n");
    struct dmn_pool_order o;
    struct dt_logcap cap;

    dt_run_until(&t, 1000);
    o = order_for(&t, "web", "k1", 5000);
    dt_cap_start(&cap);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    run_both(&t, b, 3000);
    ck_assert(suspended_on(t.p, "web"));
    ck_assert_int_eq(t.d.st.mig.stage, PORT_MIG_SUSPENDED);
    /* Past its timeout: waited for, not stopped. */
    run_both(&t, b, 3000 + ENG_MIG_SETTLE_MS - 2000);
    ck_assert(t.d.st.mig.running);
    ck_assert(!t.d.st.mig.aborted);
    ck_assert(suspended_on(t.p, "web"));
    ck_assert_uint_eq(dt_cap_stop(&cap, "xl is not stopped now"), 1);
    /* Then stopped, and the guest resumed here. */
    run_both(&t, b, 4000);
    ended_failed(&t, "never handed over; resumed here");
    ck_assert(t.d.st.mig.aborted);
    ck_assert(runs_on(t.p, "web"));
    ck_assert(!runs_on(b, "web") && !suspended_on(b, "web"));
    ck_assert_uint_eq(t.d.st.mig.failed, 1);
    teardown(&t, b);
}
END_TEST

/*
 * Handed over (the destination told to start it, which it does), and the
 * destination's word never comes back: xl is never stopped, the copy
 * here never resumed; past the settle the order fails, said loudly, and
 * xl is left to end by itself.  The guest runs on the destination only.
 */
START_TEST(timeout_once_handed_over)
{
    struct dt t;
    struct port *b = setup(&t, "migrate-rate 1024\nmigrate-fault stall-handed\n",
                           "domain web memory=1024\ndomain api memory=512\n");
    struct dmn_pool_order o;
    struct dt_logcap cap;

    dt_run_until(&t, 1000);
    o = order_for(&t, "web", "k1", 5000);
    dt_cap_start(&cap);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    run_both(&t, b, 3000);
    ck_assert_int_eq(t.d.st.mig.stage, PORT_MIG_HANDED);
    ck_assert(suspended_on(t.p, "web--migratedaway"));
    ck_assert(runs_on(b, "web"));
    run_both(&t, b, 3000 + ENG_MIG_SETTLE_MS + 2000);
    ended_failed(&t, "left to end by itself");
    ck_assert(!t.d.st.mig.aborted);
    ck_assert_uint_eq(dt_cap_stop(&cap, "check both hosts"), 1);
    /* Never resumed here: it runs once, there. */
    ck_assert(suspended_on(t.p, "web--migratedaway"));
    ck_assert(!runs_on(t.p, "web") && !runs_on(t.p, "web--migratedaway"));
    ck_assert(runs_on(b, "web"));
    ck_assert(!dt_known(&t, "web--migratedaway"));
    /* xl, left to end by itself, still runs: the next order waits for no
     * one, it is refused (one migration at a time per host), saying why. */
    o = order_for(&t, "api", "k2", 5000);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    ended_failed(&t, "left to go on, is still handed over (one at a time)");
    ck_assert(runs_on(t.p, "api"));
    teardown(&t, b);
}
END_TEST

/*
 * The daemon stops in each phase: the migration is left to go on (no
 * abort, no final report: the order stays running), and it ends by
 * itself with the guest on one host.
 */
START_TEST(stop_leaves_it_running)
{
    static const struct {
        uint64_t after_ms; /* from the order, made at 1 s: live until 2 s, suspended until 2.5 s */
        const char *here;  /* the copy here then: running, suspended, renamed away */
        bool paused;
    } t_[] = {{500, "web", false}, {1300, "web", true}, {1700, "web--migratedaway", true}};
    for (size_t i = 0; i < sizeof(t_) / sizeof(t_[0]); i++) {
        struct dt t;
        struct port *b = setup(&t, "migrate-rate 1024\n", "domain web memory=1024\n");
        struct dmn_pool_order o;
        struct dt_logcap cap;

        dt_run_until(&t, 1000);
        o = order_for(&t, "web", "k1", 0);
        dmn_mig_order(&t.d, &o, dt_now(&t));
        t.d.st.mig.reported = false;
        dt_run_exactly(&t, t_[i].after_ms);
        ck_assert_msg(t_[i].paused ? suspended_on(t.p, t_[i].here) : runs_on(t.p, t_[i].here),
                      "row %zu", i);
        dt_cap_start(&cap);
        dmn_mig_stop(&t.d);
        ck_assert_uint_eq(dt_cap_stop(&cap, "left to end by itself"), 1);
        ck_assert(!t.d.st.mig.running);
        ck_assert(!t.d.st.mig.aborted);
        ck_assert(!t.d.st.mig.reported || t.d.st.mig.last.phase == DMN_ORDER_RUNNING);
        ck_assert_uint_eq(t.d.st.mig.failed, 0);
        /* Unwatched, it goes on to its end: the guest on one host. */
        for (int k = 0; k < 40; k++) {
            ck_assert_int_eq(port_sim_advance(t.p, 100), 0);
            ck_assert_int_eq(port_sim_advance(b, 100), 0);
        }
        ck_assert_msg(runs_on(b, "web"), "row %zu", i);
        ck_assert(!runs_on(t.p, "web") && !suspended_on(t.p, "web") &&
                  !suspended_on(t.p, "web--migratedaway"));
        teardown(&t, b);
    }
}
END_TEST

START_TEST(destination_refuses)
{
    struct dt t;
    struct port *b = setup(&t, "migrate-fault fail\n", "domain web memory=1024\n");
    struct dmn_pool_order o;

    dt_run_until(&t, 1000);
    o = order_for(&t, "web", "k1", 0);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    dt_run_for(&t, 20000);
    ended_failed(&t, "refused");
    ck_assert(runs_on(t.p, "web"));
    ck_assert_uint_eq(t.d.st.mig.failed, 1);
    teardown(&t, b);
}
END_TEST

START_TEST(orders_refused)
{
    struct dt t;
    struct port *b =
        setup(&t, "migrate-rate 1\n", "domain web memory=1024\ndomain db memory=1024\n");
    struct dmn_pool_order o;

    dt_run_until(&t, 1000);
    o = order_for(&t, "web", "k1", 0);
    snprintf(o.uuid, sizeof(o.uuid), "00000000-1111-4222-8333-444444444444");
    dmn_mig_order(&t.d, &o, dt_now(&t));
    ended_failed(&t, "no domain with uuid");

    o = order_for(&t, "web", "k2", 0);
    snprintf(o.dest, sizeof(o.dest), "xen-c");
    dmn_mig_order(&t.d, &o, dt_now(&t));
    ck_assert(!t.d.st.mig.running);
    ck_assert_ptr_nonnull(strstr(t.d.st.mig.last.why, "could not start"));

    /* One at a time: a second order is refused, the first goes on. */
    o = order_for(&t, "web", "k3", 0);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    ck_assert(t.d.st.mig.running);
    o = order_for(&t, "db", "k4", 0);
    dmn_mig_order(&t.d, &o, dt_now(&t));
    ck_assert_str_eq(t.d.st.mig.last.key, "k4");
    ck_assert_int_eq(t.d.st.mig.last.phase, DMN_ORDER_FAILED);
    ck_assert_ptr_nonnull(strstr(t.d.st.mig.last.why, "one at a time"));
    ck_assert(t.d.st.mig.running);
    ck_assert_str_eq(t.d.st.mig.order.key, "k3");
    dt_run_for(&t, 3000);
    ck_assert(t.d.st.mig.running);
    ck_assert_uint_eq(t.d.st.mig.failed, 3);
    teardown(&t, b);
}
END_TEST

TCase *dt_tcase_migrate(void)
{
    TCase *tc = tcase_create("migrate");

    tcase_add_test(tc, order_carried_out);
    tcase_add_test(tc, order_times_out);
    tcase_add_test(tc, timeout_while_suspended);
    tcase_add_test(tc, timeout_once_handed_over);
    tcase_add_test(tc, stop_leaves_it_running);
    tcase_add_test(tc, destination_refuses);
    tcase_add_test(tc, orders_refused);
    return tc;
}
