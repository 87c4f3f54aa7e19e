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

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/pool.h"
#include "common/log.h"
#include "daemon/render.h"

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
/* While a domain is in transit (dmn_in_transit), the listing is made this
 * often, to adopt it once xl has renamed it. */
#define TRANSIT_SCAN_MS 1000

static uint64_t now_ms(struct dmn *d)
{
    return port_now_ms(d->port);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Does the pool section ask for the same publisher as before? */
static bool pool_same(const struct pol_pool_section *a, const struct pol_pool_section *b)
{
    if ((a->mode == POL_POOL_OFF) != (b->mode == POL_POOL_OFF) || a->nendpoints != b->nendpoints ||
        !same_str(a->name, b->name) || !same_str(a->host, b->host) ||
        !same_str(a->address, b->address) || !same_str(a->ca, b->ca) ||
        !same_str(a->cert, b->cert) || !same_str(a->key, b->key) ||
        a->lease_ttl_ms != b->lease_ttl_ms || a->publish_interval_ms != b->publish_interval_ms ||
        a->plan_interval_ms != b->plan_interval_ms || a->plan_hold_ms != b->plan_hold_ms)
        return false;
    for (size_t i = 0; i < a->nendpoints; i++)
        if (!same_str(a->endpoint[i], b->endpoint[i]))
            return false;
    return true;
}

/*
 * The policy's pool section (issue 14): the pool thread (publishing, the
 * election, the leader's plan and orders) runs while its mode is not off;
 * a changed section restarts it.
 */
static void pool_follow(struct dmn *d, const struct pol_pool_section *before)
{
    const struct pol_policy *p = &d->st.policy;

    if (before && pool_same(before, &p->pool))
        return;
#ifdef HAVE_POOL
    if (d->pool) {
        /* Its counters go on in the next thread (they include those
         * before it). */
        dmn_pool_stop(d->pool, &d->pool_before);
        d->pool = NULL;
        d->pool_offered = false;
    }
    /* A migration under way stays the new thread's to report. */
    if (p->pool.mode != POL_POOL_OFF &&
        dmn_pool_start(&d->pool, &p->pool, d->st.mig.running ? &d->st.mig.order : NULL) != 0)
        log_warnx("%s:%u: pool '%s' not joined; this host arbitrates alone", p->source,
                  p->pool.line, p->pool.name);
    else if (d->pool)
        dmn_pool_carry(d->pool, &d->pool_before);
#else
    if (p->pool.mode != POL_POOL_OFF)
        log_warnx("%s:%u: pool '%s' (mode %s): this xenplmd is built without pool support; "
                  "this host arbitrates alone",
                  p->source, p->pool.line, p->pool.name, pol_pool_mode_name(p->pool.mode));
#endif
}

int dmn_reload(struct dmn *d, char *err, size_t errlen)
{
    char msg[POL_ERR_MAX];
    struct pol_policy fresh;
    int rc = pol_load_file(d->st.policy_path, d->opt.schema_path, &fresh, msg, sizeof(msg));
    if (rc) {
        log_errx("reload refused, keeping the last good policy: %s", msg);
        snprintf(err, errlen, "%s (the last good policy stays in force)", msg);
        return rc;
    }
    log_info("%s; policy reloaded", msg);
    /* The old policy is kept until its pool section is compared. */
    struct pol_policy old = d->st.policy;
    d->st.policy = fresh;
    dmn_rematch(d);
    pool_follow(d, &old.pool);
    pol_policy_dispose(&old);
    /* A new way of enforcing (weight, cap, both; vcpu hotplug) applies to
     * what is granted now, not only from the next change of grant.  The
     * scheduler parameters are sent again whatever the daemon remembers:
     * something else may have reset them (xl cpupool-migrate gives a
     * domain Xen's defaults), and a reload is how an operator re-syncs. */
    for (size_t i = 0; i < d->st.ndom; i++)
        eng_forget_cpu(&d->st.dom[i].eng);
    d->ev.resync_cpu = true;
    return 0;
}

void dmn_set_paused(struct dmn *d, bool pause)
{
    if (d->st.paused != pause)
        log_info("enforcement %s by the control socket", pause ? "paused" : "resumed");
    d->st.paused = pause;
    if (!pause) {
        /* Bring the host back in line with the allocations in force. */
        d->ev.resync_cpu = true;
        d->ev.tick_now = true;
    }
}

static void handle_event(struct dmn *d, const struct port_event *ev)
{
    unsigned id;
    char tail;

    d->st.stats.events++;
    if (strcmp(ev->token, "domains") == 0) {
        /* A domain came or went, or its memory was released (a dying
         * one, or one the daemon let go of when it shut down or crashed):
         * the pool is what is free now. */
        d->ev.rescan = true;
        d->ev.arbitrate = true;
        return;
    }
    if (sscanf(ev->token, "req:%u%c", &id, &tail) == 1) {
        struct dmn_domain *dom = dmn_find(&d->st, id);
        if (dom)
            dmn_request_changed(d, dom);
        return;
    }
    if (sscanf(ev->token, "bst:%u%c", &id, &tail) == 1) {
        struct dmn_domain *dom = dmn_find(&d->st, id);
        if (dom)
            dom->boost_due = true; /* read with its next request */
        return;
    }
    if (sscanf(ev->token, "bal:%u%c", &id, &tail) == 1) {
        struct dmn_domain *dom = dmn_find(&d->st, id);
        if (dom)
            dom->feature_due = true; /* read by the snapshot */
        return;
    }
    log_debug("ignoring watch %s (token %s)", ev->path, ev->token);
}

/* The real host.  Any other (the simulated one) is opened by its own
 * program and handed to dmn_init. */
static int open_port(struct dmn *d)
{
    char err[256] = "";
    int rc;

#ifdef XENPLM_PORT_XEN
    rc = port_xen_open(&d->port, err, sizeof(err));
#else
    (void)d;
    snprintf(err, sizeof(err),
             "built without libxen-dev: there is no host port to open "
             "(xenplmd-sim runs the daemon on a simulated host)");
    rc = PLM_EINVAL;
#endif
    if (rc)
        log_errx("%s", err);
    return rc;
}

/* The decision's note, logged as the daemon logs everything. */
static void log_note(const struct eng_note *nt)
{
    if (nt->domid >= 0 && nt->warning)
        log_warnx("Domain %lld: %s", (long long)nt->domid, nt->text);
    else if (nt->domid >= 0)
        log_info("Domain %lld: %s", (long long)nt->domid, nt->text);
    else if (nt->warning)
        log_warnx("%s", nt->text);
    else
        log_info("%s", nt->text);
}

/*
 * The allocation table on stdout.  When its reader has gone (EPIPE: the
 * daemon in the foreground piped into head, say) the daemon stops, as a
 * filter does; on any other error it logs once and prints no more tables.
 */
static void print_table(struct dmn *d, uint64_t now)
{
    errno = 0;
    if (render_table(stdout, &d->st, now) == 0 && fflush(stdout) == 0)
        return;
    d->opt.print_table = false;
    if (errno == EPIPE) {
        log_info("standard output is closed: stopping");
        stop_requested = 1;
    } else {
        log_warn("cannot print the allocation table; printing no more");
    }
    clearerr(stdout);
}

/* Snapshot, decide, apply, report. */
static void turn(struct dmn *d, uint64_t now)
{
    struct eng_input in;

    dmn_snapshot(d, now, &in);
    if (eng_reserve(&d->scratch, &d->plan, d->st.ndom) != 0) {
        log_errx("out of memory deciding for %zu domains", d->st.ndom);
        return;
    }
    /* The engine's records sit inside the domain table's. */
    struct eng_table tab = {
        .first = d->st.ndom ? &d->st.dom[0].eng : NULL,
        .stride = sizeof(struct dmn_domain),
        .n = d->st.ndom,
    };
    eng_decide(&in, &d->st.eng, tab, &d->scratch, &d->plan);
    for (size_t i = 0; i < d->st.ndom; i++)
        d->st.dom[i].changed = d->st.dom[i].answer_due = d->st.dom[i].boost_bad = false;
    memset(&d->ev, 0, sizeof(d->ev));
    d->st.stats.arbitrations = d->st.eng.arbitrations;
    d->st.stats.reallocations = d->st.eng.reallocations;
    for (size_t k = 0; k < d->plan.nnote; k++)
        log_note(&d->plan.note[k]);
    dmn_apply(d, &d->plan);
    dmn_answers_due(d, now);
    dmn_history_save_all(d, now, false);
    d->wake_at_ms = d->plan.wake_at_ms;
    if (!d->wake_at_ms && (d->st.eng.mem_moving || dmn_requests_pending(d)))
        d->wake_at_ms = d->st.eng.next_tick_ms;
    uint64_t retry = dmn_retry_at(d);
    if (retry && (!d->wake_at_ms || retry < d->wake_at_ms))
        d->wake_at_ms = retry;
    uint64_t feature = dmn_features_at(d);
    if (feature && (!d->wake_at_ms || feature < d->wake_at_ms))
        d->wake_at_ms = feature;
    uint64_t answer = dmn_answers_at(d);
    if (answer && (!d->wake_at_ms || answer < d->wake_at_ms))
        d->wake_at_ms = answer;
    uint64_t watch = dmn_setup_at(d);
    if (watch && (!d->wake_at_ms || watch < d->wake_at_ms))
        d->wake_at_ms = watch;
    uint64_t mig = dmn_mig_at(d);
    if (mig && (!d->wake_at_ms || mig < d->wake_at_ms))
        d->wake_at_ms = mig;
    if (d->plan.table_changed)
        d->st.stats.allocations++;
    eng_plan_trim(&d->plan);
    if (d->opt.print_table && d->st.stats.allocations != d->printed_serial) {
        d->printed_serial = d->st.stats.allocations;
        print_table(d, now);
    }
#ifdef HAVE_POOL
    dmn_pool_summarize(d);
#endif
    dmn_metrics_report(d, port_now_ms(d->port), false);
#ifdef HAVE_POOL
    dmn_pool_report(d);
#endif
}

/*
 * Orders (pool mode): the one the pool thread accepted, taken only when
 * no migration runs here (one at a time: a second waits in the thread's
 * slot), and the running one's progress.  The thread wakes the loop
 * through a pipe when it gives an order (dmn_pool_wake_fd); where that
 * pipe could not be made, the loop looks every ORDER_LOOK_MS.
 */
#define ORDER_LOOK_MS 1000

static void orders(struct dmn *d, uint64_t now)
{
#ifdef HAVE_POOL
    struct dmn_pool_order o;

    if (d->pool && !d->st.mig.running && dmn_pool_take_order(d->pool, &o))
        dmn_mig_order(d, &o, now);
#endif
    dmn_mig_poll(d, now);
}

/*
 * One turn of the loop: wait for an event or the decision's next due
 * time, gather what happened, then snapshot, decide, apply and report.
 * Returns 1 when the daemon should stop (a signal, or the host gone for
 * good: the port's wait() says PLM_ENOENT, as a simulated host does at the
 * end of its scenario), else 0.
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
    uint64_t deadline = d->wake_at_ms ? d->wake_at_ms : now + IDLE_WAKE_MS;
    uint64_t metrics = dmn_metrics_at(d);
    if (metrics && metrics < deadline)
        deadline = metrics > now ? metrics : now;
    /* A migration running (even one started outside the loop's turn) is
     * polled when due. */
    uint64_t mig = dmn_mig_at(d);
    if (mig && mig < deadline)
        deadline = mig > now ? mig : now;
#ifdef HAVE_POOL
    int order_fd = d->pool ? dmn_pool_wake_fd(d->pool) : -1;
    if (d->pool && order_fd < 0 && deadline > now + ORDER_LOOK_MS)
        deadline = now + ORDER_LOOK_MS;
#endif
    if (d->transit && d->last_scan_ms + TRANSIT_SCAN_MS < deadline)
        deadline =
            d->last_scan_ms + TRANSIT_SCAN_MS > now ? d->last_scan_ms + TRANSIT_SCAN_MS : now;
    if (d->ev.arbitrate || d->ev.force || d->ev.rescan || d->ev.resync_cpu || d->ev.tick_now)
        deadline = now;
    struct port_waitfd wf[CTL_MAX_CONN + 2];
    size_t nwf = dmn_control_fds(d, wf, CTL_MAX_CONN + 1, now, &deadline);
#ifdef HAVE_POOL
    /* Last, after the control socket's: dmn_control_serve takes the first nwf. */
    size_t nall = nwf;
    if (order_fd >= 0)
        wf[nall++] = (struct port_waitfd){.fd = order_fd};
    int rc = port_wait(d->port, wf, nall, deadline);
    if (nall > nwf && wf[nwf].ready)
        dmn_pool_wake_clear(d->pool);
#else
    int rc = port_wait(d->port, wf, nwf, deadline);
#endif
    if (rc == PLM_ENOENT)
        return 1;
    if (rc == PLM_EIO) {
        log_warnx("xenstore connection lost; reconnecting");
        if (port_reconnect(d->port) == 0) {
            /* Watches were lost with the connection: re-read everything.
             * Grants whose write failed meanwhile are written again (the
             * last written one is kept, so only those differ). */
            d->ev.rescan = true;
            for (size_t i = 0; i < d->st.ndom; i++) {
                d->st.dom[i].pending_read = true;
                d->st.dom[i].feature_due = true;
                d->st.dom[i].boost_due = true;
                /* What is owed is written at once on the new connection. */
                d->st.dom[i].retry[DMN_RETRY_GRANT].at_ms = 0;
                d->st.dom[i].retry[DMN_RETRY_STATUS].at_ms = 0;
                if (dmn_managed(&d->st.dom[i]))
                    dmn_write_grant(d, &d->st.dom[i]);
            }
        }
    }
    dmn_control_serve(d, wf, nwf);
    /* Before the events: a watch registered now fires at once, and its
     * event is taken in this turn. */
    dmn_setup_due(d, now_ms(d));
    struct port_event ev;
    while (port_next_event(d->port, &ev) == 0)
        handle_event(d, &ev);
    /* A migration that ended asks for a scan (its domain gone), below. */
    orders(d, now_ms(d));
    /* Watches are the way domains are found; a slow periodic scan is the
     * safety net for a watch lost or refused. */
    bool periodic = now_ms(d) - d->last_scan_ms >= IDLE_WAKE_MS;
    if (periodic || (d->transit && now_ms(d) - d->last_scan_ms >= TRANSIT_SCAN_MS))
        d->ev.rescan = true;
    if (d->ev.rescan) {
        d->ev.rescan = false;
        d->last_scan_ms = now_ms(d);
        dmn_scan(d);
    }
    if (periodic)
        dmn_requests_recheck(d);
    now = now_ms(d);
    dmn_requests_due(d, now);
    turn(d, now);
    return 0;
}

