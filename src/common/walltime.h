/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wall clock, for what follows it rather than intervals: the local
 * time of day for anticipation of a guest's daily and weekly requests,
 * and the times a pool's hosts share (cooldowns, a plan's date).  Nothing
 * is timed by it (common/clock.h is for that); a jump of the wall clock
 * only moves which quarter-hour a request is counted in, or when a
 * cooldown ends.  The only file of src/ that reads it, the log aside
 * (tests/lint/monotonic.sh).
 */
#ifndef XENPLM_COMMON_WALLTIME_H
#define XENPLM_COMMON_WALLTIME_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 in local time, and the second of that day
 * (0..86399): 0, or a negative PLM_E* code when it cannot be read. */
int plm_local_time(int64_t *day, uint32_t *sec);
/* The wall clock in ms since the epoch (0 where it cannot be read): for
 * times that hosts share, such as a pool's cooldowns; never for timing
 * within one host (clock.h). */
uint64_t plm_wall_ms(void);

/* "YYYY-MM-DD HH:MM:SS UTC" of a time in ms since the epoch, into buf (at
 * least 32 bytes; the ms figure where it has no calendar date). */
void plm_format_utc(uint64_t ms, char *buf, size_t len);

/* The days from 1970-01-01 to the civil date y-m-d (m 1..12). */
int64_t plm_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
