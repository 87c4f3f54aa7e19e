/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor of pool orders (issue 14): the loop hands it the order
 * the pool thread accepted (dmn_pool_take_order), it checks it against
 * this host, starts the port's live migration with the policy's
 * transport and timeout, polls it once a second (the loop wakes for it:
 * dmn_mig_at), and reports RUNNING with its progress, then DONE or FAILED
 * with why, back to the thread (dmn_pool_order_report), which writes it
 * to etcd.  One migration at a time per host.
 *
 * While a domain migrates its memory target is left alone: the snapshot
 * says so in the decision's input (eng_view.migrating), and the mover
 * passes it by.  Its departure (DONE) and a domain's arrival are what they
 * are for the rest of the daemon: @releaseDomain and @introduceDomain.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "core/error.h"
#include "daemon/daemon.h"
#include "daemon/pool.h"
#include "daemon/render.h"

/* How often a running migration is polled, ms of the port's clock. */
#define POLL_MS 1000

static void report(struct dmn *d, const char *key, enum dmn_order_phase phase, unsigned pct,
                   const char *why)
{
    struct dmn_migration *m = &d->st.mig;
    struct dmn_pool_order_report *r = &m->last;

    memset(r, 0, sizeof(*r));
    snprintf(r->key, sizeof(r->key), "%s", key);
    r->phase = phase;
    r->pct = pct > 100 ? 100 : pct;
    snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
    m->reported = true;
#ifdef HAVE_POOL
    if (d->pool)
        dmn_pool_order_report(d->pool, r);
#endif
}

