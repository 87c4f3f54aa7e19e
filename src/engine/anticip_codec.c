/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A request history as bytes and back (anticip.h): fixed size, every
 * field checked on the way in, so a file cut short, padded, corrupted or
 * written by a hostile hand is refused as a whole.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "engine/anticip.h"

#define MAGIC "XPLMHIST"
#define HIST_VERSION 1u

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ant_encode(const struct ant_hist *h, uint8_t out[ANT_ENCODED])
{
    uint8_t *p = out;
    memcpy(p, MAGIC, 8);
    p += 8;
    p = put32(p, HIST_VERSION);
    p = put32(p, ANT_SLOTS);
    p = put32(p, ANT_DAYS);
    p = put32(p, ANT_NRES);
    for (unsigned d = 0; d < ANT_DAYS; d++) {
        uint64_t v = (uint64_t)h->day[d];
        p = put32(p, (uint32_t)v);
        p = put32(p, (uint32_t)(v >> 32));
    }
    for (unsigned d = 0; d < ANT_DAYS; d++)
        for (unsigned s = 0; s < ANT_SLOTS; s++)
            for (unsigned r = 0; r < ANT_NRES; r++) {
                p = put32(p, h->total[d][s][r]);
                *p++ = h->level[d][s][r];
            }
}

static int fail(char *err, size_t errlen, int rc, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", what);
    return rc;
}

int ant_decode(const uint8_t *buf, size_t len, struct ant_hist *out, char *err, size_t errlen)
{
    static const char *const bad_size = "not a request history (wrong size)";
    if (len != ANT_ENCODED)
        return fail(err, errlen, PLM_EGRAMMAR, bad_size);
    if (memcmp(buf, MAGIC, 8) != 0)
        return fail(err, errlen, PLM_EGRAMMAR, "not a request history (no XPLMHIST)");
    const uint8_t *p = buf + 8;
    if (get32(p) != HIST_VERSION)
        return fail(err, errlen, PLM_EGRAMMAR, "an unknown version");
    if (get32(p + 4) != ANT_SLOTS || get32(p + 8) != ANT_DAYS || get32(p + 12) != ANT_NRES)
        return fail(err, errlen, PLM_EGRAMMAR, "other dimensions than this daemon's");
    p += 16;

    struct ant_hist h;
    for (unsigned d = 0; d < ANT_DAYS; d++, p += 8) {
        int64_t v = (int64_t)((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
        if (v != -1 && (v < 0 || (uint64_t)v % ANT_DAYS != d))
            return fail(err, errlen, PLM_ERANGE, "a day in the wrong row");
        h.day[d] = v;
    }
    for (unsigned d = 0; d < ANT_DAYS; d++)
        for (unsigned s = 0; s < ANT_SLOTS; s++)
            for (unsigned r = 0; r < ANT_NRES; r++, p += 5) {
                uint32_t total = get32(p);
                uint8_t level = p[4];
                if (level > PLM_MAX_LEVELS || total > PLM_AMT_MAX / PLM_SCALE)
                    return fail(err, errlen, PLM_ERANGE, "an amount or level out of range");
                if ((level == 0 && total != 0) || (h.day[d] == -1 && level != 0))
                    return fail(err, errlen, PLM_ERANGE, "an amount where none was recorded");
                h.total[d][s][r] = total;
                h.level[d][s][r] = level;
            }
    *out = h;
    return 0;
}
