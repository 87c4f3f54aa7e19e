/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include <stdio.h>

#include "common/errbuf.h"

int plm_verrf_line(char *err, size_t errlen, int rc, unsigned line, const char *fmt, va_list ap)
{
    int n = 0;

    if (!err || errlen == 0)
        return rc;
    if (line > 0)
        n = snprintf(err, errlen, "line %u: ", line);
    if (n < 0 || (size_t)n >= errlen)
        return rc;
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    return rc;
}

int plm_verrf(char *err, size_t errlen, int rc, const char *fmt, va_list ap)
{
    return plm_verrf_line(err, errlen, rc, 0, fmt, ap);
}

int plm_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf_line(err, errlen, rc, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int plm_errf_line(char *err, size_t errlen, int rc, unsigned line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf_line(err, errlen, rc, line, fmt, ap);
    va_end(ap);
    return rc;
}
