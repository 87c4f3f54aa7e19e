/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy's own kinds of values, beyond those every XML loader reads
 * (src/xml/): percentages, whole numbers and levels.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/pol_int.h"

/* A percentage, in hundredths of a percent, within lo..hi. */
int pol_get_percent(struct px_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                    uint32_t hi, uint32_t *v)
{
    plm_amt_t a = 0;
    char *s;
    int rc = px_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    rc = px_amount(ld, n, attr, s, &a);
    if (rc < 0)
        goto out;
    /* An amount counts thousandths of a percent here; keep two places. */
    if (a % 10) {
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%s' has more than two decimal places", s);
        goto out;
    }
    if (a / 10 < (plm_amt_t)lo || a / 10 > (plm_amt_t)hi) {
        char los[PLM_AMT_STRLEN], his[PLM_AMT_STRLEN];
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%s' is outside %s..%s (percent)", s,
                     plm_amt_format((plm_amt_t)lo * 10, los),
                     plm_amt_format((plm_amt_t)hi * 10, his));
        goto out;
    }
    *v = (uint32_t)(a / 10);
out:
    free(s);
    return rc;
}

/* A whole number within lo..hi. */
int pol_get_count(struct px_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                  uint32_t hi, uint32_t *v)
{
    uint64_t x = 0;
    size_t i = 0;
    char *s;
    int rc = px_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    for (; s[i] >= '0' && s[i] <= '9' && x <= UINT32_MAX; i++)
        x = x * 10 + (uint64_t)(s[i] - '0');
    if (i == 0 || s[i] != '\0')
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%s' is not a whole number", s);
    else if (x < lo || x > hi)
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%s' is outside %lu..%lu", s, (unsigned long)lo,
                     (unsigned long)hi);
    else
        *v = (uint32_t)x;
    free(s);
    return rc;
}

int pol_get_level(struct px_loader *ld, const xmlNode *n, const char *attr, unsigned *v)
{
    uint32_t x = *v;
    int rc = pol_get_count(ld, n, attr, 1, PLM_MAX_LEVELS, &x);

    *v = x;
    return rc;
}
