/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory: moving memory from an idle guest to a busy one without ever
 * overcommitting the host (shrink before grow), a balloon that does not
 * move, a domain destroyed in the middle of a move (or between two port
 * calls of one turn of the loop), a daemon restarted in the middle of one,
 * and the bounds of a target.
 *
 * The host of these scenarios has 6 GiB: 1 GiB for dom0, a donor holding
 * 3 GiB and a receiver holding 1 GiB, so 1 GiB is free, of which the
 * policy keeps 512 MiB as headroom.  The donor asks for 1 GiB and the
 * receiver for 3 GiB: the receiver may grow by 512 MiB out of free memory,
 * and by anything more only once the donor has really given it back.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon_test.h"
#include "core/error.h"
#include "daemon/render.h"
#include "protocol/grant.h"

#define MOVE_HOST "host pcpus=2 memory=6144 dom0=1024\n"
#define MOVE_DOMS                                                                                  \
    "domain donor memory=3072 maxmem=3072 balloon-rate=64\n"                                       \
    "domain recv memory=1024 maxmem=4096\n"
#define MOVE_REQUESTS                                                                              \
    "at 1s donor request mem=1024\n"                                                               \
    "at 1s recv request mem=3072\n"

/* Free memory above the headroom at the start, in KiB. */
#define SLACK_KIB (512 * MIB)

/*
 * Watches a move step by step: the receiver's target may rise above where
 * it started only by what was free above the headroom plus what the donor
 * has actually released (its actual, not its target); neither target may
 * turn back (the donor's never rises, the receiver's never falls).
 */
struct move_watch {
    const char *donor, *recv;
    uint64_t donor0_kib, recv0_kib; /* actual and target at the start */
    uint64_t slack_kib;
    const char *gone;  /* a third domain whose released memory adds to the slack */
    uint64_t gone_kib; /* how much it holds at the start */
    uint64_t donor_last_target, recv_last_target;
    bool donor_down, recv_up; /* check that these targets never turn back */
    uint64_t max_recv_target;
};

static void move_watch_init(struct move_watch *w, struct dt *t, const char *donor, const char *recv,
                            uint64_t slack_kib)
{
    memset(w, 0, sizeof(*w));
    w->donor = donor;
    w->recv = recv;
    w->donor0_kib = dt_sim(t, donor).info.mem_actual_kib;
    w->recv0_kib = dt_sim(t, recv).info.mem_target_kib;
    w->slack_kib = slack_kib;
    w->donor_last_target = dt_sim(t, donor).info.mem_target_kib;
    w->recv_last_target = w->recv0_kib;
    w->donor_down = w->recv_up = true;
}

static void move_watch_step(struct dt *t, void *ctx)
{
    struct move_watch *w = ctx;
    struct port_sim_domain donor, recv;

    if (port_sim_domain_by_name(t->p, w->recv, &recv) != 0 || recv.state != PORT_SIM_RUNNING)
        return;
    uint64_t rt = recv.info.mem_target_kib;
    if (rt > w->max_recv_target)
        w->max_recv_target = rt;
    uint64_t slack = w->slack_kib;
    struct port_sim_domain gone;
    if (w->gone && port_sim_domain_by_name(t->p, w->gone, &gone) == 0)
        slack += gone.state == PORT_SIM_GONE ? w->gone_kib : w->gone_kib - gone.info.mem_actual_kib;
    if (port_sim_domain_by_name(t->p, w->donor, &donor) == 0 && donor.state == PORT_SIM_RUNNING) {
        uint64_t released = w->donor0_kib > donor.info.mem_actual_kib
                                ? w->donor0_kib - donor.info.mem_actual_kib
                                : 0;
        ck_assert_msg(rt <= w->recv0_kib + slack + released,
                      "t=%llums: %s's target %llu KiB is ahead of what %s released (%llu KiB)",
                      (unsigned long long)dt_now(t), w->recv, (unsigned long long)rt, w->donor,
                      (unsigned long long)released);
        if (w->donor_down)
            ck_assert_msg(donor.info.mem_target_kib <= w->donor_last_target,
                          "t=%llums: %s's target went back up, %llu -> %llu KiB",
                          (unsigned long long)dt_now(t), w->donor,
                          (unsigned long long)w->donor_last_target,
                          (unsigned long long)donor.info.mem_target_kib);
        w->donor_last_target = donor.info.mem_target_kib;
    }
    if (w->recv_up)
        ck_assert_msg(rt >= w->recv_last_target,
                      "t=%llums: %s's target went back down, %llu -> %llu KiB",
                      (unsigned long long)dt_now(t), w->recv,
                      (unsigned long long)w->recv_last_target, (unsigned long long)rt);
    w->recv_last_target = rt;
}

