/* SPDX-License-Identifier: GPL-2.0-only */
/* Lazy reclaim: see keep.h. */
#include "core/keep.h"

#include "core/error.h"

static plm_amt_t at(const plm_amt_t *a, size_t stride, size_t i)
{
    return *(const plm_amt_t *)(const void *)((const char *)a + i * stride);
}

/* What domain i could keep: whole units of what it holds above alloc. */
static plm_amt_t excess(plm_amt_t alloc, plm_amt_t held, plm_amt_t unit)
{
    return held > alloc ? (held - alloc) / unit * unit : 0;
}

plm_amt_t plm_keep(plm_amt_t pool, plm_amt_t unit, const plm_amt_t *alloc, size_t alloc_stride,
                   const plm_amt_t *held, plm_amt_t *kept_out, size_t n)
{
    plm_amt_t total = 0, want = 0, top = 0;

    if (unit <= 0 || pool < 0 || pool > PLM_AMT_MAX)
        return PLM_EINVAL;
    if (alloc_stride == 0)
        alloc_stride = sizeof(plm_amt_t);
    for (size_t i = 0; i < n; i++) {
        plm_amt_t a = at(alloc, alloc_stride, i);
        if (a < 0 || a > PLM_AMT_MAX || held[i] < 0 || held[i] > PLM_AMT_MAX)
            return PLM_EINVAL;
        plm_amt_t x = excess(a, held[i], unit);
        total += a;
        want += x;
        if (x > top)
            top = x;
    }
    plm_amt_t room = pool > total ? (pool - total) / unit * unit : 0;
    /* The common level: everything when it fits, else the highest whole
     * number of units at which the keepers, each held to it, fit. */
    plm_amt_t level = top;
    if (want > room) {
        plm_amt_t lo = 0, hi = top / unit; /* in units: lo fits, hi does not */
        while (hi - lo > 1) {
            plm_amt_t mid = lo + (hi - lo) / 2, sum = 0;
            for (size_t i = 0; i < n && sum <= room; i++) {
                plm_amt_t x = excess(at(alloc, alloc_stride, i), held[i], unit);
                sum += x < mid * unit ? x : mid * unit;
            }
            if (sum <= room)
                lo = mid;
            else
                hi = mid;
        }
        level = lo * unit;
    }
    plm_amt_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        plm_amt_t x = excess(at(alloc, alloc_stride, i), held[i], unit);
        kept_out[i] = x < level ? x : level;
        kept += kept_out[i];
    }
    return kept;
}
