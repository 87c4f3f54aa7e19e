/* SPDX-License-Identifier: GPL-2.0-only */
/* A small thing several parts of the agent need. */
#ifndef XENPLM_AGENT_UTIL_H
#define XENPLM_AGENT_UTIL_H

#include <string.h>

/* What to put before an absolute path to look below root: "" for the
 * live system (NULL or "/"), root itself otherwise. */
static inline const char *agent_root_prefix(const char *root)
{
    return (root && strcmp(root, "/") != 0) ? root : "";
}

#endif
