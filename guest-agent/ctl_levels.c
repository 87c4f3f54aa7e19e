/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controller's combining: from each goal's need to the cumulative
 * list of levels per resource.
 *
 * Level L of a resource counts the active goals on it of priority 1..L.
 * Goals on one workload share its CPUs and memory, so the workload needs
 * the largest of their needs; separate named workloads need separate
 * shares, so their needs add up; the whole guest ("" workload) contains
 * them all, so the level is the larger of the whole-guest need and that
 * sum.  Each workload's need can only grow with L (more goals count), so
 * the list is non-decreasing; clamping to the ceiling keeps it so.
 */
#include "config.h"

#include <string.h>

#include "guest-agent/controller.h"
#include "guest-agent/ctl_internal.h"

/* Whether goal i counts toward level `level` of resource r. */
static bool counts(const struct agent_goals *g, const struct agent_ctl_output *out, unsigned i,
                   enum agent_resource r, unsigned level)
{
    const struct agent_goal *goal = &g->goal[i];
    return goal->res == r && out->state[i] != AGENT_GOAL_INACTIVE &&
           agent_ctl_priority(goal) <= level;
}

/* The need of the workload of goal `first` at this level: the largest of
 * the needs of its goals from `first` on. */
static plm_amt_t group_need(const struct agent_goals *g, const struct agent_ctl_output *out,
                            unsigned n, unsigned first, enum agent_resource r, unsigned level)
{
    const char *wl = g->goal[first].workload;
    plm_amt_t need = 0;

    for (unsigned j = first; j < n; j++) {
        if (counts(g, out, j, r, level) && strcmp(g->goal[j].workload, wl) == 0 &&
            out->need[j] > need)
            need = out->need[j];
    }
    return need;
}

/* Whether goal i is the first counting goal of its workload. */
static bool first_of_group(const struct agent_goals *g, const struct agent_ctl_output *out,
                           unsigned i, enum agent_resource r, unsigned level)
{
    for (unsigned j = 0; j < i; j++) {
        if (counts(g, out, j, r, level) && strcmp(g->goal[j].workload, g->goal[i].workload) == 0)
            return false;
    }
    return true;
}

/* Level `level` (1-based) of resource r. */
static plm_amt_t level_need(const struct agent_goals *g, const struct agent_ctl_output *out,
                            unsigned n, enum agent_resource r, unsigned level)
{
    plm_amt_t whole = 0, named = 0;

    for (unsigned i = 0; i < n; i++) {
        if (!counts(g, out, i, r, level) || !first_of_group(g, out, i, r, level))
            continue;
        plm_amt_t need = group_need(g, out, n, i, r, level);
        if (g->goal[i].workload[0] == '\0')
            whole = need;
        else
            named += need; /* at most AGENT_MAX_GOALS needs of PLM_AMT_MAX: no overflow */
    }
    return whole > named ? whole : named;
}

void agent_ctl_levels(const struct agent_goals *g, const struct agent_ctl_input *in,
                      struct agent_ctl_output *out)
{
    unsigned n = g->ngoals < AGENT_MAX_GOALS ? g->ngoals : AGENT_MAX_GOALS;

    for (unsigned r = 0; r < AGENT_NRES; r++) {
        plm_amt_t ceiling = agent_ctl_ceiling(in, (enum agent_resource)r);
        bool any = false;
        unsigned top = 0;

        for (unsigned i = 0; i < n; i++) {
            if ((unsigned)g->goal[i].res != r)
                continue;
            any = true;
            if (out->state[i] != AGENT_GOAL_INACTIVE && agent_ctl_priority(&g->goal[i]) > top)
                top = agent_ctl_priority(&g->goal[i]);
        }
        out->present[r] = any;
        if (!any)
            continue;
        if (top == 0) {
            /* Goals, none active: the idle amount keeps the line alive. */
            plm_amt_t idle = g->idle[r] < 0 ? 0 : g->idle[r];
            out->nlevels[r] = 1;
            out->level[r][0] = idle < ceiling ? idle : ceiling;
            continue;
        }
        out->nlevels[r] = top;
        for (unsigned level = 1; level <= top; level++) {
            plm_amt_t v = level_need(g, out, n, (enum agent_resource)r, level);
            out->level[r][level - 1] = v < ceiling ? v : ceiling;
        }
    }
}
