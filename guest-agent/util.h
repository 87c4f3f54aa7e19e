/* SPDX-License-Identifier: GPL-2.0-only */
/* Two small things several parts of the agent need. */
#ifndef XENPLM_AGENT_UTIL_H
#define XENPLM_AGENT_UTIL_H

#include <stdint.h>
#include <string.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC. */
static inline uint64_t agent_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* What to put before an absolute path to look below root: "" for the
 * live system (NULL or "/"), root itself otherwise. */
static inline const char *agent_root_prefix(const char *root)
{
    return (root && strcmp(root, "/") != 0) ? root : "";
}

#endif
