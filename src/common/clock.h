/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one clock the programs read for intervals and deadlines: monotonic,
 * so that setting the wall clock never stretches or skips a period.
 */
#ifndef XENPLM_COMMON_CLOCK_H
#define XENPLM_COMMON_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (from an unspecified origin). */
uint64_t plm_mono_ms(void);

#endif
