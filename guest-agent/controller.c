/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controller's per-goal rules: what each goal needs this period.
 *
 * All arithmetic is on plm_amt_t thousandths.  A product of two amounts
 * (up to 10^12 ticks each) does not fit in 64 bits, so every product goes
 * through mul_div, which multiplies in 128 bits and divides before coming
 * back; amounts are then clamped into 0..PLM_AMT_MAX.
 *
 * Choices the header leaves open, made here:
 *
 *  - Direct goals (cpu-util, mem-available) start at the formula's need
 *    (there is no history to be careful about).  Afterwards they rise at
 *    once to a larger need, but fall by at most `decay` of their amount
 *    per period, so one quiet sample cannot drop the request and the next
 *    busy one raise it again.  They use no hold.
 *  - The hold counts periods, not over-achieved periods: it goes down in
 *    every period the goal is met or over-achieved, so "no lowering for
 *    hold_periods periods after a raise", as the header says.  A period
 *    without data leaves it alone.
 *  - A goal outside its time windows keeps its state untouched: when the
 *    window opens again (the next working day, say) it starts from what it
 *    had learned rather than from scratch.  agent_ctl_reset forgets it.
 *  - The guest counts as saturated for cpu-util goals when the measured
 *    utilisation reaches tuning.saturated_util, or when its busy time and
 *    the time the hypervisor stole from it (runnable, not running: a cap
 *    or a crowded host) reach that share of its online vcpus together: it
 *    wanted more than it could use.  A little steal on an idle guest is
 *    not a shortage.
 *  - A metric has no data when: cpu-util and swap-in without an interval
 *    (the first sample), cpu-pressure and mem-pressure without PSI,
 *    runqueue without any online vcpu counted, mem-available without a
 *    MemTotal, a probe that failed or names no probe.
 *  - A cpu-util target of 0 % (or less) cannot be met by any amount: the
 *    goal asks for its ceiling.
 *  - A feedback goal on the CPU (a latency probe, say) is starved when
 *    what the guest wanted, the time it ran plus the time it was runnable
 *    and not running (steal), exceeds what it holds by more than a least
 *    step: its demand is then measured, not guessed.  Missed and starved
 *    in two periods running, it raises at least to the smaller of the two
 *    periods' wants times the ratio of CPU held to CPU used in the last
 *    period it was met inside its band (1 + saturated_step before any),
 *    at most ratio_max.  The model: a queue's delay depends on its
 *    utilisation (M/M/1: R = S / (1 - rho)), so the share of its CPU
 *    that met the goal at one demand meets it at another.  At a burst's
 *    start this goes in one step where the geometric raise, +50 % a
 *    period, takes five or six.  The risk is an absurd sample asking for
 *    much: the want is the hypervisor's accounting over a whole period,
 *    never more than the guest's vcpus can run, it must hold two periods
 *    running and the smaller counts, the ratio is bounded, and the
 *    ceiling bounds the rest; a starved miss with no measured want above
 *    what is held (a probe's outlier alone) raises as before.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "guest-agent/controller.h"
#include "guest-agent/ctl_internal.h"

/* a * b / c in 128 bits, truncated toward zero, saturated to +-PLM_AMT_MAX.  c > 0. */
static plm_amt_t mul_div(plm_amt_t a, plm_amt_t b, plm_amt_t c)
{
    __int128 q = (__int128)a * b / c;
    if (q > PLM_AMT_MAX)
        return PLM_AMT_MAX;
    if (q < -PLM_AMT_MAX)
        return -PLM_AMT_MAX;
    return (plm_amt_t)q;
}

/* A sum clamped into 0..PLM_AMT_MAX (both terms are within +-PLM_AMT_MAX). */
static plm_amt_t add_amt(plm_amt_t a, plm_amt_t b)
{
    plm_amt_t s = a + b;
    if (s > PLM_AMT_MAX)
        return PLM_AMT_MAX;
    return s < 0 ? 0 : s;
}

static plm_amt_t max_amt(plm_amt_t a, plm_amt_t b)
{
    return a > b ? a : b;
}

static plm_amt_t min_amt(plm_amt_t a, plm_amt_t b)
{
    return a < b ? a : b;
}

void agent_ctl_tuning_default(struct agent_ctl_tuning *t)
{
    memset(t, 0, sizeof(*t));
    /* A new sample moves the average half way: single noisy samples are
     * halved, yet a real change shows 87.5 % of itself within three
     * periods (15 s at the default 5 s interval). */
    t->smoothing = 500;
    /* 20 % on the good side of the target: a goal is a limit, so any
     * miss of the average raises the amount, and only an average better
     * than the target by a fifth lowers it.  Between the two the amount
     * stays put; ordinary sampling noise (+-15 %, halved by the average)
     * fits inside, so the amount settles instead of riding the noise. */
    t->band = 200;
    /* Missing by 20 % raises by 10 %: most plants (latency ~ 1/amount)
     * need a raise about as large as the error, so half of it undershoots
     * rather than overshoots, and the next period adds the rest. */
    t->gain_up = 500;
    /* No more than +50 % in one period: doubling takes two periods, and
     * one absurd sample cannot ask for the whole host. */
    t->max_up = 500;
    /* -5 % per over-achieved period: halving takes 14 periods (70 s).
     * Giving back slowly costs the host little and keeps the amount from
     * falling through the point where the goal is missed again. */
    t->decay = 50;
    /* Three periods: the time the 0.5 average needs to show most (87.5 %)
     * of the effect of a raise, so a raise is not undone before it is
     * seen. */
    t->hold_periods = 3;
    /* At 90 % busy the run queue builds up and the time used no longer
     * says how much more would be used. */
    t->saturated_util = PLM_UNITS(90);
    /* Then ask a quarter more than is held: enough to see within a few
     * periods whether the demand is real. */
    t->saturated_step = 250;
    /* The smallest raises worth a reallocation: 5 hundredths of a CPU
     * (below the daemon's usual thresholds it would be ignored anyway) and
     * 16 MiB (a balloon move smaller than that is noise). */
    t->min_step[AGENT_RES_CPU] = PLM_UNITS(5);
    t->min_step[AGENT_RES_MEM] = PLM_UNITS(16);
    /* A latency goal met only under half busy is rare: a larger ratio
     * more likely comes from an idle guest's floor than from its queue. */
    t->ratio_max = 2000;
}

void agent_ctl_reset(struct agent_ctl_state *st)
{
    if (st)
        memset(st, 0, sizeof(*st));
}

const char *agent_goal_state_name(enum agent_goal_state s)
{
    switch (s) {
    case AGENT_GOAL_INACTIVE:
        return "inactive";
    case AGENT_GOAL_NODATA:
        return "nodata";
    case AGENT_GOAL_MISSED:
        return "missed";
    case AGENT_GOAL_MET:
        return "met";
    case AGENT_GOAL_OVER:
        return "over";
    }
    return "?";
}

plm_amt_t agent_ctl_ceiling(const struct agent_ctl_input *in, enum agent_resource r)
{
    plm_amt_t c = in->ceiling[r];
    return c > 0 && c < PLM_AMT_MAX ? c : PLM_AMT_MAX;
}

unsigned agent_ctl_priority(const struct agent_goal *goal)
{
    if (goal->priority < 1)
        return 1;
    return goal->priority > AGENT_MAX_PRIORITY ? AGENT_MAX_PRIORITY : goal->priority;
}

/* The goal's bounds, then the ceiling; never negative. */
static plm_amt_t bound(const struct agent_goal *goal, plm_amt_t ceiling, plm_amt_t v)
{
    if (v < goal->min)
        v = goal->min;
    if (goal->max >= 0 && v > goal->max)
        v = goal->max;
    if (v > ceiling)
        v = ceiling;
    return v < 0 ? 0 : v;
}

/* The goal's metric now, or false when there is none. */
static bool metric_value(const struct agent_goals *g, const struct agent_goal *goal,
                         const struct agent_ctl_input *in, plm_amt_t *v)
{
    const struct agent_metrics *m = in->m;

    switch (goal->metric) {
    case AGENT_M_CPU_UTIL:
        *v = m->cpu_util;
        return m->interval_ms > 0;
    case AGENT_M_CPU_PRESSURE:
        *v = m->cpu_pressure;
        return m->have_cpu_pressure;
    case AGENT_M_RUNQUEUE:
        *v = m->runqueue;
        return m->vcpus_online > 0;
    case AGENT_M_MEM_AVAILABLE:
        *v = m->mem_available;
        return m->mem_total > 0;
    case AGENT_M_MEM_PRESSURE:
        *v = m->mem_pressure;
        return m->have_mem_pressure;
    case AGENT_M_SWAPIN:
        *v = m->swapin_rate;
        return m->interval_ms > 0;
    case AGENT_M_PROBE:
        if (goal->probe >= g->nprobes || goal->probe >= AGENT_MAX_PROBES)
            return false;
        *v = in->probe_value[goal->probe];
        return in->probe_ok[goal->probe];
    }
    return false;
}

/* The moving average, seeded with the first sample. */
static void smooth(struct agent_ctl_goal_state *gs, const struct agent_ctl_tuning *t, plm_amt_t v)
{
    if (!gs->started)
        gs->smoothed = v;
    else
        gs->smoothed += mul_div(v - gs->smoothed, t->smoothing, PLM_SCALE);
}

/* Whether the cpu-util formula understates the demand this period. */
static bool cpu_saturated(const struct agent_ctl_tuning *t, const struct agent_metrics *m)
{
    if (m->cpu_util >= t->saturated_util)
        return true;
    if (m->vcpus_online == 0)
        return false;
    plm_amt_t online = (plm_amt_t)m->vcpus_online * 100 * PLM_SCALE;
    plm_amt_t wanted = add_amt(max_amt(m->cpu_used, 0), max_amt(m->cpu_steal, 0));
    return mul_div(wanted, 100 * PLM_SCALE, online) >= t->saturated_util;
}

/* What a direct goal's formula asks, before its bounds. */
static plm_amt_t direct_need(const struct agent_goal *goal, const struct agent_ctl_tuning *t,
                             const struct agent_ctl_input *in, plm_amt_t ceiling)
{
    const struct agent_metrics *m = in->m;

    if (goal->metric == AGENT_M_MEM_AVAILABLE)
        return add_amt(max_amt(m->mem_used, 0), max_amt(goal->target, 0));

    if (goal->target <= 0)
        return ceiling;
    /* used (hundredths) * 100 / target (percent), rounded up: in ticks,
     * used * 100 * PLM_SCALE / target. */
    plm_amt_t used = max_amt(m->cpu_used, 0);
    plm_amt_t need = mul_div(used, 100 * PLM_SCALE, goal->target);
    if (mul_div(need, goal->target, 100 * PLM_SCALE) < used)
        need = add_amt(need, 1);
    if (cpu_saturated(t, m)) {
        plm_amt_t held = max_amt(in->held[AGENT_RES_CPU], 0);
        need = max_amt(need, add_amt(held, mul_div(held, t->saturated_step, PLM_SCALE)));
    }
    return need;
}

/* One period of a cpu-util or mem-available goal. */
static enum agent_goal_state step_direct(const struct agent_goal *goal,
                                         const struct agent_ctl_tuning *t,
                                         struct agent_ctl_goal_state *gs,
                                         const struct agent_ctl_input *in, plm_amt_t value,
                                         plm_amt_t ceiling)
{
    plm_amt_t need = bound(goal, ceiling, direct_need(goal, t, in, ceiling));
    bool lowered = false;

    if (!gs->started || need >= gs->amount) {
        gs->amount = need;
    } else {
        plm_amt_t down = max_amt(mul_div(gs->amount, t->decay, PLM_SCALE), 1);
        gs->amount = max_amt(need, gs->amount - down);
        lowered = true;
    }
    smooth(gs, t, value);
    gs->started = true;
    gs->hold = 0;

    bool missed = goal->metric == AGENT_M_MEM_AVAILABLE
                      ? value < goal->target
                      : value > goal->target || cpu_saturated(t, in->m);
    if (missed)
        return AGENT_GOAL_MISSED;
    return lowered ? AGENT_GOAL_OVER : AGENT_GOAL_MET;
}

/* What the guest wanted of the CPU this period (run plus stolen time),
 * and whether that is more than it holds: its demand is then unserved. */
static bool cpu_starved(const struct agent_ctl_tuning *t, const struct agent_ctl_input *in,
                        plm_amt_t *wanted_out)
{
    plm_amt_t held = in->held[AGENT_RES_CPU];
    *wanted_out = add_amt(max_amt(in->m->cpu_used, 0), max_amt(in->m->cpu_steal, 0));
    return held >= 0 && *wanted_out > add_amt(held, t->min_step[AGENT_RES_CPU]);
}

/* A CPU goal met inside its band: the CPU held per CPU used now. */
static void learn_ratio(const struct agent_ctl_tuning *t, struct agent_ctl_goal_state *gs,
                        const struct agent_ctl_input *in, bool starved)
{
    plm_amt_t used = in->m->cpu_used, held = in->held[AGENT_RES_CPU];
    if (starved || held <= 0 || used < t->min_step[AGENT_RES_CPU])
        return;
    gs->ratio = min_amt(max_amt(mul_div(held, PLM_SCALE, used), PLM_SCALE), t->ratio_max);
}

/* One period of a feedback goal: raise on a miss, hold, then decay. */
static enum agent_goal_state step_feedback(const struct agent_goal *goal,
                                           const struct agent_ctl_tuning *t,
                                           struct agent_ctl_goal_state *gs,
                                           const struct agent_ctl_input *in, plm_amt_t value,
                                           plm_amt_t ceiling)
{
    if (!gs->started) {
        gs->amount = bound(goal, ceiling, in->held[goal->res]);
        gs->hold = 0;
    }
    smooth(gs, t, value);
    gs->started = true;

    plm_amt_t target = goal->target;
    plm_amt_t band = goal->margin > 0 ? goal->margin
                                      : mul_div(target < 0 ? -target : target, t->band, PLM_SCALE);
    /* How much worse than the target the average is (negative: better). */
    plm_amt_t worse = goal->dir == AGENT_AT_LEAST ? target - gs->smoothed : gs->smoothed - target;
    plm_amt_t held = in->held[goal->res];
    plm_amt_t wanted = 0;
    bool starved = goal->res == AGENT_RES_CPU && cpu_starved(t, in, &wanted);
    /* The last period's want, if it too was a starved miss. */
    plm_amt_t starved_before = gs->starved;
    gs->starved = worse > 0 && starved ? wanted : 0;

    /* A goal is a limit: any miss of the average counts.  The band lies
     * on the good side of the target only, where the goal is met with
     * room to spare but not by enough to give anything back. */
    if (worse > 0) {
        /* A raise the daemon has not granted yet (the guest holds less
         * than asked): the miss is the old shortfall still, and raising
         * again at once would count it twice.  Wait for the grant, but
         * only for the hold: a daemon whose trigger lets a small raise
         * wait (the default policy moves memory by 20 % at once, or 10 %
         * held five minutes) would otherwise leave the guest missing its
         * goal for good, both sides waiting for the other.  So a goal
         * still missed after the hold asks again, more: its ask grows
         * geometrically until it is granted or reaches the ceiling. */
        bool ungranted = held >= 0 && add_amt(held, t->min_step[goal->res]) < gs->amount;
        /* The wait has its own count: the hold against giving back runs
         * from when the raise is granted, so that a goal met at last keeps
         * what it asked for a whole hold (the time it waited is no proof
         * the raise was too much). */
        if (ungranted && gs->wait < t->hold_periods) {
            gs->wait++;
            return AGENT_GOAL_MISSED;
        }
        /* Relative error in thousandths; with no positive target to
         * relate to, any miss counts as large. */
        plm_amt_t share = t->max_up;
        if (target > 0)
            share = min_amt(mul_div(t->gain_up, mul_div(worse, PLM_SCALE, target), PLM_SCALE),
                            t->max_up);
        /* The raise starts from what the guest holds when the amount has
         * decayed below it (while the goal was met, another goal or the
         * daemon kept more): a miss at what it holds needs more than
         * that, and a raise from the decayed amount would ask barely
         * more, or less, than it has.  So a goal that stays missed grows
         * geometrically from the guest's real size. */
        plm_amt_t base = held > gs->amount ? held : gs->amount;
        plm_amt_t up = max_amt(mul_div(base, share, PLM_SCALE), t->min_step[goal->res]);
        plm_amt_t next = add_amt(base, up);
        /* Starved twice running: at least the measured want at the
         * utilisation that met the goal (see the header). */
        if (starved && starved_before > 0) {
            plm_amt_t ratio = gs->ratio > 0 ? gs->ratio : PLM_SCALE + t->saturated_step;
            next = max_amt(next, mul_div(min_amt(wanted, starved_before), ratio, PLM_SCALE));
        }
        gs->amount = bound(goal, ceiling, next);
        gs->hold = t->hold_periods;
        gs->wait = 0;
        return AGENT_GOAL_MISSED;
    }
    /* Not missed: a raise still waiting is granted in time or given up. */
    gs->wait = 0;
    if (worse < -band) {
        if (gs->hold > 0) {
            gs->hold--;
        } else {
            plm_amt_t down = max_amt(mul_div(gs->amount, t->decay, PLM_SCALE), 1);
            gs->amount = bound(goal, ceiling, gs->amount - down);
        }
        return AGENT_GOAL_OVER;
    }
    if (gs->hold > 0)
        gs->hold--;
    if (goal->res == AGENT_RES_CPU)
        learn_ratio(t, gs, in, starved);
    return AGENT_GOAL_MET;
}

int agent_ctl_step(const struct agent_goals *g, const struct agent_ctl_tuning *t,
                   struct agent_ctl_state *st, const struct agent_ctl_input *in,
                   struct agent_ctl_output *out)
{
    if (!g || !t || !st || !in || !in->m || !out)
        return PLM_EINVAL;
    memset(out, 0, sizeof(*out));

    unsigned n = g->ngoals < AGENT_MAX_GOALS ? g->ngoals : AGENT_MAX_GOALS;
    for (unsigned i = 0; i < n; i++) {
        const struct agent_goal *goal = &g->goal[i];
        struct agent_ctl_goal_state *gs = &st->goal[i];

        if ((unsigned)goal->res >= AGENT_NRES || !in->active[i]) {
            out->state[i] = AGENT_GOAL_INACTIVE;
            continue;
        }
        plm_amt_t ceiling = agent_ctl_ceiling(in, goal->res);
        plm_amt_t value = 0;
        if (gs->started)
            gs->amount = bound(goal, ceiling, gs->amount);

        if (!metric_value(g, goal, in, &value)) {
            out->state[i] = AGENT_GOAL_NODATA;
            out->need[i] = gs->started ? gs->amount : bound(goal, ceiling, in->held[goal->res]);
            continue;
        }
        if (goal->metric == AGENT_M_CPU_UTIL || goal->metric == AGENT_M_MEM_AVAILABLE)
            out->state[i] = step_direct(goal, t, gs, in, value, ceiling);
        else
            out->state[i] = step_feedback(goal, t, gs, in, value, ceiling);
        out->need[i] = gs->amount;
    }
    agent_ctl_levels(g, in, out);
    return 0;
}
