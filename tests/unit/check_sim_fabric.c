/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live migration between two simulated hosts in one process sharing a
 * temporary directory (src/sim/sim_fabric.c): the transfer's virtual
 * time and progress, the hand-over (the domain, its uuid, memory and
 * request arrive; @releaseDomain here, @introduceDomain there), one host
 * at a time, the migrate-fault lines, an abort, and bad calls.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "tests/unit/sim_test.h"

static char fabric[64];

static void make_fabric(void)
{
    snprintf(fabric, sizeof(fabric), "/tmp/xenplm-fabric.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fabric));
}

static void remove_fabric(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fabric);
    ck_assert_int_eq(system(cmd), 0);
}

/* A host named name on the fabric, with extra lines. */
static struct port *host(const char *name, const char *extra)
{
    char text[1024];

    snprintf(text, sizeof(text), HOST "fabric \"%s\" %s\n%s", fabric, name, extra);
    return sim_open(text);
}

/* Whether a running (or dying) domain of that name is on p. */
static bool runs_on(struct port *p, const char *name)
{
    struct port_sim_domain d;

    return port_sim_domain_by_name(p, name, &d) == 0 && d.state == PORT_SIM_RUNNING;
}

static bool has_event(struct port *p, const char *path)
{
    struct port_event ev[64];
    size_t n = sim_drain(p, ev, 64);

    for (size_t i = 0; i < n && i < 64; i++)
        if (strcmp(ev[i].path, path) == 0)
            return true;
    return false;
}

START_TEST(test_migrate)
{
    struct port *a, *b;
    struct port_mig_status st;
    struct port_sim_domain before, after;
    uint32_t h, id;
    char req[64];
    int last_pct = -1;

    make_fabric();
    /* 1 GiB at 256 MiB/s: 4 s of virtual time. */
    a = host("xen-a", "migrate-rate 256\ndomain web memory=1024\n");
    b = host("xen-b", "");
    id = sim_domid(a, "web");
    ck_assert_int_eq(port_sim_guest_write(a, id, "data/xenplm/request", "v1 seq=3", 8), 0);
    before = sim_dom(a, "web");
    ck_assert_int_eq(port_xs_watch(a, "@releaseDomain", "dom"), 0);
    ck_assert_int_eq(port_xs_watch(b, "@introduceDomain", "dom"), 0);
    sim_drain(a, NULL, 0);
    sim_drain(b, NULL, 0);

    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), 0);
    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), PLM_EEXIST);
    for (int t = 0; t < 39; t++) {
        ck_assert_int_eq(port_sim_advance(a, 100), 0);
        ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
        ck_assert_int_eq(st.phase, PORT_MIG_RUNNING);
        ck_assert_int_ge(st.pct, last_pct);
        last_pct = st.pct;
        ck_assert(runs_on(a, "web"));
    }
    ck_assert_int_ge(last_pct, 90);
    ck_assert_int_eq(st.stage, PORT_MIG_LIVE);
    /* Suspended for its last pages: paused here, under its name. */
    ck_assert_int_eq(port_sim_advance(a, 200), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_RUNNING);
    ck_assert_int_eq(st.stage, PORT_MIG_SUSPENDED);
    ck_assert(sim_dom(a, "web").paused);
    /* Handed over: the copy here renamed away, still paused, until the
     * destination has taken it. */
    ck_assert_int_eq(port_sim_advance(a, PORT_SIM_MIG_SUSPEND_MS), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_RUNNING);
    ck_assert_int_eq(st.stage, PORT_MIG_HANDED);
    ck_assert(!runs_on(a, "web"));
    ck_assert(sim_dom(a, "web--migratedaway").paused);
    ck_assert(!runs_on(b, "web"));
    ck_assert_int_eq(port_sim_advance(b, 100), 0);
    ck_assert(runs_on(b, "web"));
    ck_assert(has_event(b, "@introduceDomain"));
    /* Taken there: destroyed here, done. */
    ck_assert_int_eq(port_sim_advance(a, 100), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_DONE);
    ck_assert_int_eq(st.stage, PORT_MIG_GONE);
    ck_assert_int_eq(port_mig_poll(a, h, &st), PLM_ENOENT); /* said once */
    ck_assert(!runs_on(a, "web--migratedaway"));
    ck_assert(has_event(a, "@releaseDomain"));
    after = sim_dom(b, "web");
    ck_assert_str_eq(after.info.uuid, before.info.uuid);
    ck_assert_uint_eq(after.info.mem_actual_kib, before.info.mem_actual_kib);
    ck_assert_uint_eq(after.info.mem_max_kib, before.info.mem_max_kib);
    snprintf(req, sizeof(req), "/local/domain/%u/data/xenplm/request", (unsigned)after.info.domid);
    ck_assert_int_eq(sim_read(b, req, req, sizeof(req)), 0);
    ck_assert_str_eq(req, "v1 seq=3");
    /* Nothing left in transit. */
    ck_assert_int_eq(port_sim_advance(b, 1000), 0);
    ck_assert(runs_on(b, "web"));
    port_destroy(a);
    port_destroy(b);
    remove_fabric();
}
END_TEST

