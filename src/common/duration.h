/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one duration grammar of every input xenplm reads: policies,
 * scenarios and `xenplm set DOM ... for=DURATION` (xenplm(8), DURATIONS).
 * A duration is a whole number and a unit, with nothing between or
 * around them:
 *
 *     ms            milliseconds
 *     s             seconds
 *     m, min        minutes
 *     h             hours
 *     d             days
 *
 * so "120s", "2m", "2min" and "1h" are all valid.  Each caller then
 * checks the range it accepts.
 */
#ifndef XENPLM_COMMON_DURATION_H
#define XENPLM_COMMON_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The units in words, for messages that explain a refused value. */
#define PLM_DURATION_EXAMPLES "500ms, 90s, 2m, 15min, 2h or 1d"

/*
 * Parse the n bytes at s (no NUL needed) into milliseconds.  Returns 0
 * and *ms_out, PLM_EGRAMMAR when the text is not a number and a unit, or
 * PLM_ERANGE when the number of milliseconds does not fit in 64 bits.
 */
int plm_duration_parse(const char *s, size_t n, uint64_t *ms_out);

#endif
