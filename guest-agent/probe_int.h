/* SPDX-License-Identifier: GPL-2.0-only */
/* What probe.c needs from probe_cmd.c, and nobody else. */
#ifndef XENPLM_AGENT_PROBE_INT_H
#define XENPLM_AGENT_PROBE_INT_H

#include <stddef.h>

#include "guest-agent/probe.h"

/*
 * Run p's command in its box and collect at most cap bytes of its output
 * (cap bytes means it printed too much).  0 and *len, or PLM_EIO /
 * PLM_ERANGE with a reason.
 */
int agent_probe_command(const struct agent_probe *p, const struct agent_probe_ctl *ctl, char *buf,
                        size_t cap, size_t *len, char *err, size_t errlen);

#endif
