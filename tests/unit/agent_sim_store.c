/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's store on the simulated host: see agent_sim_store.h. */
#include "config.h"

#include "agent_sim_store.h"
#include "sim/port_sim.h"

static int sim_read(struct agent_store *s, const char *path, char *buf, size_t cap, size_t *len_out)
{
    struct agent_sim_store *ss = s->priv;

    ss->reads++;
    return port_sim_guest_read(ss->p, s->domid, path, buf, cap, len_out);
}

static int sim_write(struct agent_store *s, const char *path, const char *value, size_t len)
{
    struct agent_sim_store *ss = s->priv;

    ss->writes++;
    return port_sim_guest_write(ss->p, s->domid, path, value, len);
}

static void sim_close(struct agent_store *s)
{
    (void)s;
}

static const struct agent_store_ops sim_ops = {
    .read = sim_read,
    .write = sim_write,
    .close = sim_close,
};

void agent_sim_store_init(struct agent_sim_store *s, struct port *p, uint32_t domid)
{
    s->base.ops = &sim_ops;
    s->base.priv = s;
    s->base.domid = domid;
    s->p = p;
    s->reads = s->writes = 0;
}
