/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An agent_store that acts as guest domid of the simulated host, with the
 * permissions xenstored gives an unprivileged domain: the agent's very
 * code path, against the very daemon, in one process.
 */
#ifndef XENPLM_TESTS_AGENT_SIM_STORE_H
#define XENPLM_TESTS_AGENT_SIM_STORE_H

#include <stdint.h>

#include "guest-agent/store.h"
#include "port/port.h"

struct agent_sim_store {
    struct agent_store base;
    struct port *p;
    uint64_t reads, writes; /* calls made */
};

/* Ready to use as &s->base; nothing to free. */
void agent_sim_store_init(struct agent_sim_store *s, struct port *p, uint32_t domid);

#endif
