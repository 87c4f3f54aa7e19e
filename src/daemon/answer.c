/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the daemon writes for a guest to read: its grant (xenplm/granted)
 * and its answer (xenplm/status with xenplm/seq, the request it answers).
 * Only differences are written.  A write xenstored refuses is not
 * forgotten: the value stays owed, the first failure of a streak is
 * logged, and it is written again with retry.c's backoff (at the turns
 * dmn_answers_at asks for), the latest value owed, never an older one,
 * until it goes through; then the success is logged.  Without that, a
 * guest whose answer was lost would wait for it until it asked again.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

/* Log a failed write: a warning at the first of a streak, else at the
 * debug level. */
static void failed(struct dmn_retry *r, uint64_t now, uint32_t domid, const char *what, int rc)
{
    if (dmn_retry_failed(r, now))
        log_warnx("Domain %u: cannot write its %s: %s (trying again with a backoff)", domid, what,
                  plm_strerror(rc));
    else
        log_debug("Domain %u: cannot write its %s yet: %s", domid, what, plm_strerror(rc));
}

static void succeeded(struct dmn_retry *r, uint32_t domid, const char *what)
{
    unsigned fails = r->fails;

    if (dmn_retry_ok(r))
        log_info("Domain %u: its %s written after %u failed tries", domid, what, fails);
}

void dmn_write_grant(struct dmn *d, struct dmn_domain *dom)
{
    const struct eng_dom *e = &dom->eng;
    struct proto_grant g = {.flags = PROTO_GRANT_CPU | PROTO_GRANT_MEM,
                            .cpu = e->granted[POL_CPU],
                            .mem = e->granted[POL_MEMORY]};
    char buf[PROTO_GRANT_ENCODED_MAX + 1], path[PORT_PATH_MAX];
    struct dmn_retry *r = &dom->retry[DMN_RETRY_GRANT];
    uint64_t now = port_now_ms(d->port);

    /* What it holds: its own count when its vcpus are fixed. */
    unsigned vcpus = eng_vcpus_held(e);
    if (vcpus >= 1 && vcpus <= PROTO_VCPUS_MAX) {
        g.flags |= PROTO_GRANT_VCPUS;
        g.vcpus = vcpus;
    }
    int len = proto_grant_encode(&g, buf, sizeof(buf));
    if (len < 0)
        return;
    if (strcmp(buf, dom->grant) == 0) {
        /* Back to what the guest reads: nothing is owed any more. */
        dom->grant_owed = false;
        dmn_retry_ok(r);
        return;
    }
    dom->grant_owed = true;
    if (!dmn_retry_due(r, now))
        return; /* written at the next try */
    snprintf(path, sizeof(path), PROTO_GRANTED_PATH_FMT, dom->info.domid);
    struct port_kv kv = {path, buf, (size_t)len};
    int rc = port_xs_write_txn(d->port, &kv, 1);
    d->st.stats.xs_writes++;
    if (rc) {
        failed(r, now, dom->info.domid, "grant", rc);
        return;
    }
    succeeded(r, dom->info.domid, "grant");
    dom->grant_owed = false;
    snprintf(dom->grant, sizeof(dom->grant), "%s", buf);
}

/* The owed status and seq, when their try is due. */
static void write_status(struct dmn *d, struct dmn_domain *dom, uint64_t now)
{
    char seq[PROTO_SEQ_MAX + 1], spath[PORT_PATH_MAX], qpath[PORT_PATH_MAX];
    struct dmn_retry *r = &dom->retry[DMN_RETRY_STATUS];
    size_t slen = strlen(dom->owed_status);
    int qlen = proto_seq_encode(dom->owed_seq, seq, sizeof(seq));

    if (qlen < 0 || !dmn_retry_due(r, now))
        return;
    snprintf(spath, sizeof(spath), PROTO_STATUS_PATH_FMT, dom->info.domid);
    snprintf(qpath, sizeof(qpath), PROTO_SEQ_PATH_FMT, dom->info.domid);
    struct port_kv kv[2] = {
        {spath, dom->owed_status, slen},
        {qpath, seq, (size_t)qlen},
    };
    int rc = port_xs_write_txn(d->port, kv, 2);
    d->st.stats.xs_writes++;
    if (rc) {
        failed(r, now, dom->info.domid, "status", rc);
        return;
    }
    succeeded(r, dom->info.domid, "status");
    dom->status_owed = false;
    /* Kept without its newline, as operators see it. */
    int shown = slen > 0 && dom->owed_status[slen - 1] == '\n' ? (int)slen - 1 : (int)slen;
    snprintf(dom->status, sizeof(dom->status), "%.*s", shown, dom->owed_status);
    dom->acked_seq = dom->owed_seq;
}

/* A status value formatted, with the seq it answers; reason: a refusal. */
static void report(struct dmn *d, struct dmn_domain *dom, const char *reason, const char *note)
{
    char status[PROTO_STATUS_MAX + 1];
    int slen = reason ? proto_status_format(status, sizeof(status), reason)
                      : proto_status_format_ok(status, sizeof(status), note);
    uint64_t seqv = dom->have_req ? dom->req.seq : 0;

    if (slen < 0)
        return;
    /* Only differences are written: a guest repeating itself costs no write. */
    int shown = slen > 0 && status[slen - 1] == '\n' ? slen - 1 : slen;
    if (strncmp(status, dom->status, (size_t)shown) == 0 && dom->status[shown] == '\0' &&
        seqv == dom->acked_seq && !reason) {
        dom->status_owed = false;
        dmn_retry_ok(&dom->retry[DMN_RETRY_STATUS]);
        return;
    }
    memcpy(dom->owed_status, status, (size_t)slen);
    dom->owed_status[slen] = '\0';
    dom->owed_seq = seqv;
    dom->status_owed = true;
    write_status(d, dom, port_now_ms(d->port));
}

void dmn_report(struct dmn *d, struct dmn_domain *dom, const char *reason)
{
    report(d, dom, reason, NULL);
}

void dmn_report_ok(struct dmn *d, struct dmn_domain *dom, const char *note)
{
    report(d, dom, NULL, note);
}

void dmn_answers_due(struct dmn *d, uint64_t now)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        if (dom->grant_owed && !dom->grant_held && dmn_retry_due(&dom->retry[DMN_RETRY_GRANT], now))
            dmn_write_grant(d, dom);
        if (dom->status_owed)
            write_status(d, dom, now);
    }
}

uint64_t dmn_answers_at(const struct dmn *d)
{
    uint64_t at = 0;

    for (size_t i = 0; i < d->st.ndom; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        const struct dmn_retry *g = &dom->retry[DMN_RETRY_GRANT];
        const struct dmn_retry *s = &dom->retry[DMN_RETRY_STATUS];
        if (dom->grant_owed && !dom->grant_held && g->fails && (!at || g->at_ms < at))
            at = g->at_ms;
        if (dom->status_owed && s->fails && (!at || s->at_ms < at))
            at = s->at_ms;
    }
    return at;
}
