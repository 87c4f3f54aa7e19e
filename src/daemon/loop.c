/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event loop.  It sleeps in the port's wait() until a xenstore watch
 * fires, the control socket has a client, or a tick is due.  Watches
 * drive everything that a guest or the host changes; the tick drives only
 * what is time-based (memory moves, rate-limited reads, override expiry,
 * agentless sampling, trigger persistence) and is not scheduled at all
 * when nothing time-based is pending.  No domain's keys are polled.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/render.h"
#include "port/port_sim.h"

static volatile sig_atomic_t stop_requested, reload_requested;

void dmn_request_stop(void)
{
    stop_requested = 1;
}

void dmn_request_reload(void)
{
    reload_requested = 1;
}

/* When nothing is pending, still wake now and then to notice a lost watch. */
#define IDLE_WAKE_MS 60000

static uint64_t now_ms(struct dmn *d)
{
    return port_now_ms(d->port);
}

int dmn_reload(struct dmn *d, char *err, size_t errlen)
{
    char msg[POL_ERR_MAX];
    int rc =
        pol_reload_file(d->st.policy_path, d->opt.schema_path, &d->st.policy, msg, sizeof(msg));
    if (rc) {
        log_errx("reload refused, keeping the last good policy: %s", msg);
        snprintf(err, errlen, "%s (the last good policy stays in force)", msg);
        return rc;
    }
    log_info("%s; policy reloaded", msg);
    dmn_rematch(d);
    /* A new way of enforcing (weight, cap, both; vcpu hotplug) applies to
     * what is granted now, not only from the next change of grant.  The
     * scheduler parameters are sent again whatever the daemon remembers:
     * something else may have reset them (xl cpupool-migrate gives a
     * domain Xen's defaults), and a reload is how an operator re-syncs. */
    for (size_t i = 0; i < d->st.ndom; i++) {
        d->st.dom[i].weight = d->st.dom[i].cap = -1;
        dmn_enforce_cpu(d, &d->st.dom[i]);
    }
    return 0;
}

int dmn_set_override(struct dmn *d, struct dmn_domain *dom, const struct ctl_set *set)
{
    memset(&dom->override, 0, sizeof(dom->override));
    if (!set->clear) {
        dom->override.active[POL_CPU] = set->has_cpu;
        dom->override.amount[POL_CPU] = set->cpu;
        dom->override.active[POL_MEMORY] = set->has_mem;
        dom->override.amount[POL_MEMORY] = set->mem;
        dom->override.until_ms = set->for_ms ? now_ms(d) + set->for_ms : 0;
    }
    log_info("Domain %u: manual override %s", dom->info.domid, set->clear ? "cleared" : "set");
    dmn_rebuild(d, dom);
    d->dirty = d->force = true;
    return 0;
}

void dmn_set_paused(struct dmn *d, bool pause)
{
    if (d->st.paused != pause)
        log_info("enforcement %s by the control socket", pause ? "paused" : "resumed");
    d->st.paused = pause;
    if (!pause) {
        /* Bring the host back in line with the allocations in force. */
        for (size_t i = 0; i < d->st.ndom; i++)
            dmn_enforce_cpu(d, &d->st.dom[i]);
        d->next_tick_ms = now_ms(d);
    }
}

static void handle_event(struct dmn *d, const struct port_event *ev)
{
    unsigned id;
    char tail;

    d->st.stats.events++;
    if (strcmp(ev->token, "domains") == 0) {
        d->rescan = true;
        return;
    }
    if (sscanf(ev->token, "req:%u%c", &id, &tail) == 1) {
        struct dmn_domain *dom = dmn_find(&d->st, id);
        if (dom)
            dmn_request_changed(d, dom);
        return;
    }
    log_debug("ignoring watch %s (token %s)", ev->path, ev->token);
}

/* Anything time-based waiting for the next tick? */
static bool tick_needed(const struct dmn *d, bool mem_moving)
{
    if (mem_moving)
        return true;
    for (size_t i = 0; i < d->st.ndom; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        if (dom->pending_read || dom->override.until_ms || dom->rule->agentless)
            return true;
        for (int r = 0; r < DMN_NRES; r++)
            for (size_t k = 0; k < PLM_TRIGGER_MAX_RULES; k++)
                if (dom->trig[r].streak[k])
                    return true;
    }
    return false;
}

static int open_port(struct dmn *d)
{
    char err[256] = "";
    int rc;

    if (d->opt.sim_scenario) {
        struct port_sim_options so = {.scenario = d->opt.sim_scenario, .speed = d->opt.sim_speed};
        rc = port_sim_open(&so, &d->port, err, sizeof(err));
    } else {
#ifdef XENPLM_PORT_XEN
        rc = port_xen_open(&d->port, err, sizeof(err));
#else
        snprintf(err, sizeof(err),
                 "this xenplmd has no real-Xen host port (built without "
                 "libxen-dev, or before port_xen exists); only the simulated "
                 "host (--sim SCENARIO) is available");
        rc = PLM_EINVAL;
#endif
    }
    if (rc)
        log_errx("%s", err);
    return rc;
}

/*
 * One turn of the loop: wait, then handle whatever woke us.  Returns 1
 * when the daemon should stop (a signal, or the simulated scenario's end),
 * else 0.
 */