/* Target and actual both at mib, the allocation in force, the granted
 * key the guest reads and what `xenplm list` shows saying the same. */
static void expect_mem(struct dt *t, const char *name, long mib)
{
    struct port_sim_domain sd = dt_sim(t, name);
    plm_amt_t gcpu, gmem;
    unsigned gvcpus;

    ck_assert_int_eq(dt_alloc(t, name, POL_MEMORY), mib);
    ck_assert_uint_eq(sd.info.mem_target_kib, (uint64_t)mib * MIB);
    ck_assert_uint_eq(sd.info.mem_actual_kib, (uint64_t)mib * MIB);
    dt_granted(t, name, &gcpu, &gvcpus, &gmem);
    ck_assert_int_eq(gmem, PLM_UNITS(mib));
    /* The daemon's record, which the renderers show, is Xen's now, not
     * as of the move's last reading (issue 10, #11). */
    const struct dmn_domain *dom = dt_dom(t, name);
    ck_assert_uint_eq(dom->info.mem_target_kib, (uint64_t)mib * MIB);
    ck_assert_uint_eq(dom->info.mem_actual_kib, (uint64_t)mib * MIB);
}

/*
 * The plain move: the receiver grows by the free slack at once, then only
 * as fast as the donor's balloon gives memory back, and both end at their
 * allocation, which the granted key reports.
 */
START_TEST(mem_shrink_before_grow)
{
    struct dt t;
    struct move_watch w;

    dt_open(&t, "base.xml", MOVE_HOST MOVE_DOMS MOVE_REQUESTS);
    move_watch_init(&w, &t, "donor", "recv", SLACK_KIB);
    t.observe = move_watch_step;
    t.observe_ctx = &w;

    /* The donor's balloon gives back 64 MiB/s: 2 GiB take 32 s. */
    dt_run_until(&t, 10000);
    ck_assert_int_eq(dt_alloc(&t, "donor", POL_MEMORY), 1024);
    ck_assert_int_eq(dt_alloc(&t, "recv", POL_MEMORY), 3072);
    /* Mid-move: the receiver has had the free slack and what came back. */
    ck_assert_uint_lt(dt_sim(&t, "recv").info.mem_target_kib, 3072 * MIB);
    ck_assert_uint_gt(dt_sim(&t, "recv").info.mem_target_kib, 1024 * MIB);

    dt_run_until(&t, 60000);
    expect_mem(&t, "donor", 1024);
    expect_mem(&t, "recv", 3072);
    ck_assert(!t.d.st.eng.mem_moving);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_MEM_TARGET_SET].failures, 0);
    dt_close(&t);
}
END_TEST

/*
 * The donor's balloon does not move at all.  After the mover's patience
 * (10 s without progress) the donor is marked uncooperative, its memory
 * counts as held, and the receiver is given only what is really there:
 * the pool (4608 MiB) less the donor's 3072.  Its target never goes past
 * the free slack.  Once the balloon moves again, the move completes.
 */
