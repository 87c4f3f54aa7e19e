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

/* Whether the arguments are one of the command's forms. */
static bool form(size_t argc, const char *const *argv)
{
    const char *w = argv[0];
    if (strcmp(w, "status") == 0 || strcmp(w, "plan") == 0)
        return argc == 1;
    if (strcmp(w, "drain") == 0)
        return argc == 2 ||
               (argc == 3 && (strcmp(argv[2], "--off") == 0 || strcmp(argv[2], "off") == 0));
    if (strcmp(w, "migrate") == 0)
        return argc == 3;
    return false;
}

/* A drain or a manual move: queued for the pool thread, said so. */
static int ask(struct dmn *d, size_t argc, const char *const *argv, bool json, FILE *out, char *err,
               size_t errlen)
{
    bool drain = strcmp(argv[0], "drain") == 0, off = argc == 3 && drain;
    int rc = drain ? dmn_pool_drain(d->pool, argv[1], off, err, errlen)
                   : dmn_pool_migrate(d->pool, argv[1], argv[2], err, errlen);

    if (rc)
        return rc;
    return render_pool_asked(out, drain ? (off ? "drain-off" : "drain") : "migrate", argv[1],
                             drain ? NULL : argv[2], json);
}

int dmn_pool_command(struct dmn *d, size_t argc, const char *const *argv, bool json, FILE *out,
                     char *err, size_t errlen)
{
    const struct pol_pool_section *s = &d->st.policy.pool;
    struct dmn_pool_leader l;
    struct dmn_pool_view v;
    const char *what = argv[0];
    int rc;

    if (argc < 1 || !form(argc, argv)) {
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
    if (strcmp(what, "drain") == 0 || strcmp(what, "migrate") == 0)
        return ask(d, argc, argv, json, out, err, errlen);
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
