/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the controller's files share and nobody else needs: the per-goal
 * rules (controller.c) hand their needs to the combining of levels
 * (ctl_levels.c).
 */
#ifndef XENPLM_AGENT_CTL_INTERNAL_H
#define XENPLM_AGENT_CTL_INTERNAL_H

#include "guest-agent/controller.h"

/* The ceiling a resource's amounts are clamped to: the input's, or
 * PLM_AMT_MAX when the input gives none (zero or negative). */
plm_amt_t agent_ctl_ceiling(const struct agent_ctl_input *in, enum agent_resource r);

/* A goal's priority brought into 1..AGENT_MAX_PRIORITY. */
unsigned agent_ctl_priority(const struct agent_goal *goal);

/*
 * Fill out->present, nlevels and level from out->state and out->need,
 * which agent_ctl_step has set for every goal.
 */
void agent_ctl_levels(const struct agent_goals *g, const struct agent_ctl_input *in,
                      struct agent_ctl_output *out);

#endif
