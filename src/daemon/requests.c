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
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

bool dmn_managed(const struct dmn_domain *dom)
{
    return dom->source != DMN_SRC_NONE;
}

void dmn_report(struct dmn *d, struct dmn_domain *dom, const char *reason)
{
    char status[PROTO_STATUS_MAX + 1], seq[PROTO_SEQ_MAX + 1];
    char spath[PORT_PATH_MAX], qpath[PORT_PATH_MAX];
    int slen = proto_status_format(status, sizeof(status), reason);
    int qlen = proto_seq_encode(dom->have_req ? dom->req.seq : 0, seq, sizeof(seq));

    if (slen < 0 || qlen < 0)
        return;
    /* Only differences are written: a guest repeating itself costs no write. */
    uint64_t seqv = dom->have_req ? dom->req.seq : 0;
    /* Kept without its newline, as operators see it. */
    int shown = slen > 0 && status[slen - 1] == '\n' ? slen - 1 : slen;
    if (strncmp(status, dom->status, (size_t)shown) == 0 && dom->status[shown] == '\0' &&
        seqv == dom->acked_seq && !reason)
        return;
    snprintf(spath, sizeof(spath), PROTO_STATUS_PATH_FMT, dom->info.domid);
    snprintf(qpath, sizeof(qpath), PROTO_SEQ_PATH_FMT, dom->info.domid);
    struct port_kv kv[2] = {
        {spath, status, (size_t)slen},
        {qpath, seq, (size_t)qlen},
    };
    int rc = port_xs_write_txn(d->port, kv, 2);
    d->st.stats.xs_writes++;
    if (rc) {
        /* The cache is left as it was, so the next report writes again. */
        log_warnx("Domain %u: cannot write status: %s", dom->info.domid, plm_strerror(rc));
        return;
    }
    snprintf(dom->status, sizeof(dom->status), "%.*s", shown, status);
    dom->acked_seq = seqv;
}

static void reject(struct dmn *d, struct dmn_domain *dom, const char *why)
{
    /* An "ok" still due for an earlier value must not overwrite this. */
    dom->report_due = false;
    dom->rejected++;
    log_warnx("Domain %u: request rejected: %s", dom->info.domid, why);
    dmn_report(d, dom, why);
}

static void read_request(struct dmn *d, struct dmn_domain *dom, uint64_t now)
{
    char buf[PROTO_VALUE_MAX + 1], path[PORT_PATH_MAX], why[PROTO_ERR_LEN + 64];
    size_t len = 0;
    struct proto_request req;
    struct proto_error err;
    struct proto_limits lim;
    int rc;

    snprintf(path, sizeof(path), PROTO_REQUEST_PATH_FMT, dom->info.domid);
    rc = port_xs_read(d->port, path, buf, sizeof(buf), &len);
    d->st.stats.xs_reads++;
    if (rc == PLM_ENOENT)
        return; /* nothing written yet, or withdrawn: the last good one stays */
    if (rc == PLM_ERANGE || (rc == 0 && len > PROTO_VALUE_MAX)) {
        snprintf(why, sizeof(why), "value too large (max %d bytes)", PROTO_VALUE_MAX);
        reject(d, dom, why);
        return;
    }
    if (rc) {
        log_warnx("Domain %u: cannot read its request: %s", dom->info.domid, plm_strerror(rc));
        dom->errors++;
        return;
    }

    /* Nothing above what the domain could ever hold is believable. */
    lim.max[PROTO_RES_CPU] =
        PLM_UNITS(100) * (plm_amt_t)(dom->info.max_vcpus ? dom->info.max_vcpus : 1);
    lim.max[PROTO_RES_MEM] = dmn_kib_to_amt(dom->info.mem_max_kib);
    rc = proto_request_decode_limited(buf, len, &lim, &req, &err);
    if (rc) {
        reject(d, dom, err.text[0] ? err.text : plm_strerror(rc));
        return;
    }
    dom->req_at_ms = now;
    if (dom->have_req && proto_request_equal(&dom->req, &req)) {
        dmn_report(d, dom, NULL);
        return;
    }
    dom->req = req;
    dom->have_req = true;
    dom->requests++;
    log_info("Domain %u: request seq %llu accepted", dom->info.domid, (unsigned long long)req.seq);
    dmn_rebuild(d, dom);
    /* The answer waits until the new request is enforced, in this same
     * turn of the loop (dmn_flush_reports): its transaction, four round
     * trips to xenstored, would otherwise delay the enforcement. */
    dom->report_due = true;
    d->dirty = true;
}

void dmn_flush_reports(struct dmn *d)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        if (dom->report_due) {
            dom->report_due = false;
            dmn_report(d, dom, NULL);
        }
    }
}

void dmn_request_changed(struct dmn *d, struct dmn_domain *dom)
{
    uint64_t now = port_now_ms(d->port);

    if (!proto_rl_allow(&dom->rl, now)) {
        if (!dom->pending_read)
            log_notice("Domain %u: rewriting its request too fast; reading it at the policy's "
                       "rate",
                       dom->info.domid);
        dom->pending_read = true;
        return;
    }
    dom->pending_read = false;
    read_request(d, dom, now);
}