int dmn_step(struct dmn *d)
{
    uint64_t now;

    if (stop_requested)
        return 1;
    if (reload_requested) {
        char err[POL_ERR_MAX];
        reload_requested = 0;
        dmn_reload(d, err, sizeof(err));
    }
    now = now_ms(d);
    uint64_t deadline = tick_needed(d, d->mem_moving) ? d->next_tick_ms : now + IDLE_WAKE_MS;
    if (d->dirty || d->rescan)
        deadline = now;
    struct port_waitfd wf[CTL_MAX_CONN + 1];
    size_t nwf = dmn_control_fds(d, wf, CTL_MAX_CONN + 1, now, &deadline);
    int rc = port_wait(d->port, wf, nwf, deadline);
    if (rc == PLM_EIO) {
        log_warnx("xenstore connection lost; reconnecting");
        if (port_reconnect(d->port) == 0) {
            /* Watches were lost with the connection: re-read everything.
             * Grants whose write failed meanwhile are written again (the
             * last written one is kept, so only those differ). */
            d->rescan = true;
            for (size_t i = 0; i < d->st.ndom; i++) {
                d->st.dom[i].pending_read = true;
                if (dmn_managed(&d->st.dom[i]))
                    dmn_write_grant(d, &d->st.dom[i]);
            }
        }
    }
    /* Any simulated host, the daemon's own or a test's (false for Xen). */
    if (port_sim_finished(d->port))
        return 1;
    dmn_control_serve(d, wf, nwf);
    struct port_event ev;
    while (port_next_event(d->port, &ev) == 0)
        handle_event(d, &ev);
    /* Watches are the way domains are found; a slow periodic scan is the
     * safety net for a watch lost or refused. */
    if (now_ms(d) - d->last_scan_ms >= IDLE_WAKE_MS)
        d->rescan = true;
    if (d->rescan) {
        d->rescan = false;
        d->last_scan_ms = now_ms(d);
        dmn_scan(d);
    }
    now = now_ms(d);
    if (now >= d->next_tick_ms) {
        dmn_requests_tick(d, now);
        d->mem_moving = dmn_enforce_mem(d, now, now - d->last_tick_ms);
        d->last_tick_ms = now;
        d->next_tick_ms = now + d->st.policy.host.tick_ms;
        if (tick_needed(d, false))
            d->dirty = true;
    }
    if (d->dirty) {
        dmn_allocate(d, now);
        if (d->mem_changed) {
            /* New memory grants start moving at once. */
            d->mem_changed = false;
            d->mem_moving = true;
            d->next_tick_ms = now;
        }
    }
    dmn_flush_reports(d);
    if (d->opt.print_table && d->table_serial != d->printed_serial) {
        d->printed_serial = d->table_serial;
        render_table(stdout, &d->st, now);
        fflush(stdout);
    }
    return 0;
}

/* A watch already there (a restart on a connection that survived) is fine. */
static bool watch_ok(struct dmn *d, const char *path, const char *token)
{
    int rc = port_xs_watch(d->port, path, token);
    return rc == 0 || rc == PLM_EEXIST;
}

int dmn_init(struct dmn *d, const struct dmn_options *opt, struct port *port)
{
    char err[POL_ERR_MAX];

    memset(d, 0, sizeof(*d));
    d->opt = *opt;
    snprintf(d->st.policy_path, sizeof(d->st.policy_path), "%s", opt->policy_path);
    if (pol_load_file(opt->policy_path, opt->schema_path, &d->st.policy, err, sizeof(err)) != 0) {
        log_errx("%s", err);
        return PLM_EINVAL;
    }
    if (port) {
        d->port = port;
        d->port_shared = true;
    } else if (open_port(d) != 0) {
        goto fail;
    }
    if (plm_work_init(&d->work, 64) != 0)
        goto fail;
    if (opt->socket_path) {
        char cerr[CTL_ERR_MAX];
        if (ctl_server_open(&d->srv, opt->socket_path, dmn_control, d, cerr, sizeof(cerr)) != 0) {
            log_errx("%s", cerr);
            goto fail;
        }
        d->srv.done = dmn_control_done;
        d->have_srv = true;
    }
    d->st.started_ms = d->last_tick_ms = d->next_tick_ms = now_ms(d);
    if (!watch_ok(d, "@introduceDomain", "domains") || !watch_ok(d, "@releaseDomain", "domains"))
        log_warnx("cannot watch for domains coming and going; relying on the periodic scan");
    log_info("started on the %s host with policy %s", port_name(d->port), opt->policy_path);
    d->last_scan_ms = now_ms(d);
    dmn_scan(d);
    d->dirty = d->force = true;
    return 0;
fail:
    dmn_fini(d);
    return PLM_EINVAL;
}

void dmn_fini(struct dmn *d)
{
    if (d->opt.print_table && d->port) {
        render_table(stdout, &d->st, now_ms(d));
        fflush(stdout);
    }
    if (d->have_srv)
        ctl_server_close(&d->srv);
    d->have_srv = false;
    dmn_forget_all(d);
    free(d->out);
    d->out = NULL;
    plm_work_dispose(&d->work);
    if (d->port && !d->port_shared)
        port_destroy(d->port);
    d->port = NULL;
    pol_policy_dispose(&d->st.policy);
}

int dmn_run(const struct dmn_options *opt)
{
    struct dmn d;
    char err[POL_ERR_MAX];

    if (opt->check_only) {
        struct pol_policy pol;
        memset(&pol, 0, sizeof(pol));
        if (pol_load_file(opt->policy_path, opt->schema_path, &pol, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        printf("%s\n", err);
        pol_describe(&pol, stdout);
        pol_policy_dispose(&pol);
        return 0;
    }
    if (dmn_init(&d, opt, NULL) != 0)
        return 1;
    while (dmn_step(&d) == 0)
        ;
    log_info("stopping");
    dmn_fini(&d);
    return 0;
}
