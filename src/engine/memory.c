/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory: the allocations in force become targets through the mover
 * (core/balloon.c), one step per tick: shrink before grow, growth only out
 * of memory Xen has actually free, above the headroom.  This file gives
 * the mover its parameters from the policy, its view of each managed
 * domain, and turns its step into target actions.
 */
#include "config.h"

#include <stdio.h>

#include "engine/engine.h"
#include "engine/engine_int.h"

/* |actual - target| this small counts as reached, and as at rest. */
#define TOLERANCE_KIB 1024
/* A balloon that has not moved toward its target for this long is
 * marked uncooperative. */
#define STUCK_AFTER_MS 10000
/* A marked balloon is asked again, by this much below what it holds, for
 * STUCK_AFTER_MS: first after PROBE_FIRST_MS, then after twice as long
 * each time it still does not move, up to PROBE_MAX_MS. */
#define PROBE_KIB (64 * 1024)
#define PROBE_FIRST_MS 30000
#define PROBE_MAX_MS (15 * 60000)

struct bal_params eng_mover_params(const struct pol_host *h)
{
    struct bal_params bp = {
        .rate_min_kib_s = eng_mib_to_kib(h->balloon_min_rate),
        .rate_max_kib_s = eng_mib_to_kib(h->balloon_max_rate),
        .headroom_kib = eng_mib_to_kib(h->share[POL_MEMORY].pool.headroom),
        .tolerance_kib = TOLERANCE_KIB,
        .stuck_after_ms = STUCK_AFTER_MS,
        .adaptive = h->balloon_adaptive,
    };
    if (bp.rate_min_kib_s <= 0)
        bp.rate_min_kib_s = 1024;
    if (bp.rate_max_kib_s < bp.rate_min_kib_s)
        bp.rate_max_kib_s = bp.rate_min_kib_s;
    return bp;
}

/* Nothing to move toward want, and the balloon where it was asked to be. */
static bool at_rest(const struct bal_dom *b, int64_t want_kib)
{
    int64_t gap = b->actual_kib - b->target_kib;
    return want_kib == b->target_kib && !b->uncooperative && gap <= TOLERANCE_KIB &&
           gap >= -TOLERANCE_KIB;
}

bool eng_wants_memory(const struct eng_dom *e)
{
    if (!eng_managed(e) || !e->balloon)
        return false;
    if (e->mem_reread)
        return true;
    /* A balloon that does not move is left alone between probes. */
    if (e->mem.uncooperative)
        return e->probe_until_ms != 0;
    /* Against the want the mover last had, and the allocation it is about
     * to get: either may leave the balloon moving. */
    return !at_rest(&e->mem, e->mem.want_kib) ||
           !at_rest(&e->mem, eng_mib_to_kib(e->granted[POL_MEMORY]));
}

/*
 * Where the mover should take the domain.  A cooperating balloon goes to
 * its allocation.  One marked as not moving is asked nothing (its target
 * is brought to what it holds, so it is neither pushed nor counted on)
 * except for a short probe now and then, a little below what it holds;
 * the probes back off while it keeps refusing.  Its allocation meanwhile
 * is pinned at what it holds, within its maximum (build.c), and what it
 * holds above that is kept out of the pool (allot.c), so that nobody else
 * is promised memory that is not there, and nobody's allocation swings.
 */
static int64_t mover_want(struct eng_dom *e, uint64_t now, struct eng_plan *plan)
{
    if (!e->mem.uncooperative)
        return eng_mib_to_kib(e->granted[POL_MEMORY]);
    if (e->probe_until_ms && now >= e->probe_until_ms) {
        /* The probe found it still stuck: ask again later. */
        e->probe_until_ms = 0;
        e->probe_wait_ms = e->probe_wait_ms ? 2 * e->probe_wait_ms : PROBE_FIRST_MS;
        if (e->probe_wait_ms > PROBE_MAX_MS)
            e->probe_wait_ms = PROBE_MAX_MS;
        e->probe_at_ms = now + e->probe_wait_ms;
    } else if (!e->probe_until_ms && now >= e->probe_at_ms) {
        e->probe_until_ms = now + STUCK_AFTER_MS;
        eng_plan_note(
            plan, e->in.domid, false,
            "asking its balloon to move again (%llu s since the last ask)",
            (unsigned long long)((e->probe_wait_ms ? e->probe_wait_ms : PROBE_FIRST_MS) / 1000));
    }
    if (e->probe_until_ms)
        return e->mem.actual_kib > PROBE_KIB ? e->mem.actual_kib - PROBE_KIB : 0;
    return e->mem.actual_kib;
}