START_TEST(mem_stuck_balloon)
{
    struct dt t;
    struct move_watch w;

    dt_open(&t, "base.xml",
            MOVE_HOST "domain donor memory=3072 maxmem=3072 stuck=on\n"
                      "domain recv memory=1024 maxmem=4096\n" MOVE_REQUESTS);
    move_watch_init(&w, &t, "donor", "recv", SLACK_KIB);
    /* The donor's allocation goes up to what it holds, then back down. */
    w.donor_down = false;
    t.observe = move_watch_step;
    t.observe_ctx = &w;

    dt_run_until(&t, 30000);
    struct dmn_domain *donor = dt_dom(&t, "donor");
    ck_assert(donor->eng.mem.uncooperative);
    ck_assert_int_eq(dt_alloc(&t, "donor", POL_MEMORY), 3072);
    ck_assert_int_eq(dt_alloc(&t, "recv", POL_MEMORY), 1536);
    ck_assert_uint_le(dt_sim(&t, "recv").info.mem_target_kib, 1536 * MIB);
    /* What the receiver reads back is what it really has a claim to. */
    plm_amt_t gcpu, gmem;
    unsigned gvcpus;
    dt_granted(&t, "recv", &gcpu, &gvcpus, &gmem);
    ck_assert_int_eq(gmem, PLM_UNITS(1536));

    /* It stays that way while the balloon stays stuck. */
    dt_run_until(&t, 60000);
    ck_assert(dt_dom(&t, "donor")->eng.mem.uncooperative);
    ck_assert_int_eq(dt_alloc(&t, "recv", POL_MEMORY), 1536);
    ck_assert_uint_eq(w.max_recv_target, 1536 * MIB);

    /* The balloon recovers: the next ask finds it moving (asks back off:
     * 30 s after the mark, then 60 s after the first refusal, so by about
     * 111 s), and the move the requests asked for completes. */
    ck_assert_int_eq(port_sim_set_stuck(t.p, dt_id(&t, "donor"), false), 0);
    dt_run_until(&t, 180000);
    ck_assert(!dt_dom(&t, "donor")->eng.mem.uncooperative);
    expect_mem(&t, "donor", 1024);
    expect_mem(&t, "recv", 3072);
    dt_close(&t);
}
END_TEST

/*
 * A balloon marked as not moving is asked again at a tick, and the loop
 * woke for the ask at its own time: when a request had moved the ticks
 * (a new allocation starts moving at once, and the ticks follow), the ask
 * fell due before the next tick, and the loop woke for it at once, again
 * and again, until the tick: a busy loop, which the simulated clock at
 * speed 0 never leaves (found by the soak, tests/soak/soak.c, seed 1 at
 * t=14047.983 s).  It must sleep until the tick.
 */
START_TEST(mem_stuck_probe_between_ticks)
{
    struct dt t;

    dt_open(&t, "base.xml",
            MOVE_HOST "domain donor memory=3072 maxmem=3072 stuck=on\n"
                      "domain recv memory=1024 maxmem=4096\n" MOVE_REQUESTS);
    for (unsigned n = 0; !dt_dom(&t, "donor")->eng.mem.uncooperative; n++) {
        ck_assert_uint_lt(n, 1000);
        dt_step(&t);
    }
    uint64_t probe_at = dt_dom(&t, "donor")->eng.probe_at_ms;
    ck_assert_uint_gt(probe_at, dt_now(&t) + 1000);
    /* Half a tick before the ask, a new allocation moves the ticks. */
    dt_run_exactly(&t, probe_at - 500 - dt_now(&t));
    dt_request(&t, "recv", NULL, "1024,2048");
    uint64_t steps = t.steps;
    dt_run_until(&t, probe_at + 5000);
    ck_assert_uint_lt(t.steps - steps, 100);
    dt_close(&t);
}
END_TEST

/* Counts how often a bystander's allocation changes after a moment. */
struct churn {
    uint64_t after_ms;
    long last_mem;
    unsigned changes;
    unsigned long long realloc_at_start;
};

static void churn_step(struct dt *t, void *ctx)
{
    struct churn *c = ctx;
    if (!dt_known(t, "by") || dt_now(t) < c->after_ms)
        return;
    if (c->realloc_at_start == 0)
        c->realloc_at_start = (unsigned long long)t->d.st.stats.reallocations + 1;
    long mem = dt_alloc(t, "by", POL_MEMORY);
    if (c->last_mem >= 0 && mem != c->last_mem)
        c->changes++;
    c->last_mem = mem;
}

/*
 * A guest holds more than its policy maximum (4096 MiB, max 3072) and its
 * balloon does not move.  It used to be asked to shrink, refuse, be
 * allocated what it held (above its maximum), reach that target, count as
 * cooperating again, and be asked again: a reallocation cycle that swung
 * a bystander's allocation with it.  Now its allocation is pinned at its
 * maximum, what it holds above that stays out of the pool, it is asked
 * again only now and then, and nothing else moves.
 */
