/* SPDX-License-Identifier: GPL-2.0-only */
/* A helper shared by the unit tests of the Prometheus text renderers
 * (check_metrics.c, check_agent_prom.c). */
#ifndef XENPLM_TESTS_PROM_CHECK_H
#define XENPLM_TESTS_PROM_CHECK_H

#include <stdbool.h>
#include <string.h>

/* Whether text holds line as one of its whole lines. */
static inline bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

#endif
