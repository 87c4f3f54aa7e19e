/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's view of xenstore: read and write under its own
 * /local/domain/<domid>/, nothing else.
 *
 * Two implementations: store_xen.c (libxenstore over /dev/xen/xenbus, the
 * product) and, in the tests, one acting as a guest of the simulated host
 * (port_sim_guest_read/write), so the agent and xenplmd can run together
 * on the simulated host.  Paths passed here are relative to the domain's
 * home, e.g. "data/xenplm/request" or "memory/static-max".
 *
 * Functions return 0 or a negative PLM_E* code (core/error.h): PLM_ENOENT
 * for a missing node, PLM_ERANGE for a value longer than cap, PLM_EIO for
 * a refused or broken connection.
 */
#ifndef XENPLM_AGENT_STORE_H
#define XENPLM_AGENT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct agent_store;

struct agent_store_ops {
    /* At most cap bytes of the value, not NUL-terminated; *len_out its length. */
    int (*read)(struct agent_store *s, const char *path, char *buf, size_t cap, size_t *len_out);
    /* One atomic write of len bytes. */
    int (*write)(struct agent_store *s, const char *path, const char *value, size_t len);
    void (*close)(struct agent_store *s);
};

struct agent_store {
    const struct agent_store_ops *ops;
    void *priv;
    uint32_t domid;
};

/*
 * Open xenstore from inside a guest and learn the domain's id from its
 * "domid" key.  0, or a negative code and a one-line reason in err (no
 * xenbus: not running on Xen, or the agent was built without libxenstore).
 */
int agent_store_xen_open(struct agent_store **out, char *err, size_t errlen);

static inline int agent_store_read(struct agent_store *s, const char *path, char *buf, size_t cap,
                                   size_t *len_out)
{
    return s->ops->read(s, path, buf, cap, len_out);
}
static inline int agent_store_write(struct agent_store *s, const char *path, const char *value,
                                    size_t len)
{
    return s->ops->write(s, path, value, len);
}
static inline void agent_store_close(struct agent_store *s)
{
    if (s)
        s->ops->close(s);
}

#endif