void eng_measured_memory(struct eng_dom *e, int64_t actual_kib)
{
    e->mem.actual_kib = actual_kib;
}

/* Whether the mover takes part for this domain: never without a balloon
 * driver (kinds.c), whose target is then never changed. */
bool eng_moves(const struct eng_dom *e)
{
    return eng_managed(e) && e->balloon && e->granted[POL_MEMORY] > 0 && !e->in.migrating;
}

/* Whether the mover steps it this turn: one it moves whose memory was not
 * left unread (a stale reading would set a target from what it held
 * before, below what it may hold now). */
static bool steps(const struct eng_dom *e)
{
    return eng_moves(e) && !e->in.mem_unread;
}

bool eng_step_memory(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                     struct eng_scratch *scratch, struct eng_plan *plan)
{
    size_t n = dom.n;
    const struct pol_host *h = &in->policy->host;
    int64_t minimal = eng_mib_to_kib(h->share[POL_MEMORY].minimal);
    struct bal_dom *b = scratch->bal;
    size_t k = 0;
    bool rebuilt = false;

    if (in->paused) {
        st->mem_moving = false;
        return false;
    }
    bool unread = false;
    int64_t promised_kib = 0; /* growth still owed to those left alone */
    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (eng_moves(e) && e->in.mem_unread) {
            unread = true;
            if (e->mem.target_kib > e->mem.actual_kib)
                promised_kib += e->mem.target_kib - e->mem.actual_kib;
        }
        if (!steps(e))
            continue;
        int64_t floor = eng_mib_to_kib(e->in.rule->min[POL_MEMORY]);
        e->mem.want_kib = mover_want(e, in->now_ms, plan);
        e->mem.floor_kib = floor > minimal ? floor : minimal;
        e->mem.max_kib = e->in.mem_max_kib;
        b[k++] = e->mem;
    }
    if (k == 0) {
        st->mem_moving = unread; /* read it again at the next tick */
        return false;
    }
    if (!in->host.ok) {
        st->mem_moving = true; /* try again at the next tick */
        return false;
    }
    /* After a stall, one step must not move a target by a stall's worth. */
    uint64_t dt = in->now_ms - st->last_tick_ms;
    uint64_t most = 2 * (h->tick_ms ? h->tick_ms : 1000);
    if (dt > most)
        dt = most;
    struct bal_params bp = eng_mover_params(h);
    /* A domain left alone may still be growing toward its target: the
     * others never count on what it was promised. */
    bal_step(&bp, b, k, in->host.free_kib - promised_kib, in->now_ms, dt, NULL);

    bool moving = false;
    k = 0;
    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!steps(e))
            continue;
        struct bal_dom *nb = &b[k++];
        bool was_stuck = e->mem.uncooperative;
        int64_t target = e->mem.target_kib;
        if (nb->new_target_kib != nb->target_kib) {
            struct eng_action *a = eng_plan_act(plan, ENG_ACT_TARGET, i);
            if (a) {
                a->target_kib = nb->new_target_kib;
                a->why = nb->new_target_kib < nb->target_kib ? "shrinking toward its allocation"
                                                             : "growing toward its allocation";
            }
        }
        /* The target in force changes only when Xen accepts it
         * (eng_confirm). */
        e->mem = *nb;
        e->mem.target_kib = target;
        if (nb->uncooperative != was_stuck) {
            eng_plan_note(plan, e->in.domid, true, "balloon %s",
                          nb->uncooperative ? "does not move: what it holds is pinned as its "
                                              "allocation and no longer counted as reclaimable"
                                            : "moves again");
            e->probe_until_ms = 0;
            e->probe_wait_ms = nb->uncooperative ? PROBE_FIRST_MS : 0;
            e->probe_at_ms = nb->uncooperative ? in->now_ms + PROBE_FIRST_MS : 0;
            eng_build(in, e);
            rebuilt = true;
        }
        /* A marked balloon between probes is not waited for. */
        int64_t gap = nb->actual_kib - nb->new_target_kib;
        bool on_its_way = !(nb->uncooperative && !e->probe_until_ms) &&
                          (nb->new_target_kib != nb->want_kib || gap > bp.tolerance_kib ||
                           gap < -bp.tolerance_kib);
        /* Once it stops, one more reading (at the next tick) catches the
         * last KiBs within the tolerance. */
        e->mem_reread = e->mem_moving && !on_its_way;
        e->mem_moving = on_its_way;
        if (on_its_way || e->mem_reread)
            moving = true;
    }
    st->mem_moving = moving || unread;
    return rebuilt;
}
