/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controller: from goals and measurements to the prioritized request.
 *
 * Each period the agent hands the controller the latest metrics and probe
 * values; the controller works out, for every active goal, the amount of
 * its resource the goal needs, then sums the goals level by level into the
 * cumulative lists of the protocol: level L is what the guest needs to meet
 * all its goals of priority 1..L.
 *
 *  - cpu-util goals compute the need directly: the CPU in use divided by
 *    the target utilisation.  When the guest is saturated (or the
 *    hypervisor steals much of its time) the use it measures understates
 *    its demand, so the need is then at least a step above what it holds.
 *  - mem-available goals: the memory in use (MemTotal - MemAvailable)
 *    plus the MemAvailable wanted.
 *  - Every other goal (pressure, run queue, swap-in, probes) has no model
 *    of how the metric depends on the resource, so a feedback loop finds
 *    the amount: it raises it in proportion to how badly the goal is
 *    missed, lowers it slowly while the goal is over-achieved, and leaves
 *    it alone inside a band on the good side of the target and for a few
 *    periods after each raise (the damping that keeps a noisy metric from making it
 *    oscillate).  A CPU goal missed while the guest is starved (it wanted,
 *    run plus stolen time, more than it holds) for a second period running
 *    raises at least to what it wanted times the CPU it held per CPU it
 *    used when the goal was last met: a queue's delay depends on its
 *    utilisation, so the amount that met the goal scales with the demand.
 *
 * Goals on one workload (the same cgroup, or the whole guest) need the
 * same CPUs and memory, so they combine by maximum; goals on different
 * named workloads need separate shares, so they add up.  A level is the
 * larger of the whole-guest need and the sum of the named workloads'.
 *
 * Everything here is pure: no clock, no I/O; time comes in as arguments.
 */
#ifndef XENPLM_AGENT_CONTROLLER_H
#define XENPLM_AGENT_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/amount.h"
#include "guest-agent/goals.h"
#include "guest-agent/monitor.h"

/* How the controller behaves; agent_ctl_tuning_default gives the shipped values. */
struct agent_ctl_tuning {
    plm_amt_t smoothing;   /* weight of a new sample in the moving average, thousandths of 1 */
    plm_amt_t band;        /* band on the good side of a feedback target, thousandths (relative) */
    plm_amt_t gain_up;     /* raise = amount * gain_up * relative error, thousandths of 1 */
    plm_amt_t max_up;      /* largest raise in one period, thousandths of 1 (relative) */
    plm_amt_t decay;       /* lowering per over-achieved period, thousandths of 1 (relative) */
    unsigned hold_periods; /* no lowering for this many periods after a raise */
    plm_amt_t saturated_util; /* cpu-util at or above which the use understates demand, percent */
    plm_amt_t saturated_step; /* then ask at least this much above what is held, thousandths of 1 */
    plm_amt_t min_step[AGENT_NRES]; /* smallest raise, in the resource's unit */
    plm_amt_t ratio_max; /* most CPU held per CPU used that a starved raise uses, thousandths */
};
void agent_ctl_tuning_default(struct agent_ctl_tuning *t);

enum agent_goal_state {
    AGENT_GOAL_INACTIVE = 0, /* outside its time windows */
    AGENT_GOAL_NODATA,       /* its metric is not available (no PSI, probe failed) */
    AGENT_GOAL_MISSED,
    AGENT_GOAL_MET,
    AGENT_GOAL_OVER, /* over-achieved: the amount is being lowered */
};

/* What the controller carries from one period to the next, per goal. */
struct agent_ctl_goal_state {
    bool started;       /* amount and smoothed hold values */
    plm_amt_t amount;   /* in the resource's unit */
    plm_amt_t smoothed; /* the metric's moving average */
    unsigned hold;      /* periods left before lowering is allowed */
    unsigned wait;      /* periods a raise not granted yet has waited */
    plm_amt_t ratio;    /* CPU held per CPU used when last met, thousandths; 0: not yet */
    plm_amt_t starved;  /* CPU wanted last period if the goal was missed starved, else 0 */
};

