/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest kinds on the simulated host: a guest without a balloon driver (and
 * without vcpu hotplug) among two that balloon.  Its memory is never moved
 * and nobody is granted it; the other two are arbitrated around it; it is
 * answered "ok: no balloon ..." and shown as such; its vcpus are found
 * fixed.  Its driver loaded late makes its memory move; gone again, it
 * keeps what it holds.
 *
 * Host: 8 GiB, 1 GiB for dom0; "fixed" holds 2 GiB, a and b 1 GiB each, so
 * 3 GiB are free and the pool is 3072 + 4096 - 512 = 6656 MiB.  Each asks
 * for more than the pool holds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/render.h"
#include "daemon_test.h"

#define KINDS_SCN                                                                                  \
    "host pcpus=2 memory=8192 dom0=1024\n"                                                         \
    "domain fixed memory=2048 maxmem=4096 vcpus=1 maxvcpus=2 type=hvm balloon=off hotplug=off\n"   \
    "domain a memory=1024 maxmem=4096\n"                                                           \
    "domain b memory=1024 maxmem=4096\n"                                                           \
    "at 1s fixed request cpu=150 mem=512\n"                                                        \
    "at 1s a request mem=3072\n"                                                                   \
    "at 1s b request mem=3072\n"                                                                   \
    "at 61s fixed balloon on\n"                                                                    \
    "at 121s fixed write control/feature-balloon \"yes\"\n"                                        \
    "at 124s fixed request cpu=150 mem=3072\n"

/* Every step: the fixed guest's target is never set while it has no
 * balloon, and the targets of the others never promise what it holds. */
struct kinds_watch {
    bool balloon; /* whether fixed has its driver now */
    uint64_t mem_calls;
};

static void kinds_step(struct dt *t, void *ctx)
{
    struct kinds_watch *w = ctx;
    struct port_sim_domain f = dt_sim(t, "fixed"), a = dt_sim(t, "a"), b = dt_sim(t, "b");

    if (!w->balloon)
        ck_assert_msg(f.mem_calls == w->mem_calls, "t=%llums: fixed's target set without a balloon",
                      (unsigned long long)dt_now(t));
    /* 8192 - dom0 - what fixed holds - headroom is all a and b may target. */
    ck_assert_uint_le(a.info.mem_target_kib + b.info.mem_target_kib,
                      (8192 - 1024 - 512) * MIB - f.info.mem_actual_kib);
}

/* Run to exactly ms (the next scenario event may be just after). */
static void run_to(struct dt *t, uint64_t ms)
{
    if (dt_now(t) < ms)
        dt_run_exactly(t, ms - dt_now(t));
}

static char *list_text(struct dt *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(render_list(f, &t->d.st, false), 0);
    fclose(f);
    return buf;
}

START_TEST(kinds_no_balloon_among_others)
{
    struct dt t;
    struct kinds_watch w = {0};
    char buf[PROTO_STATUS_MAX + 1];
    plm_amt_t gcpu, gmem;
    unsigned gvcpus;

    dt_open(&t, "base.xml", KINDS_SCN);
    t.observe = kinds_step;
    t.observe_ctx = &w;
    run_to(&t, 60000);

    /* It keeps its 2048 MiB; a and b share the rest of the pool. */
    ck_assert(!dt_dom(&t, "fixed")->eng.balloon);
    ck_assert(dt_dom(&t, "a")->eng.balloon);
    ck_assert_int_eq(dt_alloc(&t, "fixed", POL_MEMORY), 2048);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 2304);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 2304);
    ck_assert_uint_eq(dt_sim(&t, "a").info.mem_actual_kib, 2304 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "b").info.mem_actual_kib, 2304 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "fixed").info.mem_actual_kib, 2048 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "fixed").mem_calls, 0);
    /* Its vcpus did not follow: fixed at 1, its CPU what 1 vcpu can use. */
    ck_assert(dt_dom(&t, "fixed")->eng.vcpus_fixed);
    ck_assert_uint_eq(dt_sim(&t, "fixed").vcpus_calls, 1);
    ck_assert_int_eq(dt_alloc(&t, "fixed", POL_CPU), 100);
    dt_granted(&t, "fixed", &gcpu, &gvcpus, &gmem);
    ck_assert_int_eq(gmem, PLM_UNITS(2048));
    ck_assert_uint_eq(gvcpus, 1);
    ck_assert_int_eq(dt_guest_read(&t, "fixed", "status", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "ok: no balloon (memory levels not enforced: it keeps what it holds); "
                          "no vcpu hotplug (CPU through weight and cap only)\n");
    ck_assert_int_eq(dt_guest_read(&t, "a", "status", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "ok\n");
    char *text = list_text(&t);
    ck_assert_msg(strstr(text, "no balloon,no vcpu hotplug\n") != NULL, "%s", text);
    free(text);

    /* Its balloon driver is loaded: its memory moves at once, to what it
     * asked, and a and b grow into what it gave back. */
    w.balloon = true;
    run_to(&t, 120000);
    ck_assert(dt_dom(&t, "fixed")->eng.balloon);
    ck_assert_int_eq(dt_alloc(&t, "fixed", POL_MEMORY), 512);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 3072);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 3072);
    ck_assert_uint_eq(dt_sim(&t, "fixed").info.mem_target_kib, 512 * MIB);
    ck_assert_int_eq(dt_guest_read(&t, "fixed", "status", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "ok: no vcpu hotplug (CPU through weight and cap only)\n");

    /* Gone again (a hostile or confused guest writes something else):
     * what it holds is its own, nothing more is asked of it. */
    run_to(&t, 123000);
    ck_assert(!dt_dom(&t, "fixed")->eng.balloon);
    w.balloon = false;
    w.mem_calls = dt_sim(&t, "fixed").mem_calls;
    run_to(&t, 160000);
    ck_assert_uint_eq(dt_dom(&t, "fixed")->req.seq, 2);
    ck_assert_int_eq(dt_alloc(&t, "fixed", POL_MEMORY), 512);
    ck_assert_uint_eq(dt_sim(&t, "fixed").info.mem_actual_kib, 512 * MIB);
    dt_close(&t);
}
END_TEST

/* A guest that rewrites its feature key in a loop costs one read a
 * second, and a value of more than a few bytes is no balloon. */
START_TEST(kinds_feature_flood)
{
    struct dt t;

    dt_open(&t, "base.xml", KINDS_SCN);
    dt_run_until(&t, 3000);
    uint64_t reads = dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls;
    for (int i = 0; i < 2000; i++) {
        port_sim_guest_write(t.p, dt_id(&t, "a"), "control/feature-balloon", i % 2 ? "1" : "0", 1);
        dt_run_exactly(&t, 5);
    }
    uint64_t more = dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls - reads;
    ck_assert_uint_le(more, 12); /* 10 s: one a second, and a little */
    port_sim_guest_write(t.p, dt_id(&t, "a"), "control/feature-balloon", "1111111111", 10);
    dt_run_exactly(&t, 2000);
    ck_assert(!dt_dom(&t, "a")->eng.balloon);
    port_sim_guest_write(t.p, dt_id(&t, "a"), "control/feature-balloon", "1", 1);
    dt_run_exactly(&t, 2000);
    ck_assert(dt_dom(&t, "a")->eng.balloon);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_kinds(void)
{
    TCase *tc = tcase_create("kinds");
    tcase_add_test(tc, kinds_no_balloon_among_others);
    tcase_add_test(tc, kinds_feature_flood);
    return tc;
}