START_TEST(test_fault_fail_and_stall)
{
    struct port *a, *b;
    struct port_mig_status st;
    uint32_t h, id;

    make_fabric();
    a = host("xen-a", "migrate-fault fail\nmigrate-fault stall\ndomain web memory=512\n");
    b = host("xen-b", "");
    id = sim_domid(a, "web");

    /* The first fails at the end of its transfer: the domain stays. */
    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), 0);
    ck_assert_int_eq(port_sim_advance(a, 10000), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_FAILED);
    ck_assert_ptr_nonnull(strstr(st.why, "refused"));
    ck_assert(runs_on(a, "web"));

    /* The second stalls until it is aborted. */
    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), 0);
    ck_assert_int_eq(port_sim_advance(a, 60000), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_RUNNING);
    ck_assert_int_lt(st.pct, 100);
    ck_assert_int_eq(port_mig_abort(a, h, "timed out"), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_FAILED);
    ck_assert_str_eq(st.why, "timed out");
    ck_assert_int_eq(port_sim_advance(b, 1000), 0);
    ck_assert(runs_on(a, "web"));
    ck_assert(!runs_on(b, "web"));

    /* The third goes well. */
    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), 0);
    ck_assert_int_eq(port_sim_advance(a, 10000), 0);
    ck_assert_int_eq(port_sim_advance(b, 100), 0);
    ck_assert_int_eq(port_sim_advance(a, 100), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_DONE);
    ck_assert(runs_on(b, "web"));
    port_destroy(a);
    port_destroy(b);
    remove_fabric();
}
END_TEST

/*
 * An abort is xl killed: the domain stays as its phase left it.  Killed
 * while suspended, it stays suspended here (resume runs it again);
 * handed over, the destination runs it and the copy here stays renamed
 * away.  A migration left goes on unwatched.
 */
START_TEST(test_phases)
{
    struct port *a, *b;
    struct port_mig_status st;
    uint32_t h, id;

    make_fabric();
    a = host("xen-a", "migrate-rate 1024\nmigrate-fault stall-suspended\n"
                      "migrate-fault stall-handed\ndomain web memory=512\n");
    b = host("xen-b", "");
    id = sim_domid(a, "web");

    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), 0);
    ck_assert_int_eq(port_sim_advance(a, 3000), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_RUNNING);
    ck_assert_int_eq(st.stage, PORT_MIG_SUSPENDED);
    ck_assert_int_eq(port_mig_resume(a, id), PLM_EINVAL); /* still the migration's */
    ck_assert_int_eq(port_mig_abort(a, h, "timed out"), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_FAILED);
    ck_assert_int_eq(st.stage, PORT_MIG_SUSPENDED);
    ck_assert(sim_dom(a, "web").paused);
    ck_assert_int_eq(port_mig_resume(a, id), 0);
    ck_assert(!sim_dom(a, "web").paused);
    ck_assert_int_eq(port_mig_resume(a, id), PLM_EINVAL); /* not suspended */
    ck_assert_int_eq(port_sim_advance(b, 1000), 0);
    ck_assert(!runs_on(b, "web"));

    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), 0);
    ck_assert_int_eq(port_sim_advance(a, 2000), 0);
    ck_assert_int_eq(port_sim_advance(b, 100), 0);
    ck_assert_int_eq(port_sim_advance(a, 1000), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), 0);
    ck_assert_int_eq(st.phase, PORT_MIG_RUNNING);
    ck_assert_int_eq(st.stage, PORT_MIG_HANDED);
    ck_assert(runs_on(b, "web"));
    ck_assert(sim_dom(a, "web--migratedaway").paused);
    ck_assert_int_eq(port_mig_leave(a, h), 0);
    ck_assert_int_eq(port_mig_poll(a, h, &st), PLM_ENOENT);
    ck_assert_int_eq(port_mig_abort(a, h, "x"), PLM_ENOENT);
    /* Still going, unwatched: one at a time. */
    ck_assert_int_eq(port_mig_start(a, id, "xen-b", "xen-b", NULL, &h), PLM_EEXIST);
    port_destroy(a);
    port_destroy(b);
    remove_fabric();
}
END_TEST

