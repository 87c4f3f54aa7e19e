/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memory mover: turns the arbiter's memory allocations into memory
 * targets, one step per daemon tick, without ever overcommitting the host.
 *
 * Xen cannot take memory from a guest: it can only set a target that the
 * guest's balloon driver honours, at the guest's own pace, or not at all.
 * So the mover
 *   - lowers the targets of domains that must give memory back first
 *     (shrink before grow), never below their floor;
 *   - raises targets only out of memory Xen actually has free now, above
 *     the headroom kept for new domains, minus growth already promised to
 *     other domains and not yet taken: memory a donor was asked to release
 *     counts only once it has been released;
 *   - moves each target gradually, at a per-domain rate that doubles while
 *     the guest keeps up and halves when it falls behind, within
 *     [rate_min, rate_max], so a slow guest is not asked for more than it
 *     can give and a fast one is not held back;
 *   - marks a domain whose balloon has not moved toward its target for
 *     stuck_after_ms as uncooperative, and reports it, so the daemon stops
 *     counting its memory as reclaimable; the mark stays until the balloon
 *     really moves from where it stuck (reaching a target set where it
 *     already stands does not count).
 *
 * In detail (balloon.c explains why):
 *   - a target never leads actual by more than one step (rate x dt): a
 *     lagging guest's target is held, not marched on toward the goal;
 *   - growth the guest has not taken yet is withdrawn at once when the want
 *     turns down (that asks nothing of the balloon), but stays charged to
 *     the budget for that step, since the guest may take it before the
 *     lower target lands;
 *   - every raise costs budget, measured from the old target, even when a
 *     donor's want turns up while it still holds more than its target: it
 *     may have shrunk to the old target before the raise lands;
 *   - when the budget is short, receivers below their floor are served
 *     first, then the rest; each group by water-filling: equal shares
 *     capped by each receiver's need this step, the last KiBs one each to
 *     the first receivers in table order;
 *   - when the promises already exceed free memory minus headroom
 *     (something outside the mover took memory), the shortfall is withdrawn
 *     from untaken growth the same way, never below a floor, and nothing
 *     is granted that step.
 *
 * Pure: no I/O, no allocation, time is an argument.  Amounts are KiB in
 * int64_t; negative inputs read as 0 and sums saturate, so no value wraps.
 */
#ifndef XENPLM_CORE_BALLOON_H
#define XENPLM_CORE_BALLOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bal_params {
    int64_t rate_min_kib_s;  /* slowest move, KiB per second, > 0 (else 1) */
    int64_t rate_max_kib_s;  /* fastest move, >= rate_min (else rate_min) */
    int64_t headroom_kib;    /* host memory always left free */
    int64_t tolerance_kib;   /* |actual - target| this small counts as reached */
    uint64_t stuck_after_ms; /* no progress for this long: uncooperative; 0: never */
    bool adaptive;           /* false: always move at rate_max */
};

/* One domain.  The caller fills the inputs each step; the mover keeps its
 * own fields between steps (zero them when a domain is first seen). */
struct bal_dom {
    /* inputs */
    int64_t actual_kib; /* what the domain holds now (measured) */
    int64_t target_kib; /* the target currently in force in Xen */
    int64_t want_kib;   /* where the arbiter wants it */
    int64_t floor_kib;  /* never lowered below this; a target found below it is
                           raised toward it first, as budget allows */
    int64_t max_kib;    /* never a target above this (maxmem); wins over floor */
    /* kept by the mover */
    int64_t rate_kib_s;        /* current rate, 0 = not yet initialised */
    int64_t last_actual_kib;   /* actual at the last progress */
    uint64_t last_progress_ms; /* when actual last moved toward the target */
    bool uncooperative;        /* balloon did not move for stuck_after_ms; cleared
                                  only when it moves from stuck_kib toward
                                  its target by more than the tolerance */
    int64_t stuck_kib;         /* actual when it was marked */
    /* output */
    int64_t new_target_kib; /* the target to set now (may equal target_kib) */
};

struct bal_summary {
    int64_t released_kib; /* lowered targets this step, total (withdrawals too) */
    int64_t granted_kib;  /* raised targets this step, total */
    int64_t budget_kib;   /* free memory available for growth this step, >= 0 */
    unsigned newly_stuck; /* domains marked uncooperative this step */
};

/*
 * One step over n domains.  host_free_kib is Xen's free memory now;
 * dt_ms the time since the previous step (bounds how far any target
 * moves).  Fills every new_target_kib; summary_out may be NULL.
 *
 * The caller must read every domain's actual before host_free_kib (growth
 * in between then makes free look smaller, never larger), and copy
 * new_target_kib into target_kib only once Xen has accepted it.
 */
void bal_step(const struct bal_params *p, struct bal_dom *d, size_t n, int64_t host_free_kib,
              uint64_t now_ms, uint64_t dt_ms, struct bal_summary *summary_out);

#endif
