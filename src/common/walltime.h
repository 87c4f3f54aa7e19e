/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local time of day, for what follows the clock on the wall rather
 * than intervals: anticipation of a guest's daily and weekly requests.
 * Nothing is timed by it (common/clock.h is for that); a jump of the wall
 * clock only moves which quarter-hour a request is counted in.
 */
#ifndef XENPLM_COMMON_WALLTIME_H
#define XENPLM_COMMON_WALLTIME_H

#include <stdint.h>

/* Days since 1970-01-01 in local time, and the second of that day
 * (0..86399): 0, or a negative PLM_E* code when it cannot be read. */
int plm_local_time(int64_t *day, uint32_t *sec);

/* The days from 1970-01-01 to the civil date y-m-d (m 1..12). */
int64_t plm_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
