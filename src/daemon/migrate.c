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
 * What is done at its timeout, at its end and at a daemon stop is the
 * rule of engine/mig_guard.h, by the phase the port sees the domain in
 * (running here, suspended here, handed over): xl is stopped only while
 * the guest runs here, a copy suspended here is resumed only when no
 * destination can run it, and a daemon that stops leaves xl running.
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
#include "engine/mig_guard.h"

/* How often a running migration is polled, ms of the port's clock: once
 * a second while the guest still runs here, ten times a second once it
 * is suspended, when the hand-over is near and what this host lists
 * should follow it closely. */
#define POLL_MS 1000
#define POLL_NEAR_MS 100

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
    char busy[DMN_ORDER_WHY_MAX / 2];
    if (port_mig_busy(d->port, busy, sizeof(busy))) {
        refuse(d, o, "%s (one at a time)", busy);
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
    m->now_ms = now;
    m->stage = PORT_MIG_LIVE;
    m->next_poll_ms = now + POLL_MS;
    m->pct = 0;
#ifdef HAVE_POOL
    if (d->pool) /* only reads made from now on count */
        (void)dmn_pool_listed(d->pool, o->dest, &m->pool_reads);
#endif
    m->started++;
    char limit[RENDER_DURATION_MAX];
    render_duration(m->deadline_ms - now, limit);
    log_info("Domain %u: migrating to %s (%s) for order %s, at most %s", (unsigned)m->domid,
             o->dest, addr, o->key, limit);
    report(d, o->key, DMN_ORDER_RUNNING, 0, NULL);
}

static enum eng_mig_stage stage_of(enum port_mig_stage s)
{
    switch (s) {
    case PORT_MIG_LIVE:
        return ENG_MIG_LIVE;
    case PORT_MIG_SUSPENDED:
        return ENG_MIG_SUSPENDED;
    case PORT_MIG_HANDED:
        return ENG_MIG_HANDED;
    case PORT_MIG_GONE:
        return ENG_MIG_GONE;
    case PORT_MIG_UNSURE:
        break;
    }
    return ENG_MIG_UNSURE;
}

/* The order failed: counted, logged (loudly when a copy is left
 * suspended here: the operator has to look), reported with why. */