struct agent_ctl_state {
    struct agent_ctl_goal_state goal[AGENT_MAX_GOALS];
};
/* Forget everything (at start, and when the goals change). */
void agent_ctl_reset(struct agent_ctl_state *st);

struct agent_ctl_input {
    const struct agent_metrics *m;
    plm_amt_t probe_value[AGENT_MAX_PROBES];
    bool probe_ok[AGENT_MAX_PROBES];
    bool active[AGENT_MAX_GOALS];  /* from agent_goal_active */
    plm_amt_t held[AGENT_NRES];    /* what the guest holds now: cpu hundredths, mem MiB */
    plm_amt_t ceiling[AGENT_NRES]; /* the most it could be given (maxvcpus x 100, maxmem MiB) */
};

struct agent_ctl_output {
    enum agent_goal_state state[AGENT_MAX_GOALS];
    plm_amt_t need[AGENT_MAX_GOALS]; /* the amount each goal asks, after its bounds */
    bool present[AGENT_NRES];        /* a line for this resource is published */
    unsigned nlevels[AGENT_NRES];    /* 1..AGENT_MAX_PRIORITY when present */
    plm_amt_t level[AGENT_NRES][AGENT_MAX_PRIORITY]; /* cumulative, non-decreasing, <= ceiling */
};

/*
 * One period.  Updates *st and fills *out.  A resource is present when the
 * goals have at least one goal on it; when none of those is active its
 * list is the goals' idle amount at one level.  Returns 0, or PLM_EINVAL
 * for a NULL argument.
 */
int agent_ctl_step(const struct agent_goals *g, const struct agent_ctl_tuning *t,
                   struct agent_ctl_state *st, const struct agent_ctl_input *in,
                   struct agent_ctl_output *out);

/*
 * Whether a newly computed request differs enough from the one last
 * published to write it: a resource appears or disappears, a list changes
 * length, any level moves by more than that resource's deadband, or rises
 * at all while one of that resource's goals is missed; or the
 * heartbeat interval has passed since the last write (last_ms, now_ms on
 * any monotonic clock).  last may be NULL: nothing published yet.
 */
bool agent_ctl_should_publish(const struct agent_goals *g, const struct agent_ctl_output *last,
                              uint64_t last_ms, const struct agent_ctl_output *now,
                              uint64_t now_ms);

/*
 * The time-critical boost (ctl_boost.c; xenplm-protocol(7), BOOST).  A
 * cpu goal with boost= that a period finds missed, having not been in the
 * last, asks one: for its boost= time the CPU list gets one more level,
 * its lowest priority, asking the goal's max (else all the guest's CPU,
 * the ceiling), and the daemon is asked to serve the request up to that
 * amount as time-critical.  At the lowest priority the extra level costs
 * the others nothing once the boost is over or refused, and it is gone
 * from the request when the time asked is.  Once per miss: a goal that
 * stays missed asks again only after it was met (the daemon's budget
 * bounds a guest that asks more often anyway).
 */
struct agent_boost_state {
    enum agent_goal_state last[AGENT_MAX_GOALS]; /* each goal's state in the last period */
    uint64_t until_ms;                           /* the extra level is asked until then */
    plm_amt_t cpu;                               /* its amount */
};
/* Forget everything (at start, and when the goals change). */
void agent_boost_reset(struct agent_boost_state *st);
/*
 * After agent_ctl_step, with its input and output: adds the extra level
 * to out while a boost is asked.  Returns true when a boost is to be
 * asked now with the request published for out (it must be published),
 * with *for_ms_out and *cpu_out what to ask.
 */
bool agent_ctl_boost(const struct agent_goals *g, const struct agent_ctl_input *in,
                     struct agent_boost_state *st, uint64_t now_ms, struct agent_ctl_output *out,
                     uint64_t *for_ms_out, plm_amt_t *cpu_out);

const char *agent_goal_state_name(enum agent_goal_state s);

#endif
