/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lazy reclaim: what a domain holds above its new allocation stays with
 * it until someone needs it.
 *
 * The arbiter says what each domain should get now; a domain whose
 * allocation falls below what it holds would give the difference back at
 * once, and then, when its need recurs, wait for its balloon to grow again
 * (minutes for gigabytes).  Instead it keeps the difference while the pool
 * has room for it beside every domain's new allocation: a domain that
 * grows, a pool that shrinks (the host's reserve, a domain created behind
 * the daemon's back) or a lower maximum takes it back, and only as much as
 * that needs.  When not all of it fits, the largest keepers give back
 * first, down to a common level (water-filling from the top), so that one
 * domain's growth moves as few others as it can and no keeper is taken
 * below what the others keep.
 *
 * Everything is a whole number of units; the allocations with what they
 * keep never add up to more than the pool (or than the allocations alone,
 * when those already fill it), so it never overcommits the host.  Pure: no
 * I/O, no clock, no allocation.
 */
#ifndef XENPLM_CORE_KEEP_H
#define XENPLM_CORE_KEEP_H

#include <stddef.h>

#include "amount.h"

/*
 * n domains: alloc (successive elements alloc_stride bytes apart, 0 for
 * sizeof(plm_amt_t)) is each one's new allocation, held what it holds now
 * (0 for a domain that keeps nothing: one that is not managed, or whose
 * memory cannot move).  kept_out[i] receives what domain i keeps above
 * alloc: at most held - alloc rounded down to the unit, and in all at most
 * pool less the allocations.  Returns the total kept, or PLM_EINVAL for a
 * unit <= 0 or an amount outside 0..PLM_AMT_MAX.
 */
plm_amt_t plm_keep(plm_amt_t pool, plm_amt_t unit, const plm_amt_t *alloc, size_t alloc_stride,
                   const plm_amt_t *held, plm_amt_t *kept_out, size_t n);

#endif
