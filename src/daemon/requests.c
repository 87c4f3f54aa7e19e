/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's request, from its xenstore key to the arbiter's input.
 *
 * Everything read from a guest is hostile until validated: the read is
 * bounded, the decoder strict (protocol/request.c), amounts are refused
 * above what the domain could ever use (its vcpus, its maxmem) and then
 * capped and mapped by the policy.  A rejected value is reported in the
 * guest's status key and leaves the last good request in force.  A guest
 * that rewrites faster than its token bucket allows is not refused: the
 * daemon reads its latest value when the next token is due, so a flood
 * costs one read per token, not one per write.
 *
 * With each new request of a guest whose rule has a <boost> budget, its
 * boost key is read too (bounded, decoded strictly by protocol/boost.c,
 * its amount under the same ceiling): the decision takes a boost whose
 * seq is the request's.  A boost value refused is told the guest in the
 * request's "ok" answer; the request itself stands.  Other guests' boost
 * keys are never read: a request costs them one read, as before.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "protocol/text.h"

bool dmn_managed(const struct dmn_domain *dom)
{
    return eng_managed(&dom->eng);
}

/* A refusal is the intake's own verdict, answered at once; an accepted
 * request is answered by the decision, once it is enforced. */
static void reject(struct dmn *d, struct dmn_domain *dom, const char *why)
{
    /* An "ok" still owed for an earlier value must not overwrite this. */
    dom->answer_due = false;
    dom->seen = false; /* no enforcement to time */
    dom->rejected++;
    log_warnx("Domain %u: request rejected: %s", dom->info.domid, why);
    dmn_report(d, dom, why);
}

/* The boost value beside a request just accepted: none, one, or a refusal. */
static void read_boost(struct dmn *d, struct dmn_domain *dom, plm_amt_t max_cpu)
{
    char buf[PROTO_BOOST_VALUE_MAX + 1], path[PORT_PATH_MAX];
    struct proto_error err;
    size_t len = 0;
    int rc;

    dom->have_boost = dom->boost_bad = false;
    if (!dom->rule->boost)
        return;
    /* Unchanged since it was last read (its watch says so): what it held
     * then was for an earlier request, or nothing. */
    if (!dom->boost_due && !(dom->setup_missing & DMN_SETUP_BOOST))
        return;
    snprintf(path, sizeof(path), PROTO_BOOST_PATH_FMT, dom->info.domid);
    rc = port_xs_read(d->port, path, buf, sizeof(buf), &len);
    d->st.stats.xs_reads++;
    if (rc == 0 || rc == PLM_ENOENT || rc == PLM_ERANGE)
        dom->boost_due = false;
    if (rc == PLM_ENOENT)
        return;
    if (rc == PLM_ERANGE || (rc == 0 && len > PROTO_BOOST_VALUE_MAX)) {
        snprintf(dom->boost_err, sizeof(dom->boost_err), "value too large (max %d bytes)",
                 PROTO_BOOST_VALUE_MAX);
        dom->boost_bad = true;
        return;
    }
    if (rc) {
        log_warnx("Domain %u: cannot read its boost: %s", dom->info.domid, plm_strerror(rc));
        dom->errors++;
        return;
    }
    rc = proto_boost_decode(buf, len, max_cpu, &dom->boost, &err);
    if (rc) {
        snprintf(dom->boost_err, sizeof(dom->boost_err), "%s",
                 err.text[0] ? err.text : plm_strerror(rc));
        dom->boost_bad = true; /* logged and answered by the decision */
        return;
    }
    dom->have_boost = true;
}

/* FNV-1a over the bytes read and the value's true length. */
static uint64_t raw_hash(const char *buf, size_t n, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    for (size_t i = 0; i < sizeof(len); i++)
        h = (h ^ ((len >> (8 * i)) & 0xff)) * 1099511628211ull;
    return h;
}

/* recheck: read by the periodic scan, which no watch announced: an
 * unchanged request is not answered again, and a changed one means a
 * watch event was lost (said, and counted). */