/* Refuse an order before anything started: FAILED, with why, logged. */
static void refuse(struct dmn *d, const struct dmn_pool_order *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(struct dmn *d, const struct dmn_pool_order *o, const char *fmt, ...)
{
    char why[DMN_ORDER_WHY_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_warnx("order %s (domain %s to %s) refused: %s", o->key, o->uuid, o->dest, why);
    report(d, o->key, DMN_ORDER_FAILED, 0, why);
    d->st.mig.failed++;
}

static struct dmn_domain *by_uuid(struct dmn *d, const char *uuid)
{
    for (size_t i = 0; i < d->st.ndom; i++)
        if (d->st.dom[i].present && strcasecmp(d->st.dom[i].info.uuid, uuid) == 0)
            return &d->st.dom[i];
    return NULL;
}

void dmn_mig_order(struct dmn *d, const struct dmn_pool_order *o, uint64_t now)
{
    struct dmn_migration *m = &d->st.mig;
    const struct pol_pool_section *pool = &d->st.policy.pool;
    struct dmn_domain *dom;
    uint32_t handle = 0;
    int rc;

    if (m->running) {
        refuse(d, o, "domain %u is migrating to %s (one at a time)", (unsigned)m->domid,
               m->order.dest);
        return;
    }
    if (!(dom = by_uuid(d, o->uuid))) {
        refuse(d, o, "no domain with uuid %s runs here", o->uuid);
        return;
    }
    if (dom->info.dying) {
        refuse(d, o, "domain %s is shutting down", dom->info.name);
        return;
    }
    if (dom->info.domid == 0) {
        refuse(d, o, "domain 0 does not migrate");
        return;
    }
    if (!o->dest[0] || (pool->host && strcmp(o->dest, pool->host) == 0)) {
        refuse(d, o, "the destination '%s' is this host", o->dest);
        return;
    }
    if (!d->port->mig) {
        refuse(d, o, "the %s host cannot migrate", port_name(d->port));
        return;
    }
    /* The destination's name is where the transport goes unless the
     * order says otherwise. */
    const char *addr = o->dest_addr[0] ? o->dest_addr : o->dest;
    rc = port_mig_start(d->port, dom->info.domid, o->dest, addr, pool->mig_transport, &handle);
    if (rc != 0) {
        refuse(d, o, "the migration could not start: %s", plm_strerror(rc));
        return;
    }
    memset(m, 0, offsetof(struct dmn_migration, started));
    m->running = true;
    m->order = *o;
    m->domid = dom->info.domid;
    m->handle = handle;
    m->started_ms = now;
    m->deadline_ms = now + (o->timeout_ms ? o->timeout_ms : pool->mig_timeout_ms);
    m->next_poll_ms = now + POLL_MS;
    m->pct = 0;
    m->started++;
    char limit[RENDER_DURATION_MAX];
    render_duration(m->deadline_ms - now, limit);
    log_info("Domain %u: migrating to %s (%s) for order %s, at most %s", (unsigned)m->domid,
             o->dest, addr, o->key, limit);
    report(d, o->key, DMN_ORDER_RUNNING, 0, NULL);
}

/* The migration's end, as the port said it. */
static void ended(struct dmn *d, const struct port_mig_status *st, uint64_t now)
{
    struct dmn_migration *m = &d->st.mig;
    char took[RENDER_DURATION_MAX];

    render_duration(now - m->started_ms, took);
    m->running = false;
    if (st->phase == PORT_MIG_DONE) {
        m->done++;
        log_info("Domain %u: migrated to %s in %s (order %s)", (unsigned)m->domid, m->order.dest,
                 took, m->order.key);
        report(d, m->order.key, DMN_ORDER_DONE, 100, NULL);
        /* Gone from here: the next scan lets it go, as for any domain. */
        d->ev.rescan = true;
    } else {
        m->failed++;
        log_warnx("Domain %u: migration to %s failed after %s (order %s): %s; it runs here",
                  (unsigned)m->domid, m->order.dest, took, m->order.key,
                  st->why[0] ? st->why : "no reason given");
        report(d, m->order.key, DMN_ORDER_FAILED, 0, st->why[0] ? st->why : "failed");
        d->ev.arbitrate = true; /* its memory target is the mover's again */
    }
}

void dmn_mig_poll(struct dmn *d, uint64_t now)
{
    struct dmn_migration *m = &d->st.mig;
    struct port_mig_status st;
    int rc;

    if (!m->running || now < m->next_poll_ms)
        return;
    m->next_poll_ms = now + POLL_MS;
    if (!m->aborted && now >= m->deadline_ms) {
        char why[DMN_ORDER_WHY_MAX], limit[RENDER_DURATION_MAX];
        render_duration(m->deadline_ms - m->started_ms, limit);
        snprintf(why, sizeof(why), "timed out after %s", limit);
        m->aborted = true;
        log_warnx("Domain %u: migration to %s %s: aborting it", (unsigned)m->domid, m->order.dest,
                  why);
        port_mig_abort(d->port, m->handle, why);
    }
    rc = port_mig_poll(d->port, m->handle, &st);
    if (rc != 0) {
        /* The port lost it (it cannot say more): the domain's presence
         * here is what the next scan says; the order failed. */
        memset(&st, 0, sizeof(st));
        st.phase = PORT_MIG_FAILED;
        snprintf(st.why, sizeof(st.why), "the host lost track of the migration");
    }
    if (st.phase != PORT_MIG_RUNNING) {
        ended(d, &st, now);
        return;
    }
    if (st.pct >= 0 && st.pct != m->pct) {
        m->pct = st.pct;
        report(d, m->order.key, DMN_ORDER_RUNNING, (unsigned)st.pct, NULL);
    }
}

uint64_t dmn_mig_at(const struct dmn *d)
{
    return d->st.mig.running ? d->st.mig.next_poll_ms : 0;
}

void dmn_mig_stop(struct dmn *d)
{
    struct dmn_migration *m = &d->st.mig;

    if (!m->running || !d->port)
        return;
    log_warnx("Domain %u: the daemon stops during its migration to %s: aborting it",
              (unsigned)m->domid, m->order.dest);
    port_mig_abort(d->port, m->handle, "the daemon stopped");
    m->running = false;
    m->failed++;
    report(d, m->order.key, DMN_ORDER_FAILED, 0, "the daemon stopped during the migration");
}
