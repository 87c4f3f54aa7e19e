/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whether a new request is worth writing: the controller's deadband and
 * heartbeat.  A level moving by exactly the deadband is not worth it; one
 * moving by a tick more is, and so is any rise while a goal on that
 * resource is missed.  The heartbeat is due once heartbeat_ms have
 * passed (>=), and never when heartbeat_ms is 0 or the clock went back.
 */
#include "config.h"

#include "guest-agent/controller.h"

static bool heartbeat_due(const struct agent_goals *g, uint64_t last_ms, uint64_t now_ms)
{
    if (!g || g->heartbeat_ms == 0 || now_ms < last_ms)
        return false;
    return now_ms - last_ms >= g->heartbeat_ms;
}

/* Whether a goal on resource r is missed now. */
static bool missing(const struct agent_goals *g, const struct agent_ctl_output *now, unsigned r)
{
    unsigned n = g ? (g->ngoals < AGENT_MAX_GOALS ? g->ngoals : AGENT_MAX_GOALS) : 0;

    for (unsigned i = 0; i < n; i++)
        if ((unsigned)g->goal[i].res == r && now->state[i] == AGENT_GOAL_MISSED)
            return true;
    return false;
}

/*
 * Whether resource r's line differs past its deadband.  A rise while one
 * of its goals is missed is always worth writing, however small: the
 * deadband is there to spare the daemon drift, not to sit on a shortage
 * (and the controller waits for a raise to be granted before it raises
 * again, which it would wait for forever).
 */
static bool line_moved(plm_amt_t deadband, bool short_of, const struct agent_ctl_output *last,
                       const struct agent_ctl_output *now, unsigned r)
{
    if (last->present[r] != now->present[r])
        return true;
    if (!now->present[r])
        return false;
    if (last->nlevels[r] != now->nlevels[r])
        return true;
    unsigned n = now->nlevels[r] < AGENT_MAX_PRIORITY ? now->nlevels[r] : AGENT_MAX_PRIORITY;
    for (unsigned l = 0; l < n; l++) {
        plm_amt_t d = now->level[r][l] - last->level[r][l];
        if (d > 0 && short_of)
            return true;
        if (d < 0)
            d = -d;
        if (d > deadband)
            return true;
    }
    return false;
}

bool agent_ctl_should_publish(const struct agent_goals *g, const struct agent_ctl_output *last,
                              uint64_t last_ms, const struct agent_ctl_output *now, uint64_t now_ms)
{
    if (!now)
        return false;
    if (!last)
        return true;
    if (heartbeat_due(g, last_ms, now_ms))
        return true;
    for (unsigned r = 0; r < AGENT_NRES; r++) {
        plm_amt_t deadband = g && g->deadband[r] > 0 ? g->deadband[r] : 0;
        if (line_moved(deadband, missing(g, now, r), last, now, r))
            return true;
    }
    return false;
}