START_TEST(test_bad_calls)
{
    struct port *a, *b, *lone;
    char path[160];
    FILE *f;
    uint32_t h, id;

    make_fabric();
    a = host("xen-a", "domain web memory=512\n");
    b = host("xen-b", "");
    lone = sim_open(HOST "domain solo memory=512\n");
    id = sim_domid(a, "web");
    ck_assert_int_eq(port_mig_start(a, id, "xen-c", "xen-c", NULL, &h), PLM_ENOENT);
    ck_assert_int_eq(port_mig_start(a, id, "xen-a", "xen-a", NULL, &h), PLM_EINVAL);
    ck_assert_int_eq(port_mig_start(a, id, "../xen-b", "x", NULL, &h), PLM_EINVAL);
    ck_assert_int_eq(port_mig_start(a, 0, "xen-b", "xen-b", NULL, &h), PLM_EINVAL);
    ck_assert_int_eq(port_mig_start(a, 999, "xen-b", "xen-b", NULL, &h), PLM_ENOENT);
    ck_assert_int_eq(port_mig_start(lone, sim_domid(lone, "solo"), "xen-b", "xen-b", NULL, &h),
                     PLM_EINVAL);
    ck_assert_int_eq(port_mig_poll(a, 42, &(struct port_mig_status){0}), PLM_ENOENT);
    ck_assert_int_eq(port_mig_abort(a, 42, "x"), PLM_ENOENT);

    /* A file that is no description is set aside, never a crash. */
    snprintf(path, sizeof(path), "%s/xen-b/junk.dom", fabric);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("xenplm-sim-domain 1\nname evil\nmem_kib 99999999999999\n", f);
    fclose(f);
    ck_assert_int_eq(port_sim_advance(b, 200), 0);
    ck_assert_int_ne(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/xen-b/junk.dom.bad", fabric);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert(!runs_on(b, "evil"));
    port_destroy(a);
    port_destroy(b);
    port_destroy(lone);
    remove_fabric();
}
END_TEST

START_TEST(test_parse_errors)
{
    static const char *const bad[] = {
        HOST "fabric\n",
        HOST "fabric \"/tmp/x\"\n",
        HOST "fabric \"/tmp/x\" bad/name\n",
        HOST "fabric \"/tmp/x\" a b\n",
        HOST "fabric \"/tmp/x\" a\nfabric \"/tmp/y\" b\n",
        HOST "migrate-rate 0\n",
        HOST "migrate-rate fast\n",
        HOST "migrate-fault explode\n",
        HOST "migrate-fault fail 0\n",
    };
    char err[256];
    struct port *p;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(port_sim_open_text("t", bad[i], 0, &p, err, sizeof(err)) == PLM_EGRAMMAR,
                      "accepted: %s", bad[i]);
        ck_assert_msg(strncmp(err, "t:", 2) == 0, "%s", err);
    }
}
END_TEST

TCase *sim_tcase_fabric(void)
{
    TCase *tc = tcase_create("fabric");

    tcase_add_test(tc, test_migrate);
    tcase_add_test(tc, test_fault_fail_and_stall);
    tcase_add_test(tc, test_phases);
    tcase_add_test(tc, test_bad_calls);
    tcase_add_test(tc, test_parse_errors);
    return tc;
}
