/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The duration grammar; see duration.h.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "common/duration.h"
#include "core/error.h"

static const struct {
    const char *name;
    uint64_t ms;
} units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000},
};

int plm_duration_parse(const char *s, size_t n, uint64_t *ms_out)
{
    uint64_t v = 0;
    bool big = false;
    size_t i = 0;

    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        /* Go on reading digits, so that "99999999999999999999x" is a
         * grammar error like "1x", not a range error. */
        uint64_t d = (uint64_t)(s[i] - '0');

        if (v > (UINT64_MAX - d) / 10)
            big = true;
        else
            v = v * 10 + d;
    }
    if (i == 0)
        return PLM_EGRAMMAR;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t len = strlen(units[u].name);

        if (n - i != len || memcmp(s + i, units[u].name, len) != 0)
            continue;
        if (big || v > UINT64_MAX / units[u].ms)
            return PLM_ERANGE;
        *ms_out = v * units[u].ms;
        return 0;
    }
    return PLM_EGRAMMAR;
}
