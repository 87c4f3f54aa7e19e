/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agent_store on libxenstore, from inside a domU.
 *
 * xs_open reaches xenstored through /dev/xen/xenbus in a guest; relative
 * paths are resolved by xenstored against the connection's own domain,
 * which is how the agent learns its domid without any help from dom0.
 * Built without libxenstore, opening fails with a reason, so the agent
 * still runs with --dry-run anywhere.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xs_util.h"
#include "core/error.h"
#include "guest-agent/store.h"

#ifdef XENPLM_AGENT_XENSTORE
#include <xenstore.h>

struct xs_store {
    struct agent_store base;
    struct xs_handle *xs;
};

static int xs_store_read(struct agent_store *s, const char *path, char *buf, size_t cap,
                         size_t *len_out)
{
    struct xs_store *x = s->priv;
    unsigned int len = 0;
    char *val = xs_read(x->xs, XBT_NULL, path, &len);

    if (!val)
        return xu_from_errno(errno);
    *len_out = len;
    if (len > cap) {
        free(val);
        return PLM_ERANGE;
    }
    memcpy(buf, val, len);
    free(val);
    return 0;
}

static int xs_store_write(struct agent_store *s, const char *path, const char *value, size_t len)
{
    struct xs_store *x = s->priv;

    if (len > 4096)
        return PLM_ERANGE;
    if (!xs_write(x->xs, XBT_NULL, path, value, (unsigned int)len))
        return xu_from_errno(errno);
    return 0;
}

static void xs_store_close(struct agent_store *s)
{
    struct xs_store *x = s->priv;

    xs_close(x->xs);
    free(x);
}

static const struct agent_store_ops xs_store_ops = {
    .read = xs_store_read,
    .write = xs_store_write,
    .close = xs_store_close,
};

int agent_store_xen_open(struct agent_store **out, char *err, size_t errlen)
{
    struct xs_store *x = calloc(1, sizeof(*x));
    char buf[16];
    size_t len = 0;
    uint64_t id = 0;
    int rc;

    if (!x) {
        snprintf(err, errlen, "out of memory");
        return PLM_ENOMEM;
    }
    x->xs = xs_open(0);
    if (!x->xs) {
        int e = errno;
        free(x);
        snprintf(err, errlen, "cannot open xenstore (%s): not running in a Xen guest?",
                 strerror(e));
        return PLM_EIO;
    }
    x->base.ops = &xs_store_ops;
    x->base.priv = x;
    rc = xs_store_read(&x->base, "domid", buf, sizeof(buf), &len);
    if (rc == 0)
        rc = xu_parse_u64(buf, len, &id);
    if (rc != 0 || id == 0 || id >= 0x7ff0) {
        /* dom0 has no domid key of its own to read, and a guest always has. */
        snprintf(err, errlen, "cannot read this domain's id from xenstore key 'domid'%s",
                 rc == PLM_ENOENT ? ": no such key (is this dom0?)" : "");
        xs_close(x->xs);
        free(x);
        return rc ? rc : PLM_EINVAL;
    }
    x->base.domid = (uint32_t)id;
    *out = &x->base;
    return 0;
}

#else

int agent_store_xen_open(struct agent_store **out, char *err, size_t errlen)
{
    (void)out;
    snprintf(err, errlen, "built without libxenstore: only --dry-run is possible");
    return PLM_EIO;
}

#endif
