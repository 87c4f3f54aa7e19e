/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's last period as Prometheus metrics, for a node_exporter
 * running in the guest (its textfile collector): per goal, whether it is
 * met, its state and what it needs; the request last published, level by
 * level; the grant and the daemon's verdict last read.  Every family is
 * listed in xenplm-agent(8), PROMETHEUS METRICS.
 *
 * Pure: a function of the agent's record, writing to the given stream
 * only.  Goal names are the goals file's (validated there); they are
 * escaped as every label value is (common/prom.h).
 */
#ifndef XENPLM_AGENT_RENDER_PROM_H
#define XENPLM_AGENT_RENDER_PROM_H

#include <stdio.h>

#include "guest-agent/agent.h"

/* The file node_exporter reads, in the metrics directory. */
#define AGENT_METRICS_FILE "xenplm-agent.prom"

/* 0, or PLM_EIO when the stream reports an error. */
int agent_render_prom(FILE *f, const struct agent *a);

#endif
