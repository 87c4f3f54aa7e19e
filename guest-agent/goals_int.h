/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the goals loader: what goals.c (the walk and the checks) and
 * goals_window.c (days and times of day) share.  Not for other modules.
 * The dealings with libxml2 are src/xml/'s, shared with the dom0 policy.
 */
#ifndef XENPLM_AGENT_GOALS_INT_H
#define XENPLM_AGENT_GOALS_INT_H

#include <stdint.h>

#include "guest-agent/goals.h"

/* Days and times of day (goals_window.c); 0 or -1, *out untouched on error. */
int goals_days_parse(const char *s, uint8_t *days_out);
int goals_time_parse(const char *s, uint16_t *min_out);

#endif
