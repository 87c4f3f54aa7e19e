/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memory mover (see balloon.h for the contract).
 *
 * Model.  Every tick the daemon measures each domain's actual memory and
 * the host's free memory, and bal_step turns the arbiter's wants into new
 * targets.  The loop closes through the guests: a target is only a request,
 * the balloon driver answers it later, at its own pace or not at all, and
 * the answer shows up in the next tick's measurements.  The mover therefore
 * trusts only what it measured and what it has already promised:
 *   - A lowered target frees nothing until the guest has actually shrunk;
 *     memory a guest holds above its target is in its actual, not in the
 *     host's free memory, so it is never handed out ahead of time: the
 *     donor releases, the release is measured, then the receiver grows.
 *   - Every raise of a target is paid from the growth budget: measured free
 *     memory, minus the headroom, minus every promise not yet taken
 *     (target above actual).  A withdrawn promise stays charged for the step
 *     that withdraws it, because the guest may take it before the lower
 *     target lands; raising a donor's target is charged from its old target,
 *     because it may have shrunk that far before the raise lands.
 *   - A target never leads its guest by more than one step (rate x dt), so
 *     a lagging or stuck guest is not handed a long backlog to execute at
 *     once when it wakes up; rates double while a guest keeps up and halve
 *     while it lags, within [rate_min, rate_max].
 *   - When the budget is short, growth is shared by water-filling: equal
 *     shares, each capped by the receiver's need this step, the last KiBs one
 *     each to the first receivers in table order (the arbiter's rule).
 *     Receivers whose target is below their floor are served first.
 *
 * Feedback risks.  The measurements are not atomic: the daemon must read
 * every domain's actual before the host's free memory, so that growth taken
 * in between makes free look smaller, not larger (the charges above cover
 * the rest of the races, up to the headroom for anything outside xenplm).
 * Multiplicative rate control does not settle: it saw-tooths between about
 * half and twice the guest's true pace; the lead bound keeps the cost of an
 * overshoot to one step.  The arbiter must not feed measured actuals back
 * as wants, or a slow guest would talk itself out of its allocation; the
 * uncooperative flag exists so that the daemon can treat a stuck guest's
 * memory as fixed instead.  Finally dt scales every move: after a long
 * stall the daemon should pass a bounded dt, or one step may be large.
 */
#include "config.h"

#include "balloon.h"

/* Parameters after the defensive fix-ups bal_step applies. */
struct mover {
    int64_t rate_min, rate_max, headroom, tolerance;
    uint64_t stuck_after_ms, dt_ms;
    bool adaptive;
};

/* Where one domain's target may go this step. */
struct span {
    int64_t actual, target; /* inputs, made non-negative */
    int64_t lo, hi;         /* floor and max, lo <= hi */
    int64_t goal;           /* want clamped to [lo, hi] */
    int64_t step;           /* rate x dt */
};

static int64_t nonneg(int64_t v)
{
    return v < 0 ? 0 : v;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* a + b for non-negative operands, saturating: sums over many domains of
 * amounts near INT64_MAX must not wrap into small or negative budgets. */
static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t absdiff(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a; /* non-negative operands: cannot overflow */
}

/* rate (KiB/s) x dt (ms) / 1000, exact while it fits, else INT64_MAX. */
static int64_t move_kib(int64_t rate, uint64_t dt_ms)
{
    uint64_t secs = dt_ms / 1000, ms = dt_ms % 1000;
    int64_t whole;

    if (secs > (uint64_t)INT64_MAX)
        return INT64_MAX;
    whole = (secs != 0 && rate > INT64_MAX / (int64_t)secs) ? INT64_MAX : rate * (int64_t)secs;
    /* Split rate so that rate * ms cannot overflow: (1000q + r) * ms / 1000
     * is q * ms + r * ms / 1000 exactly. */
    return sat_add(whole, (rate / 1000) * (int64_t)ms + (rate % 1000) * (int64_t)ms / 1000);
}

static void span_of(const struct mover *m, const struct bal_dom *d, struct span *s)
{
    s->actual = nonneg(d->actual_kib);
    s->target = nonneg(d->target_kib);
    /* A floor above maxmem is a configuration error; maxmem wins, since
     * Xen will not let the balloon past it anyway. */
    s->hi = nonneg(d->max_kib);
    s->lo = min64(nonneg(d->floor_kib), s->hi);
    s->goal = max64(s->lo, min64(d->want_kib, s->hi));
    s->step = move_kib(d->rate_kib_s, m->dt_ms);
}

/* Target after the moves that cost no budget: lowering toward the goal
 * (withdrawing untaken growth at once, then at most one step below actual)
 * and coming down to maxmem.  Raises are left to the budget. */
static int64_t base_target(const struct span *s)
{
    int64_t t = s->target;

    if (s->goal < t)
        t = max64(s->goal, min64(t, s->actual - s->step));
    return min64(t, s->hi);
}

/* Highest target a raise may reach this step: toward the goal, at most one
 * step beyond actual, never pulling back a target already further ahead. */
static int64_t desired_target(const struct span *s)
{
    if (s->goal <= s->target)
        return s->target;
    return min64(s->goal, max64(s->target, sat_add(s->actual, s->step)));
}

/* Progress, stuck detection and the adaptive rate, from what the guest did
 * with the target set at the previous step.  Returns 1 when the domain is
 * newly marked uncooperative. */
static unsigned track(const struct mover *m, struct bal_dom *d, uint64_t now_ms)
{
    int64_t actual = nonneg(d->actual_kib), target = nonneg(d->target_kib);
    int64_t dist_now, dist_then;
    bool reached, asked;
    unsigned newly = 0;

    if (d->rate_kib_s == 0) {
        /* First sight: no history to judge the guest by.  An adaptive
         * mover starts slow and lets the guest earn speed. */
        d->rate_kib_s = m->adaptive ? m->rate_min : m->rate_max;
        d->last_actual_kib = actual;
        d->last_progress_ms = now_ms;
        d->uncooperative = false;
        return 0;
    }
    d->rate_kib_s = max64(m->rate_min, min64(d->rate_kib_s, m->rate_max));

    dist_now = absdiff(target, actual);
    dist_then = absdiff(target, nonneg(d->last_actual_kib));
    reached = dist_now <= m->tolerance;
    /* The target moved away from where the guest last stood: a move was
     * asked of it, so reaching the target says it kept up.  Sitting at an
     * unchanged target says nothing about its pace. */
    asked = dist_then > m->tolerance;

    if (d->uncooperative) {
        /* Marked: only a real move from where it stuck, toward its target,
         * proves it cooperates again.  Sitting at a target that was set
         * where it already stood says nothing (else a guest that never
         * moves would be asked to shrink, refuse, and be forgiven, for
         * ever, and its allocation would swing with it). */
        int64_t from = nonneg(d->stuck_kib);
        if (absdiff(actual, from) > m->tolerance && dist_now < absdiff(target, from)) {
            d->last_actual_kib = actual;
            d->last_progress_ms = now_ms;
            d->uncooperative = false;
        }
    } else if (reached || dist_now < dist_then) {
        /* At its target there is nothing to do, so an idle guest is never
         * stuck; a guest that moves is making progress. */
        d->last_actual_kib = actual;
        d->last_progress_ms = now_ms;
    } else if (m->stuck_after_ms != 0 && now_ms >= d->last_progress_ms &&
               now_ms - d->last_progress_ms >= m->stuck_after_ms) {
        d->uncooperative = true;
        d->stuck_kib = actual;
        newly = 1;
    }

    if (!m->adaptive) {
        d->rate_kib_s = m->rate_max;
    } else if (m->dt_ms != 0) {
        /* No time passed, no evidence either way. */
        if (!reached)
            d->rate_kib_s = max64(m->rate_min, d->rate_kib_s / 2);
        else if (asked)
            d->rate_kib_s = d->rate_kib_s > m->rate_max / 2 ? m->rate_max : d->rate_kib_s * 2;
    }
    return newly;
}

enum fill_mode {
    FILL_FLOOR, /* raise toward the floor: served first */
    FILL_GROW,  /* raise toward the desired target */
    FILL_TAKE,  /* withdraw untaken growth down to actual (never below floor) */
};

/* How much more domain d can be moved in this mode; new_target_kib holds
 * the target as moved so far. */
static int64_t room(const struct mover *m, const struct bal_dom *d, enum fill_mode mode)
{
    struct span s;
    int64_t cur = d->new_target_kib, lim;

    span_of(m, d, &s);
    if (mode != FILL_TAKE && s.goal <= s.target)
        return 0; /* not growing: its base target is a lowering or a hold */
    switch (mode) {
    case FILL_FLOOR:
        lim = min64(desired_target(&s), s.lo);
        return lim > cur ? lim - cur : 0;
    case FILL_GROW:
        lim = desired_target(&s);
        return lim > cur ? lim - cur : 0;
    case FILL_TAKE:
        lim = max64(s.actual, s.lo);
        return cur > lim ? cur - lim : 0;
    }
    return 0;
}

/*
 * Water-fill amount over the domains' rooms: equal shares, each capped by
 * the domain's room, repeated until the amount or the rooms run out; the
 * last KiBs (fewer than the domains still open) go one each to the first
 * open domains in table order.  Each round either closes a domain or
 * leaves less than one KiB per open domain, so there are at most n + 1
 * rounds.  Returns what was moved.
 */
static int64_t fill(const struct mover *m, struct bal_dom *d, size_t n, int64_t amount,
                    enum fill_mode mode)
{
    int64_t left = amount;
    int64_t sign = mode == FILL_TAKE ? -1 : 1;

    while (left > 0) {
        size_t open = 0;
        int64_t share;

        for (size_t i = 0; i < n; i++)
            open += room(m, &d[i], mode) > 0;
        if (open == 0)
            break;
        share = left / (int64_t)open;
        for (size_t i = 0; i < n && left > 0; i++) {
            int64_t r = room(m, &d[i], mode);
            int64_t g = min64(r, share == 0 ? 1 : share);
            if (r <= 0)
                continue;
            d[i].new_target_kib += sign * g;
            left -= g;
        }
        if (share == 0)
            break;
    }
    return amount - left;
}

void bal_step(const struct bal_params *p, struct bal_dom *d, size_t n, int64_t host_free_kib,
              uint64_t now_ms, uint64_t dt_ms, struct bal_summary *summary_out)
{
    struct mover m;
    struct bal_summary sum = {0};
    int64_t deficit;

    /* Zeroed or inconsistent parameters must not stall the mover or make
     * it divide by zero: a rate of at least 1 KiB/s, max >= min. */
    m.rate_min = p->rate_min_kib_s > 0 ? p->rate_min_kib_s : 1;
    m.rate_max = max64(m.rate_min, p->rate_max_kib_s);
    m.headroom = nonneg(p->headroom_kib);
    m.tolerance = nonneg(p->tolerance_kib);
    m.stuck_after_ms = p->stuck_after_ms;
    m.adaptive = p->adaptive;
    m.dt_ms = dt_ms;

    /* deficit = headroom + promised - free: the budget when negative, the
     * shortfall when positive.  Both operands of the first subtraction are
     * non-negative, and promises are added saturating once it is positive,
     * so huge values cannot wrap (a saturated deficit only errs toward
     * withdrawing more). */
    deficit = m.headroom - nonneg(host_free_kib);

    /* Pass 1: judge each guest, then make the moves that need no budget.
     * Every untaken promise, kept or withdrawn, is charged this step. */
    for (size_t i = 0; i < n; i++) {
        struct span s;

        sum.newly_stuck += track(&m, &d[i], now_ms);
        span_of(&m, &d[i], &s);
        d[i].new_target_kib = base_target(&s);
        if (s.target > s.actual) {
            int64_t owed = s.target - s.actual;
            deficit = deficit >= 0 ? sat_add(deficit, owed) : deficit + owed;
        }
    }

    if (deficit <= 0) {
        int64_t budget = -deficit;
        sum.budget_kib = budget;
        budget -= fill(&m, d, n, budget, FILL_FLOOR);
        fill(&m, d, n, budget, FILL_GROW);
    } else {
        /* Something outside the mover took memory (a new domain, dom0):
         * the promises outrun the host.  Withdraw the shortfall from the
         * untaken growth, equal shares, so growers stop eating into the
         * headroom; nothing is granted until the host recovers. */
        fill(&m, d, n, deficit, FILL_TAKE);
    }

    for (size_t i = 0; i < n; i++) {
        int64_t t = nonneg(d[i].target_kib), nt = d[i].new_target_kib;
        if (nt > t)
            sum.granted_kib = sat_add(sum.granted_kib, nt - t);
        else
            sum.released_kib = sat_add(sum.released_kib, t - nt);
    }
    if (summary_out)
        *summary_out = sum;
}
