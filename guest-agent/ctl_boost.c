/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's side of the time-critical boost (controller.h,
 * agent_ctl_boost): when to ask one, and the extra level that makes the
 * amount part of the request (the daemon never serves a boost above the
 * request's highest CPU level).  Pure: no I/O, time is an argument.
 */
#include "config.h"

#include <string.h>

#include "guest-agent/controller.h"

void agent_boost_reset(struct agent_boost_state *st)
{
    memset(st, 0, sizeof(*st));
}

/* Ask the extra level: one more, the lowest, or the last raised when the
 * list is full; never below the levels before it. */
static void extra_level(struct agent_ctl_output *out, plm_amt_t cpu)
{
    unsigned n = out->nlevels[AGENT_RES_CPU];

    if (!out->present[AGENT_RES_CPU] || n == 0)
        return;
    if (n < AGENT_MAX_PRIORITY)
        out->nlevels[AGENT_RES_CPU] = ++n;
    plm_amt_t below = n >= 2 ? out->level[AGENT_RES_CPU][n - 2] : 0;
    out->level[AGENT_RES_CPU][n - 1] = cpu > below ? cpu : below;
}

bool agent_ctl_boost(const struct agent_goals *g, const struct agent_ctl_input *in,
                     struct agent_boost_state *st, uint64_t now_ms, struct agent_ctl_output *out,
                     uint64_t *for_ms_out, plm_amt_t *cpu_out)
{
    const struct agent_goal *which = NULL;
    plm_amt_t ceiling = in->ceiling[AGENT_RES_CPU];

    for (unsigned i = 0; i < g->ngoals && i < AGENT_MAX_GOALS; i++) {
        const struct agent_goal *goal = &g->goal[i];
        bool newly = out->state[i] == AGENT_GOAL_MISSED && st->last[i] != AGENT_GOAL_MISSED;
        st->last[i] = out->state[i];
        if (goal->boost_ms && newly && goal->res == AGENT_RES_CPU &&
            (!which || goal->boost_ms > which->boost_ms))
            which = goal;
    }
    if (which && out->present[AGENT_RES_CPU] && out->nlevels[AGENT_RES_CPU] > 0) {
        plm_amt_t cpu = which->max > 0 && which->max < ceiling ? which->max : ceiling;
        if (cpu > 0) {
            st->until_ms = now_ms + which->boost_ms;
            st->cpu = cpu;
            extra_level(out, cpu);
            *for_ms_out = which->boost_ms;
            *cpu_out = cpu;
            return true;
        }
    }
    if (st->until_ms && now_ms < st->until_ms)
        extra_level(out, st->cpu);
    else
        st->until_ms = 0;
    return false;
}