START_TEST(mem_stuck_above_max)
{
    struct dt t;
    struct churn c = {.after_ms = 30000, .last_mem = -1};

    dt_open(&t, "base.xml",
            "host pcpus=2 memory=12288 dom0=1024\n"
            "domain hog memory=4096 maxmem=4096 stuck=on\n"
            "domain by memory=2048 maxmem=4096\n"
            "at 1s hog request mem=1024\n"
            "at 1s by request mem=3072\n");
    t.observe = churn_step;
    t.observe_ctx = &c;
    /* dt_check, after every step, holds each allocation to its max. */
    dt_run_until(&t, 600000);
    ck_assert(dt_dom(&t, "hog")->eng.mem.uncooperative);
    ck_assert_int_eq(dt_alloc(&t, "hog", POL_MEMORY), 3072);
    ck_assert_int_eq(dt_alloc(&t, "by", POL_MEMORY), 3072);
    ck_assert_uint_eq(c.changes, 0);
    /* At most the reallocations the asks cause, not one per cycle. */
    unsigned long long reallocs =
        (unsigned long long)t.d.st.stats.reallocations + 1 - c.realloc_at_start;
    ck_assert_msg(reallocs <= 2, "%llu reallocations in 570 s of constant inputs", reallocs);
    /* Still there, and still not shrunk: nothing was taken from it. */
    ck_assert_uint_eq(dt_sim(&t, "hog").info.mem_actual_kib, 4096 * MIB);
    dt_close(&t);
}
END_TEST

/*
 * A third guest, "gone", is destroyed while the donor is half-way: the
 * daemon drops it and carries on, and the move completes.  Its memory
 * counts as free once the host has released it, not before.
 */
START_TEST(mem_destroy_mid_move)
{
    struct dt t;
    struct move_watch w;

    dt_open(&t, "base.xml",
            "host pcpus=2 memory=7168 dom0=1024\n"
            "domain gone memory=1024 maxmem=1024\n" MOVE_DOMS
            "at 1s gone request mem=1024\n" MOVE_REQUESTS "at 10s gone destroy\n");
    move_watch_init(&w, &t, "donor", "recv", SLACK_KIB);
    w.gone = "gone";
    w.gone_kib = 1024 * MIB;
    t.observe = move_watch_step;
    t.observe_ctx = &w;

    dt_run_until(&t, 9000);
    ck_assert(dt_known(&t, "gone"));
    /* Dropped as soon as it is dying, before the host releases it. */
    dt_run_until(&t, 10000);
    ck_assert_int_eq(dt_sim(&t, "gone").state, PORT_SIM_DYING);
    ck_assert(!dt_known(&t, "gone"));
    dt_run_until(&t, 11000);
    ck_assert_int_eq(dt_sim(&t, "gone").state, PORT_SIM_GONE);
    dt_run_until(&t, 60000);
    expect_mem(&t, "donor", 1024);
    expect_mem(&t, "recv", 3072);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_MEM_TARGET_SET].failures, 0);
    dt_close(&t);
}
END_TEST

/*
 * The same, but the domain disappears between the daemon's listing and its
 * memory step, as it may on a real host: the host's log callback, run from
 * inside a port call of the same turn of the loop, destroys it and lets
 * it be released.  The daemon must leave it out of that step and drop it
 * at the next listing, and meanwhile set every other domain's own target,
 * not its neighbour's in the table.  The race is set up late in the move,
 * when the receiver's target (first after the victim) is above the
 * donor's (second): a receiver given the donor's target would turn back.
 * The victim is shrinking slowly itself, so that the mover asks the host
 * about it (a domain at rest costs the mover no call).
 */
struct race {
    struct dt *t;
    uint32_t victim;
    bool armed, fired;
};

static void race_log(void *ctx, enum port_sim_log_level level, const char *msg)
{
    struct race *r = ctx;
    (void)level;
    (void)msg;
    if (!r->armed || r->fired)
        return;
    r->fired = true;
    ck_assert_int_eq(port_sim_destroy_domain(r->t->p, r->victim), 0);
    ck_assert_int_eq(port_sim_advance(r->t->p, 200), 0);
}

