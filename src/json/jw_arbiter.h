/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arbiter's outcome of one domain in JSON, written the same way by
 * `xenplm arbitrate --json` (cli/report.c) and `xenplm show -j`
 * (daemon/render_show.c).
 */
#ifndef XENPLM_JSON_JW_ARBITER_H
#define XENPLM_JSON_JW_ARBITER_H

#include <stdbool.h>

#include "core/arbiter.h"
#include "json/jw.h"

/* A water level: the amount when levelling was the mode and a level was
 * levelled, else null (no water level to speak of). */
void jw_water(struct jw *w, bool levelling, unsigned levelled, plm_amt_t water);

/*
 * Members of the object being written: "extra", "satisfied", "levelled",
 * "water" (as jw_water) and "why".
 */
void jw_outcome_members(struct jw *w, const struct plm_outcome *o, bool levelling);

#endif
