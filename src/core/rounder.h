/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cumulative-sum rounder: allocations rounded to the unit without
 * ever handing out more than the pool.
 *
 * Rounding each allocation on its own can hand out more than the pool (two
 * halves rounded up) or lose units.  Instead the running sum of the
 * allocations, in a stable domain order, is rounded half up to a multiple
 * of the unit, and each domain receives the difference between its rounded
 * running sum and the previous one.  Fractions are thus carried forward:
 * 3.5 3.5 3.0 becomes 4 3 3, and 10.1 20.2 30.3 39.4 becomes 10 20 31 39.
 *
 * Properties relied upon by callers: a value that is already a multiple of
 * the unit is kept unchanged; any other value becomes one of the two unit
 * multiples around it; the rounded total is the raw total rounded half up,
 * and never more than limit.
 */
#ifndef XENPLM_CORE_ROUNDER_H
#define XENPLM_CORE_ROUNDER_H

#include <stddef.h>

#include "amount.h"

/* Round x half up to a multiple of unit (unit > 0, x >= 0). */
plm_amt_t plm_round_half_up(plm_amt_t x, plm_amt_t unit);

/*
 * Round raw[0..n) into rounded_out[0..n) (the arrays may be the same).
 * stride_* are the distances in bytes between successive elements
 * (0 means sizeof(plm_amt_t)), so fields of an array of structs can be
 * rounded in place.  limit caps every running sum; pass a multiple of the
 * unit no smaller than the raw total.  Returns the rounded total.
 */
plm_amt_t plm_round_cumulative(const plm_amt_t *raw, size_t stride_raw, plm_amt_t *rounded_out,
                               size_t stride_out, size_t n, plm_amt_t unit, plm_amt_t limit);

#endif