static void read_request(struct dmn *d, struct dmn_domain *dom, uint64_t now, bool recheck)
{
    char buf[PROTO_VALUE_MAX + 1], path[PORT_PATH_MAX];
    size_t len = 0;
    struct proto_request req;
    struct proto_error err;
    struct proto_limits lim;
    int rc;

    snprintf(path, sizeof(path), PROTO_REQUEST_PATH_FMT, dom->info.domid);
    rc = port_xs_read(d->port, path, buf, sizeof(buf), &len);
    d->st.stats.xs_reads++;
    d->st.stats.xs_rechecks += recheck;
    if (rc == PLM_ENOENT) {
        if (!recheck)
            dom->seen = false;
        dom->raw_known = false;
        return; /* nothing written yet, or withdrawn: the last good one stays */
    }
    if (rc == 0 || rc == PLM_ERANGE) {
        /* The value as read, whatever its verdict: a recheck that finds it
         * again does nothing (a bad value is not refused every minute). */
        /* An oversized value's bytes are not read (the buffer holds none of
         * them): its true length stands for it. */
        uint64_t h = raw_hash(buf, rc == 0 && len < sizeof(buf) ? len : 0, len);
        bool same = dom->raw_known && dom->raw_hash == h;
        dom->raw_hash = h;
        dom->raw_known = true;
        if (recheck && same)
            return;
    }
    if (rc == PLM_ERANGE || (rc == 0 && len > PROTO_VALUE_MAX)) {
        /* The decoder's own refusal, as xenplm-protocol(7) lists it; the
         * size is the true one when the port knows it, else at least one
         * byte too many. */
        size_t size = len > PROTO_VALUE_MAX ? len : PROTO_VALUE_MAX + 1;
        proto_check_text(buf, size, PROTO_VALUE_MAX, &err);
        reject(d, dom, err.text);
        return;
    }
    if (rc) {
        log_warnx("Domain %u: cannot read its request: %s", dom->info.domid, plm_strerror(rc));
        dom->errors++;
        dom->seen = false;
        return;
    }

    /* Nothing above what the domain could ever hold is believable. */
    lim.max[PROTO_RES_CPU] =
        PLM_UNITS(100) * (plm_amt_t)(dom->info.max_vcpus ? dom->info.max_vcpus : 1);
    lim.max[PROTO_RES_MEM] = eng_kib_to_mib((int64_t)dom->info.mem_max_kib);
    rc = proto_request_decode_limited(buf, len, &lim, &req, &err);
    if (rc) {
        reject(d, dom, err.text[0] ? err.text : plm_strerror(rc));
        return;
    }
    if (dom->have_req && proto_request_equal(&dom->req, &req)) {
        if (!recheck) {
            dom->req_at_ms = now;
            dom->answer_due = true;
        }
        return;
    }
    dom->req_at_ms = now;
    if (recheck) {
        /* Its boost's event may have been lost with it. */
        dom->boost_due = true;
        d->st.stats.watch_missed++;
        log_warnx("Domain %u: request seq %llu found by the periodic check: its watch event was "
                  "lost",
                  dom->info.domid, (unsigned long long)req.seq);
    }
    dom->req = req;
    dom->have_req = true;
    read_boost(d, dom, lim.max[PROTO_RES_CPU]);
    dom->requests++;
    log_info("Domain %u: request seq %llu accepted", dom->info.domid, (unsigned long long)req.seq);
    dom->changed = true;
    /* The answer is the decision's last action of this turn: its
     * transaction, four round trips to xenstored, would otherwise delay
     * the enforcement. */
    dom->answer_due = true;
    d->ev.arbitrate = true;
}

void dmn_request_changed(struct dmn *d, struct dmn_domain *dom)
{
    uint64_t now = port_now_ms(d->port);

    if (!proto_rl_allow(&dom->rl, now)) {
        if (!dom->pending_read)
            log_notice("Domain %u: rewriting its request too fast; reading it at the policy's "
                       "rate",
                       dom->info.domid);
        /* The first watch put off starts the clock of the read owed: the
         * wait for the rate limit is part of the reaction. */
        if (!dom->pending_watch) {
            dom->pending_watch = true;
            dom->pending_at_ms = now;
        }
        dom->pending_read = true;
        return;
    }
    if (!dom->seen) {
        dom->seen = true;
        dom->seen_at_ms = now;
    }
    dom->pending_read = dom->pending_watch = dom->recheck = false;
    read_request(d, dom, now, false);
}

void dmn_requests_recheck(struct dmn *d)
{
    for (size_t i = 0; i < d->st.ndom; i++)
        if (!(d->st.dom[i].setup_missing & DMN_SETUP_REQUEST))
            d->st.dom[i].recheck = true;
}

void dmn_requests_due(struct dmn *d, uint64_t now)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        if (dom->pending_read && proto_rl_wait_ms(&dom->rl, now) == 0 &&
            proto_rl_allow(&dom->rl, now)) {
            /* Owed for a watch (not after a reconnection or an adoption,
             * which no watch announced): timed from that watch. */
            if (dom->pending_watch && (!dom->seen || dom->pending_at_ms < dom->seen_at_ms)) {
                dom->seen = true;
                dom->seen_at_ms = dom->pending_at_ms;
            }
            dom->pending_read = dom->pending_watch = dom->recheck = false;
            read_request(d, dom, now, false);
        } else if (dom->recheck && !dom->pending_read) {
            /* The daemon's own read, not the guest's: it takes none of
             * the guest's rate. */
            dom->recheck = false;
            read_request(d, dom, now, true);
        }
    }
}

bool dmn_requests_pending(const struct dmn *d)
{
    for (size_t i = 0; i < d->st.ndom; i++)
        if (d->st.dom[i].pending_read)
            return true;
    return false;
}

int dmn_set_override(struct dmn *d, struct dmn_domain *dom, const struct ctl_set *set)
{
    struct eng_override *o = &dom->eng.override;

    memset(o, 0, sizeof(*o));
    if (!set->clear) {
        o->active[POL_CPU] = set->has_cpu;
        o->amount[POL_CPU] = set->cpu;
        o->active[POL_MEMORY] = set->has_mem;
        o->amount[POL_MEMORY] = set->mem;
        o->until_ms = set->for_ms ? port_now_ms(d->port) + set->for_ms : 0;
    }
    log_info("Domain %u: manual override %s", dom->info.domid, set->clear ? "cleared" : "set");
    dom->changed = true;
    d->ev.force = DMN_FORCE_CHANGED;
    return 0;
}