START_TEST(mem_destroy_races_the_mover)
{
    struct dt t;
    struct move_watch w;
    struct race race;

    /* Table order is domid order: the victim, the receiver, the donor.
     * "late" runs no agent: a read of its missing request key, which the
     * host logs at the info level, is the hook's cue. */
    dt_open(&t, "base.xml",
            "host pcpus=2 memory=8192 dom0=1024\n"
            "domain gone memory=1024 maxmem=1024 balloon-rate=4\n"
            "domain recv memory=1024 maxmem=4096\n"
            "domain donor memory=3072 maxmem=3072 balloon-rate=64\n"
            "domain late memory=512 maxmem=512\n"
            "at 1s gone request mem=512\n" MOVE_REQUESTS);
    move_watch_init(&w, &t, "donor", "recv", SLACK_KIB + 512 * MIB);
    w.gone = "gone";
    w.gone_kib = 1024 * MIB;
    t.observe = move_watch_step;
    t.observe_ctx = &w;
    dt_run_until(&t, 12000);
    ck_assert_uint_gt(dt_sim(&t, "recv").info.mem_target_kib,
                      dt_sim(&t, "donor").info.mem_target_kib);

    /* Three writes use up "late"'s burst, the rest leave a read pending
     * for the next tick (after the listing); the key is then removed, so
     * that read finds nothing.  One step takes the writes in, unarmed. */
    memset(&race, 0, sizeof(race));
    race.t = &t;
    race.victim = dt_id(&t, "gone");
    uint32_t late = dt_id(&t, "late");
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(port_sim_guest_write(t.p, late, "data/xenplm/request", "x", 1), 0);
    ck_assert_int_eq(port_sim_guest_rm(t.p, late, "data/xenplm/request"), 0);
    dt_step(&t);
    ck_assert(dt_dom(&t, "late")->pending_read);
    uint64_t victim_calls = dt_sim(&t, "gone").mem_calls;
    port_sim_set_log(t.p, race_log, &race);
    race.armed = true;
    dt_run_for(&t, 3000);
    ck_assert(race.fired);
    port_sim_set_log(t.p, NULL, NULL);
    ck_assert(!dt_known(&t, "gone"));
    /* No target was set on the departed domain, and none failed. */
    ck_assert_uint_eq(dt_sim(&t, "gone").mem_calls, victim_calls);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_MEM_TARGET_SET].failures, 0);
    dt_run_until(&t, 60000);
    expect_mem(&t, "donor", 1024);
    expect_mem(&t, "recv", 3072);
    dt_close(&t);
}
END_TEST

/*
 * The daemon dies half-way through the move and a new one starts on the
 * same host: it finds the targets where the old one left them, and carries
 * the move on without turning any target back, without eating into the
 * headroom, and to the same allocation.
 */
START_TEST(mem_restart_mid_move)
{
    struct dt t;
    struct move_watch w;

    dt_open(&t, "base.xml", MOVE_HOST MOVE_DOMS MOVE_REQUESTS);
    move_watch_init(&w, &t, "donor", "recv", SLACK_KIB);
    t.observe = move_watch_step;
    t.observe_ctx = &w;

    dt_run_until(&t, 12000);
    uint64_t donor_at = dt_sim(&t, "donor").info.mem_actual_kib;
    ck_assert_uint_lt(donor_at, 3072 * MIB);
    ck_assert_uint_gt(donor_at, 1024 * MIB);
    uint64_t targets = dt_sim(&t, "donor").mem_calls + dt_sim(&t, "recv").mem_calls;

    dt_restart(&t);
    dt_run_until(&t, 60000);
    expect_mem(&t, "donor", 1024);
    expect_mem(&t, "recv", 3072);
    /* One move, not two: about one target per tick and guest. */
    targets = dt_sim(&t, "donor").mem_calls + dt_sim(&t, "recv").mem_calls - targets;
    ck_assert_uint_le(targets, 2 * 30);
    dt_close(&t);
}
END_TEST

