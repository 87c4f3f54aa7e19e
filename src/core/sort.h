/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stable LSD radix sort of 64-bit keys with a 32-bit payload, for the
 * arbiter's levelling step.  Linear time and no allocation: the caller
 * passes scratch arrays of the same length.  Stability matters: equal keys
 * keep table order, which is what makes ties deterministic.
 */
#ifndef XENPLM_CORE_SORT_H
#define XENPLM_CORE_SORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sort keys[0..n) ascending, moving idx[] along with them (idx may be
 * NULL, then idx2 may be NULL too).  keys2/idx2 are scratch of length n.
 */
void plm_radix_sort(uint64_t *keys, uint32_t *idx, uint64_t *keys2, uint32_t *idx2, size_t n);

#endif