static void failed(struct dmn *d, bool loud, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failed(struct dmn *d, bool loud, const char *fmt, ...)
{
    struct dmn_migration *m = &d->st.mig;
    char why[DMN_ORDER_WHY_MAX], took[RENDER_DURATION_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    render_duration(m->now_ms - m->started_ms, took);
    m->running = false;
    m->failed++;
    if (loud)
        log_errx("Domain %u: migration to %s failed after %s (order %s): %s", (unsigned)m->domid,
                 m->order.dest, took, m->order.key, why);
    else
        log_warnx("Domain %u: migration to %s failed after %s (order %s): %s", (unsigned)m->domid,
                  m->order.dest, took, m->order.key, why);
    report(d, m->order.key, DMN_ORDER_FAILED, 0, why);
    d->ev.arbitrate = true; /* its memory target is the mover's again */
    d->ev.rescan = true;    /* and where it is, the next scan's word */
}

/* Why the migration is due (mig_guard.h): its timeout, or its
 * destination gone from the pool. */
static void due_text(const struct dmn *d, const struct eng_mig_input *in, char *buf, size_t len)
{
    const struct dmn_migration *m = &d->st.mig;
    char t[RENDER_DURATION_MAX];
    bool gone;

    (void)eng_mig_due(in, &gone);
    if (gone) {
        render_duration(m->now_ms - in->dest_missed_ms, t);
        snprintf(buf, len, "the destination %s left the pool (not listed for %s)", m->order.dest,
                 t);
    } else {
        render_duration(m->deadline_ms - m->started_ms, t);
        snprintf(buf, len, "timed out after %s", t);
    }
}

/* What the rule said, done. */
static void act(struct dmn *d, enum eng_mig_action a, const struct eng_mig_input *in,
                const struct port_mig_status *st)
{
    struct dmn_migration *m = &d->st.mig;
    const char *why = st->why[0] ? st->why : "no reason given";
    const char *stage = eng_mig_stage_name(stage_of(st->stage));
    char took[RENDER_DURATION_MAX], settle[RENDER_DURATION_MAX];
    char text[DMN_ORDER_WHY_MAX], due[DMN_ORDER_WHY_MAX];
    int rc;

    render_duration(m->now_ms - m->started_ms, took);
    render_duration(ENG_MIG_SETTLE_MS, settle);
    due_text(d, in, due, sizeof(due));
    switch (a) {
    case ENG_MIG_WAIT:
    case ENG_MIG_LEAVE: /* only at a stop (dmn_mig_stop) */
        break;
    case ENG_MIG_ABORT:
        snprintf(text, sizeof(text), "%s", due);
        if (st->stage != PORT_MIG_LIVE)
            snprintf(text + strlen(text), sizeof(text) - strlen(text),
                     ", still suspended here %s later and never handed over", settle);
        m->aborted = true;
        log_warnx("Domain %u: migration to %s %s: aborting it", (unsigned)m->domid, m->order.dest,
                  text);
        port_mig_abort(d->port, m->handle, text);
        break;
    case ENG_MIG_SETTLE:
        if (m->settling)
            break;
        m->settling = true;
        log_warnx("Domain %u: migration to %s: %s, with the domain %s here: "
                  "xl is not stopped now (it resumes the guest itself if the transfer fails); "
                  "waiting up to %s more",
                  (unsigned)m->domid, m->order.dest, due, stage, settle);
        break;
    case ENG_MIG_GIVE_UP:
        port_mig_leave(d->port, m->handle);
        failed(d, true,
               "%s may run it: check both hosts (xl list) before resuming any copy; xl "
               "migrate, left to end by itself, still ran %s after it was due (%s), the "
               "domain %s here",
               m->order.dest, settle, due, stage);
        break;
    case ENG_MIG_DONE:
        m->running = false;
        m->done++;
        log_info("Domain %u: migrated to %s in %s (order %s)", (unsigned)m->domid, m->order.dest,
                 took, m->order.key);
        report(d, m->order.key, DMN_ORDER_DONE, 100, NULL);
        /* Gone from here: the next scan lets it go, as for any domain. */
        d->ev.rescan = true;
        break;
    case ENG_MIG_FAILED:
        failed(d, false, "%s; it runs here", why);
        break;
    case ENG_MIG_RESUME:
        /* xl has ended and never said "go": the destination does not run
         * it, and nothing can tell it to any more. */
        rc = port_mig_resume(d->port, m->domid);
        if (rc == 0)
            failed(d, false, "%s; resumed here (left suspended, never handed over)", why);
        else
            failed(d, true,
                   "%s; it is left suspended here (never handed over), resuming it failed: %s", why,
                   plm_strerror(rc));
        break;
    case ENG_MIG_STRANDED:
        failed(d, true,
               "%s; the domain is left %s here, not resumed: %s may run it: check both hosts "
               "(xl list) before resuming any copy",
               why, stage, m->order.dest);
        break;
    case ENG_MIG_LOST:
        failed(d, false, "%s; and the domain is no longer here", why);
        break;
    }
}

/* This host's newest read of the pool, if one came since the last look:
 * does it still list the destination? */
static void look_for_dest(struct dmn *d, uint64_t now)
{
#ifdef HAVE_POOL
    struct dmn_migration *m = &d->st.mig;
    uint64_t reads;
    int listed;

    if (!d->pool || (listed = dmn_pool_listed(d->pool, m->order.dest, &reads)) < 0 ||
        reads == m->pool_reads)
        return;
    m->pool_reads = reads;
    if (listed) {
        if (m->dest_missed)
            log_info("Domain %u: %s, its migration's destination, is in the pool again",
                     (unsigned)m->domid, m->order.dest);
        m->dest_missed = 0;
        return;
    }
    if (m->dest_missed++ == 0) {
        m->dest_missed_ms = now;
        log_warnx("Domain %u: %s, its migration's destination, is no longer in the pool",
                  (unsigned)m->domid, m->order.dest);
    }
#else
    (void)d;
    (void)now;
#endif
}

void dmn_mig_poll(struct dmn *d, uint64_t now)
{
    struct dmn_migration *m = &d->st.mig;
    struct port_mig_status st;
    int rc;

    if (!m->running || now < m->next_poll_ms)
        return;
    m->now_ms = now;
    rc = port_mig_poll(d->port, m->handle, &st);
    if (rc != 0) {
        /* The port lost it (it cannot say more): nothing is assumed of
         * where the domain is. */
        memset(&st, 0, sizeof(st));
        st.phase = PORT_MIG_FAILED;
        st.stage = PORT_MIG_UNSURE;
        snprintf(st.why, sizeof(st.why), "the host lost track of the migration");
    }
    look_for_dest(d, now);
    struct eng_mig_input in = {.stage = stage_of(st.stage),
                               .running = st.phase == PORT_MIG_RUNNING,
                               .ok = st.phase == PORT_MIG_DONE,
                               .aborted = m->aborted,
                               .now_ms = now,
                               .deadline_ms = m->deadline_ms,
                               .dest_missed = m->dest_missed,
                               .dest_missed_ms = m->dest_missed_ms,
                               .dest_grace_ms = d->st.policy.pool.lease_ttl_ms};
    /* Handed over (xl renamed the copy here "NAME--migratedaway") or
     * gone: list the domains now, so that this host stops listing,
     * publishing and managing it at once, not at the next listing. */
    if (st.stage != m->stage && (st.stage == PORT_MIG_HANDED || st.stage == PORT_MIG_GONE))
        d->ev.rescan = true;
    m->stage = st.stage;
    m->next_poll_ms = now + (st.stage == PORT_MIG_LIVE ? POLL_MS : POLL_NEAR_MS);
    act(d, eng_mig_decide(&in), &in, &st);
    if (m->running && st.pct >= 0 && st.pct != m->pct) {
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
    struct port_mig_status st;

    if (!m->running || !d->port)
        return;
    /* One that has just ended is settled as at any poll. */
    m->now_ms = port_now_ms(d->port);
    if (port_mig_poll(d->port, m->handle, &st) == 0 && st.phase != PORT_MIG_RUNNING) {
        struct eng_mig_input in = {.stage = stage_of(st.stage),
                                   .ok = st.phase == PORT_MIG_DONE,
                                   .stopping = true,
                                   .aborted = m->aborted,
                                   .deadline_ms = m->deadline_ms};
        act(d, eng_mig_decide(&in), &in, &st);
        return;
    }
    /* Never stopped with the daemon: killed once its guest is suspended,
     * xl would leave it so, and it ends by itself (its own process
     * group).  The order stays running in etcd: the daemon started again
     * settles it from where the domain is then. */
    log_warnx("Domain %u: the daemon stops during its migration to %s (%s here, order %s): "
              "xl migrate is left to end by itself",
              (unsigned)m->domid, m->order.dest, eng_mig_stage_name(stage_of(m->stage)),
              m->order.key);
    port_mig_leave(d->port, m->handle);
    m->running = false;
}
