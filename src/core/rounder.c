/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include "rounder.h"

plm_amt_t plm_round_half_up(plm_amt_t x, plm_amt_t unit)
{
    plm_amt_t q = x / unit, r = x % unit;
    /* Compare 2r with unit rather than r with unit/2: exact for odd units. */
    if (2 * r >= unit)
        q++;
    return q * unit;
}

/*
 * The loop proper.  Inlined twice so that the common unit (one whole unit,
 * PLM_SCALE ticks) divides by a constant, which the compiler turns into a
 * multiplication.
 */
static inline __attribute__((always_inline)) plm_amt_t round_run(const char *in, size_t stride_raw,
                                                                 char *out, size_t stride_out,
                                                                 size_t n, plm_amt_t unit,
                                                                 plm_amt_t limit)
{
    plm_amt_t sum = 0, prev = 0;

    for (size_t i = 0; i < n; i++) {
        sum += *(const plm_amt_t *)(const void *)(in + i * stride_raw);
        plm_amt_t q = sum / unit, r = sum % unit;
        plm_amt_t s = (2 * r >= unit ? q + 1 : q) * unit;
        /* Running sums are non-decreasing, so capping them keeps every
         * difference non-negative. */
        if (s > limit)
            s = limit;
        *(plm_amt_t *)(void *)(out + i * stride_out) = s - prev;
        prev = s;
    }
    return prev;
}

plm_amt_t plm_round_cumulative(const plm_amt_t *raw, size_t stride_raw, plm_amt_t *rounded_out,
                               size_t stride_out, size_t n, plm_amt_t unit, plm_amt_t limit)
{
    const char *in = (const char *)raw;
    char *out = (char *)rounded_out;

    if (stride_raw == 0)
        stride_raw = sizeof(plm_amt_t);
    if (stride_out == 0)
        stride_out = sizeof(plm_amt_t);
    if (unit == PLM_SCALE)
        return round_run(in, stride_raw, out, stride_out, n, PLM_SCALE, limit);
    return round_run(in, stride_raw, out, stride_out, n, unit, limit);
}
