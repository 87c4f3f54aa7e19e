/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include <string.h>

#include "sort.h"

/* Digit widths: wide digits mean fewer passes over large inputs, narrow
 * ones cheaper histograms for small inputs. */
#define RADIX_BITS_MAX 11
#define RADIX_SIZE_MAX (1u << RADIX_BITS_MAX)
#define RADIX_SMALL_N 4096

/* Small inputs sort faster by insertion than by clearing histograms. */
#define INSERTION_MAX 48

static void insertion_sort(uint64_t *keys, uint32_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t k = keys[i];
        uint32_t x = idx ? idx[i] : 0;
        size_t j = i;
        while (j > 0 && keys[j - 1] > k) {
            keys[j] = keys[j - 1];
            if (idx)
                idx[j] = idx[j - 1];
            j--;
        }
        keys[j] = k;
        if (idx)
            idx[j] = x;
    }
}

void plm_radix_sort(uint64_t *keys, uint32_t *idx, uint64_t *keys2, uint32_t *idx2, size_t n)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    uint32_t count[RADIX_SIZE_MAX];

    if (n <= INSERTION_MAX) {
        insertion_sort(keys, idx, n);
        return;
    }
    /* Sort offsets from the smallest key: amounts cluster, so the spread
     * usually needs fewer digits than the keys themselves. */
    for (size_t i = 0; i < n; i++) {
        lo = keys[i] < lo ? keys[i] : lo;
        hi = keys[i] > hi ? keys[i] : hi;
    }
    uint64_t all = hi - lo;
    for (size_t i = 0; i < n; i++)
        keys[i] -= lo;
    const unsigned bits = n < RADIX_SMALL_N ? 8 : RADIX_BITS_MAX;
    const size_t size = (size_t)1 << bits;
    const uint64_t mask = size - 1;

    uint64_t *src = keys, *dst = keys2;
    uint32_t *isrc = idx, *idst = idx2;
    /* Only as many passes as the largest key has digits. */
    for (unsigned shift = 0; shift < 64 && (all >> shift) != 0; shift += bits) {
        memset(count, 0, size * sizeof(count[0]));
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & mask]++;
        uint32_t sum = 0;
        for (size_t d = 0; d < size; d++) {
            uint32_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t pos = count[(src[i] >> shift) & mask]++;
            dst[pos] = src[i];
            if (isrc)
                idst[pos] = isrc[i];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
        uint32_t *it = isrc;
        isrc = idst;
        idst = it;
    }
    if (src != keys) {
        memcpy(keys, src, n * sizeof(*keys));
        if (idx)
            memcpy(idx, isrc, n * sizeof(*idx));
    }
    for (size_t i = 0; i < n; i++)
        keys[i] += lo;
}