bool dmn_idle(const struct dmn *d)
{
    const struct dmn_events *ev = &d->ev;
    return !ev->rescan && !ev->arbitrate && !ev->force && !ev->resync_cpu && !ev->tick_now &&
           !d->st.eng.mem_moving && !d->st.eng.rearbitrate;
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
    if (opt->socket_path) {
        char cerr[CTL_ERR_MAX];
        if (ctl_server_open(&d->srv, opt->socket_path, dmn_control, d, cerr, sizeof(cerr)) != 0) {
            log_errx("%s", cerr);
            goto fail;
        }
        d->srv.done = dmn_control_done;
        d->have_srv = true;
    }
    d->st.started_ms = now_ms(d);
    eng_state_init(&d->st.eng, d->st.started_ms);
    if (!watch_ok(d, "@introduceDomain", "domains") || !watch_ok(d, "@releaseDomain", "domains"))
        log_warnx("cannot watch for domains coming and going; relying on the periodic scan");
    log_info("started on the %s host with policy %s", port_name(d->port), opt->policy_path);
    pool_follow(d, NULL);
    d->last_scan_ms = now_ms(d);
    dmn_scan(d);
    d->ev.force = DMN_FORCE_CHANGED;
    return 0;
fail:
    dmn_fini(d);
    return PLM_EINVAL;
}

void dmn_fini(struct dmn *d)
{
    if (d->opt.print_table && d->port)
        print_table(d, now_ms(d));
    if (d->port && d->metrics.path[0])
        dmn_metrics_report(d, now_ms(d), true);
    dmn_mig_stop(d);
#ifdef HAVE_POOL
    dmn_pool_stop(d->pool, NULL);
#endif
    d->pool = NULL;
    free(d->pool_doms);
    d->pool_doms = NULL;
    if (d->have_srv)
        ctl_server_close(&d->srv);
    d->have_srv = false;
    dmn_forget_all(d);
    eng_scratch_dispose(&d->scratch);
    eng_plan_dispose(&d->plan);
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