/*
 * The bounds of a target: "low" asks for 256 MiB, below its policy min of
 * 512, and goes down to 512 and no further; "tiny" was built with a
 * maxmem of 384, below that min: it is neither asked to grow past it nor
 * allocated (and told) more than it can ever hold.
 */
START_TEST(mem_bounds)
{
    struct dt t;

    dt_open(&t, "base.xml",
            "host pcpus=2 memory=4096 dom0=1024\n"
            "domain low memory=1024 maxmem=2048 balloon-rate=64\n"
            "domain tiny memory=384 maxmem=384\n"
            "at 1s low request mem=256\n"
            "at 1s tiny request mem=384\n");
    dt_run_until(&t, 60000);
    ck_assert_int_eq(dt_alloc(&t, "low", POL_MEMORY), 512);
    ck_assert_uint_eq(dt_sim(&t, "low").info.mem_target_kib, 512 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "low").info.mem_actual_kib, 512 * MIB);
    ck_assert_uint_eq(dt_sim(&t, "tiny").info.mem_target_kib, 384 * MIB);
    ck_assert_int_eq(dt_alloc(&t, "tiny", POL_MEMORY), 384);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "tiny", &cpu, &vcpus, &mem);
    ck_assert_int_eq(mem, PLM_UNITS(384));
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_MEM_TARGET_SET].failures, 0);
    dt_close(&t);
}
END_TEST

/*
 * Lazy reclaim (tests/daemon/keep.xml: <leftover reclaim="needed"/>),
 * through the daemon's loop on the simulated host: the donor asks 1 GiB
 * but nobody needs the 2 GiB more it holds, so it keeps them (its target
 * stays); then the receiver asks 3 GiB, and the donor gives back what
 * that needs and no more: the pool is 1024 free + 4096 held - 512
 * headroom = 4608, so it keeps 4608 - 1024 - 3072 = 512 MiB above its
 * request.  Shrink before grow and the host's memory hold throughout
 * (dt_step's invariants).
 */
START_TEST(mem_kept_until_needed)
{
    struct dt t;

    dt_open(&t, "keep.xml",
            MOVE_HOST MOVE_DOMS "at 1s donor request mem=1024\n"
                                "at 1s recv request mem=1024\n"
                                "at 20s recv request mem=3072\n");
    dt_run_exactly(&t, 15000); /* stops there: the next event is at 20 s */
    ck_assert_uint_lt(dt_now(&t), 20000);
    expect_mem(&t, "donor", 3072);
    expect_mem(&t, "recv", 1024);
    ck_assert(strstr(dt_dom(&t, "donor")->eng.why[POL_MEMORY], "keeps 2048 it holds until needed"));
    /* xenplm show says it, as text and in the JSON. */
    char text[16384];
    for (int json = 0; json < 2; json++) {
        FILE *f = fmemopen(text, sizeof(text), "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(render_show(f, &t.d.st, dt_dom(&t, "donor"), dt_now(&t), json), 0);
        fclose(f);
        ck_assert_msg(strstr(text, json ? "\"kept\":2048," : ", kept 2048") != NULL, "%s", text);
    }
    uint64_t sets = dt_stats(&t).op[PORT_SIM_OP_MEM_TARGET_SET].calls;

    dt_run_until(&t, 80000);
    expect_mem(&t, "donor", 1536);
    expect_mem(&t, "recv", 3072);
    ck_assert_uint_gt(dt_stats(&t).op[PORT_SIM_OP_MEM_TARGET_SET].calls, sets);
    ck_assert(!t.d.st.eng.mem_moving);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_mem(void)
{
    TCase *tc = tcase_create("mem");
    tcase_add_test(tc, mem_shrink_before_grow);
    tcase_add_test(tc, mem_kept_until_needed);
    tcase_add_test(tc, mem_stuck_balloon);
    tcase_add_test(tc, mem_stuck_probe_between_ticks);
    tcase_add_test(tc, mem_stuck_above_max);
    tcase_add_test(tc, mem_destroy_mid_move);
    tcase_add_test(tc, mem_destroy_races_the_mover);
    tcase_add_test(tc, mem_restart_mid_move);
    tcase_add_test(tc, mem_bounds);
    return tc;
}