/* Measured CPU use over the last interval, for agentless domains. */
static void sample_cpu(struct dmn *d, struct dmn_domain *dom, uint64_t now)
{
    struct port_domain info;
    if (now - dom->cpu_sample_ms < 1000)
        return;
    int rc = port_domain_info(d->port, dom->info.domid, &info);
    if (rc)
        return; /* a departed domain is handled by the next scan */
    uint64_t dt_ms = now - dom->cpu_sample_ms;
    uint64_t used_ns = info.cpu_time_ns - dom->cpu_time_prev_ns;
    /* hundredths of a pCPU, in ticks: ns / (ms * 1e6) * 100 * 1000 */
    plm_amt_t pct = (plm_amt_t)(used_ns / 10 / dt_ms);
    dom->info = info;
    dom->cpu_time_prev_ns = info.cpu_time_ns;
    dom->cpu_sample_ms = now;
    if (pct != dom->cpu_used_pct || !dom->cpu_sampled) {
        dom->cpu_sampled = true;
        dom->cpu_used_pct = pct;
        if (dom->source == DMN_SRC_AGENTLESS || dom->source == DMN_SRC_NONE) {
            dmn_rebuild(d, dom);
            d->dirty = true;
        }
    }
}

void dmn_requests_tick(struct dmn *d, uint64_t now)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        if (dom->pending_read && proto_rl_wait_ms(&dom->rl, now) == 0 &&
            proto_rl_allow(&dom->rl, now)) {
            dom->pending_read = false;
            read_request(d, dom, now);
        }
        if (dom->override.until_ms && now >= dom->override.until_ms) {
            memset(&dom->override, 0, sizeof(dom->override));
            log_info("Domain %u: manual override expired", dom->info.domid);
            dmn_rebuild(d, dom);
            d->dirty = d->force = true;
        }
        if (dom->rule->agentless)
            sample_cpu(d, dom, now);
    }
}

static bool agent_silent(const struct dmn *d, const struct dmn_domain *dom)
{
    uint64_t now = port_now_ms(d->port);
    return !dom->have_req || now - dom->req_at_ms >= dom->rule->agentless_after_ms;
}

void dmn_rebuild(struct dmn *d, struct dmn_domain *dom)
{
    const struct pol_domain *rule = dom->rule;
    bool any_override = dom->override.active[POL_CPU] || dom->override.active[POL_MEMORY];

    if (any_override)
        dom->source = DMN_SRC_OVERRIDE;
    else if (dom->have_req && !(rule->agentless && agent_silent(d, dom)))
        dom->source = DMN_SRC_AGENT;
    else if (rule->agentless && dom->cpu_sampled)
        dom->source = DMN_SRC_AGENTLESS;
    else
        dom->source = DMN_SRC_NONE;

    for (int r = 0; r < DMN_NRES; r++) {
        plm_amt_t guest[PLM_MAX_LEVELS] = {0};
        unsigned n = 0;
        enum proto_resource pr = pol_resource_proto((enum pol_resource)r);
        struct plm_request *pq = &dom->plm[r];

        if (dom->source == DMN_SRC_AGENT && (dom->req.flags & PROTO_REQ_HAS(pr))) {
            n = dom->req.res[pr].nlevels;
            memcpy(guest, dom->req.res[pr].level, n * sizeof(guest[0]));
        } else if (dom->source == DMN_SRC_AGENTLESS && r == POL_CPU) {
            /* Ask, at the configured level, for what it used plus headroom. */
            unsigned lvl = rule->agentless_level ? rule->agentless_level : 1;
            if (lvl > PLM_MAX_LEVELS)
                lvl = PLM_MAX_LEVELS;
            plm_amt_t want = dom->cpu_used_pct +
                             dom->cpu_used_pct * (plm_amt_t)rule->agentless_headroom_pct100 / 10000;
            guest[lvl - 1] = want > PLM_AMT_MAX ? PLM_AMT_MAX : want;
            n = lvl;
        }
        int rc = pol_request_build(rule, (enum pol_resource)r, guest, n, pq);
        if (rc) {
            log_warnx("Domain %u: cannot build its %s request: %s", dom->info.domid,
                      pol_resource_name((enum pol_resource)r), plm_strerror(rc));
            plm_request_init(pq);
        }
        /* Nothing above what the domain could ever hold, whatever the
         * policy's min or the agentless headroom say: all its vcpus busy,
         * its maxmem.  The rest of the pool is for the others. */
        plm_amt_t most =
            r == POL_CPU
                ? PLM_UNITS(100) * (plm_amt_t)(dom->info.max_vcpus ? dom->info.max_vcpus : 1)
                : dmn_kib_to_amt(dom->info.mem_max_kib);
        if (most > 0 && pq->max > most)
            pq->max = most;
        if (pq->min > pq->max)
            pq->min = pq->max;
        if (r == POL_MEMORY && n == 0 && dom->source != DMN_SRC_NONE) {
            /* A managed guest that says nothing about memory keeps what
             * it has: silence is not a request to shrink. */
            plm_amt_t hold = dmn_kib_to_amt((uint64_t)(dom->mem.target_kib > 0
                                                           ? dom->mem.target_kib
                                                           : (int64_t)dom->info.mem_actual_kib));
            if (hold > pq->min)
                pq->min = hold > pq->max ? pq->max : hold;
        }
        if (r == POL_MEMORY && dom->mem.uncooperative) {
            /* Its balloon does not move: what it holds cannot be taken. */
            plm_amt_t held = dmn_kib_to_amt((uint64_t)dom->mem.actual_kib);
            if (held > pq->min)
                pq->min = held;
            if (pq->max < pq->min)
                pq->max = pq->min;
        }
        if (dom->override.active[r]) {
            plm_amt_t a = dom->override.amount[r];
            pq->min = pq->max = a > PLM_AMT_MAX ? PLM_AMT_MAX : a;
        }
    }
}
