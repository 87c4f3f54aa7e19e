/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket's `pool` command (xenplm pool status | plan): what
 * this host's pool thread last read, never a call to etcd from the loop.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "daemon/pool.h"
#include "daemon/render_pool.h"
#include "protocol/ctl_wire.h"

int dmn_pool_command(struct dmn *d, const char *what, bool json, FILE *out, char *err,
                     size_t errlen)
{
    const struct pol_pool_section *s = &d->st.policy.pool;
    struct dmn_pool_leader l;
    struct dmn_pool_view v;
    int rc;

    if (strcmp(what, "status") != 0 && strcmp(what, "plan") != 0) {
        char usage[CTL_ERR_MAX];
        ctl_command_usage(ctl_command_find("pool"), "", "", " | ", usage, sizeof(usage));
        snprintf(err, errlen, "usage: %s", usage);
        return PLM_EINVAL;
    }
    if (!d->pool) {
        snprintf(err, errlen, "this host is not in a pool (the policy has no pool section%s)",
                 s->mode == POL_POOL_OFF && s->line ? " whose mode is not off" : "");
        return PLM_ENOENT;
    }
    struct render_pool_who who = {s->name, s->host, pol_pool_mode_name(s->mode)};
    if ((rc = dmn_pool_view(d->pool, &v)))
        return rc;
    if (strcmp(what, "plan") == 0) {
        rc = render_pool_plan(out, &who, &v, json);
    } else {
        dmn_pool_leader(d->pool, &l);
        uint64_t now = dmn_pool_mono_now();
        rc = render_pool_status(out, &who, &l, &v, now > v.read_ms ? now - v.read_ms : 0, json);
    }
    dmn_pool_view_free(&v);
    return rc;
}
