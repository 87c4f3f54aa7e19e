/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control commands: what xenplmd answers on its control socket.  The
 * server (control.c) hands over a parsed request; the table below finds
 * its handler, and the command's number of arguments and usage come from
 * the protocol (ctl_commands), which the CLI prints as well.  Handlers
 * read the daemon's state through the renderers and change it only
 * through dmn_reload, dmn_set_override and dmn_set_paused.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "daemon/render.h"

typedef int dmn_command_fn(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                           size_t errlen);

static const struct dmn_domain *lookup(struct dmn *d, const char *name, char *err, size_t errlen)
{
    const struct dmn_domain *dom = dmn_lookup(&d->st, name);

    if (!dom)
        snprintf(err, errlen, "no domain '%s'", name);
    return dom;
}

static int cmd_list(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                    size_t errlen)
{
    (void)err;
    (void)errlen;
    return render_list(out, &d->st, req->json);
}

static int cmd_show(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                    size_t errlen)
{
    const struct dmn_domain *dom = lookup(d, req->argv[0], err, errlen);

    if (!dom)
        return PLM_ENOENT;
    return render_show(out, &d->st, dom, port_now_ms(d->port), req->json);
}

static int cmd_status(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                      size_t errlen)
{
    (void)err;
    (void)errlen;
#ifdef HAVE_POOL
    dmn_pool_summarize(d); /* the pool thread's figures now, not as of the last turn */
#endif
    return render_status(out, &d->st, port_now_ms(d->port), req->json);
}

static int cmd_reload(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                      size_t errlen)
{
    int rc = dmn_reload(d, err, errlen);

    (void)req;
    if (rc == 0)
        fprintf(out, "%s: policy reloaded\n", d->st.policy_path);
    return rc;
}

static int cmd_pause(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                     size_t errlen)
{
    (void)req;
    (void)err;
    (void)errlen;
    dmn_set_paused(d, true);
    fprintf(out, "enforcement paused (still watching)\n");
    return 0;
}

static int cmd_resume(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                      size_t errlen)
{
    (void)req;
    (void)err;
    (void)errlen;
    dmn_set_paused(d, false);
    fprintf(out, "enforcement resumed\n");
    return 0;
}

static int cmd_set(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                   size_t errlen)
{
    const struct dmn_domain *found;
    struct dmn_domain *dom;
    struct ctl_set set;
    int rc = ctl_set_parse(req->argc, req->argv, &set, err, errlen);

    if (rc)
        return rc;
    found = lookup(d, set.domain, err, errlen);
    if (!found)
        return PLM_ENOENT;
    dom = dmn_find(&d->st, found->info.domid);
    rc = dmn_set_override(d, dom, &set);
    return rc ? rc : render_override(out, dom);
}

static int cmd_pool(struct dmn *d, const struct ctl_request *req, FILE *out, char *err,
                    size_t errlen)
{
#ifdef HAVE_POOL
    return dmn_pool_command(d, req->argc, req->argv, req->json, out, err, errlen);
#else
    (void)d;
    (void)req;
    (void)out;
    snprintf(err, errlen, "this xenplmd is built without pool support");
    return PLM_ENOENT;
#endif
}

/* Every command of ctl_commands, and nothing else. */
static const struct {
    const char *name;
    dmn_command_fn *fn;
} commands[] = {
    {"list", cmd_list},   {"show", cmd_show},     {"status", cmd_status}, {"reload", cmd_reload},
    {"pause", cmd_pause}, {"resume", cmd_resume}, {"set", cmd_set},       {"pool", cmd_pool},
};

int dmn_control(void *arg, const struct ctl_request *req, FILE *out, char *err, size_t errlen)
{
    const struct ctl_command_spec *spec = ctl_command_find(req->command);
    int rc;

    for (size_t i = 0; spec && i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, spec->name) != 0)
            continue;
        rc = ctl_request_check(req, spec, err, errlen);
        return rc ? rc : commands[i].fn(arg, req, out, err, errlen);
    }
    snprintf(err, errlen, "unknown command '%s'", req->command);
    return PLM_EINVAL;
}

void dmn_control_done(void *arg, const struct ctl_conn_info *info)
{
    (void)arg;
    /* A command refused (an unknown domain, a bad argument) is the
     * client's mistake, told to the client: news here, not a warning. */
    if (!info->ok)
        log_info("control: uid %ld pid %ld: refused: %s%s%s", (long)info->uid, (long)info->pid,
                 info->command[0] ? info->command : "", info->command[0] ? ": " : "", info->error);
    else if (info->write_failed)
        log_warnx("control: uid %ld pid %ld: %s: the client did not take the reply",
                  (long)info->uid, (long)info->pid, info->command);
    else
        log_debug("control: uid %ld pid %ld: %s", (long)info->uid, (long)info->pid, info->command);
}

size_t dmn_control_fds(struct dmn *d, struct port_waitfd *wf, size_t cap, uint64_t now,
                       uint64_t *deadline)
{
    int fds[CTL_MAX_CONN + 1];
    size_t n;
    uint64_t at, real;

    if (!d->have_srv)
        return 0;
    n = ctl_server_fds(&d->srv, fds, cap < CTL_MAX_CONN + 1 ? cap : CTL_MAX_CONN + 1);
    for (size_t i = 0; i < n; i++)
        wf[i] = (struct port_waitfd){.fd = fds[i]};
    /* The server's deadlines are on the real clock, the port's may be a
     * simulated one: wake after as many milliseconds as are left. */
    at = ctl_server_deadline(&d->srv);
    if (at != UINT64_MAX) {
        real = ctl_now_ms();
        at = at > real ? at - real : 0;
        if (now + at < *deadline)
            *deadline = now + at;
    }
    return n;
}

void dmn_control_serve(struct dmn *d, const struct port_waitfd *wf, size_t n)
{
    bool due = false;

    if (!d->have_srv)
        return;
    for (size_t i = 0; i < n && !due; i++)
        due = wf[i].ready;
    if (!due && ctl_server_deadline(&d->srv) > ctl_now_ms())
        return;
    if (ctl_server_run(&d->srv) < 0)
        log_warn("control socket: accept");
}
