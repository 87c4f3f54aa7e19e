/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain table.  Domains come and go at any moment; the daemon learns
 * of it from @introduceDomain / @releaseDomain and then lists the host
 * again, so one code path (dmn_scan) handles start-up, restarts, new and
 * departed domains alike.  Adopting a domain means: match its policy rule,
 * create the dom0-owned grant subtree that the guest may read but not
 * write, and watch its request key.  Watches are registered by dom0, so
 * they count against dom0's xenstore quota, never against the guest's.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

struct dmn_domain *dmn_find(struct dmn_state *s, uint32_t domid)
{
    size_t lo = 0, hi = s->ndom;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->dom[mid].info.domid == domid)
            return &s->dom[mid];
        if (s->dom[mid].info.domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct dmn_domain *dmn_lookup(const struct dmn_state *s, const char *name_or_id)
{
    char *end;
    errno = 0;
    unsigned long id = strtoul(name_or_id, &end, 10);
    bool numeric = *name_or_id && !*end && errno == 0 && id <= UINT32_MAX;

    for (size_t i = 0; i < s->ndom; i++) {
        if (strcmp(s->dom[i].info.name, name_or_id) == 0)
            return &s->dom[i];
        if (numeric && s->dom[i].info.domid == id)
            return &s->dom[i];
    }
    return NULL;
}

static void watch_token(char *buf, size_t len, uint32_t domid)
{
    snprintf(buf, len, "req:%u", domid);
}

/* The guest's control/feature-balloon: its own key, watched so that a
 * balloon driver loaded (or gone) later is seen at the next turn. */
static void feature_watch(char *path, size_t plen, char *token, size_t tlen, uint32_t domid)
{
    snprintf(path, plen, PROTO_FEATURE_BALLOON_PATH_FMT, domid);
    snprintf(token, tlen, "bal:%u", domid);
}

/*
 * Register one of a domain's watches (which: a DMN_WATCH_* bit): true
 * when it is there, else its bit is set in watch_missing.  One already
 * registered (a restart on a connection that survived) does not fire
 * again, so its key is read at the next turn all the same.
 */
static bool watch_one(struct dmn *d, struct dmn_domain *dom, unsigned which, int *rc_out)
{
    char path[PORT_PATH_MAX], token[PORT_TOKEN_MAX];
    uint32_t id = dom->info.domid;
    int rc;

    if (which == DMN_WATCH_REQUEST) {
        snprintf(path, sizeof(path), PROTO_REQUEST_PATH_FMT, id);
        watch_token(token, sizeof(token), id);
    } else {
        feature_watch(path, sizeof(path), token, sizeof(token), id);
    }
    rc = port_xs_watch(d->port, path, token);
    *rc_out = rc;
    if (rc != 0 && rc != PLM_EEXIST) {
        dom->watch_missing |= which;
        return false;
    }
    dom->watch_missing &= ~which;
    if (which == DMN_WATCH_REQUEST && rc == PLM_EEXIST)
        dom->pending_read = true;
    return true;
}

/*
 * A domain's two watches at its adoption.  One xenstored refuses (its
 * quota, a connection in trouble) is logged once and registered again
 * with retry.c's backoff (dmn_watches_due): without it, what the guest
 * writes there would never be read.
 */
static void watch_domain(struct dmn *d, struct dmn_domain *dom, uint64_t now)
{
    const unsigned which[2] = {DMN_WATCH_REQUEST, DMN_WATCH_FEATURE};
    bool logged = false;
    int rc;

    for (int k = 0; k < 2; k++) {
        if (watch_one(d, dom, which[k], &rc) || logged)
            continue;
        logged = true;
        log_warnx("Domain %u: cannot watch its %s: %s (trying again with a backoff)",
                  dom->info.domid, which[k] == DMN_WATCH_REQUEST ? "request" : "balloon key",
                  plm_strerror(rc));
    }
    if (dom->watch_missing)
        dmn_retry_failed(&dom->retry[DMN_RETRY_WATCH], now);
}

void dmn_watches_due(struct dmn *d, uint64_t now)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        struct dmn_retry *r = &dom->retry[DMN_RETRY_WATCH];
        unsigned fails = r->fails, missing = dom->watch_missing;
        int rc = 0;

        if (!missing || !dmn_retry_due(r, now))
            continue;
        if (((missing & DMN_WATCH_REQUEST) && !watch_one(d, dom, DMN_WATCH_REQUEST, &rc)) ||
            ((missing & DMN_WATCH_FEATURE) && !watch_one(d, dom, DMN_WATCH_FEATURE, &rc))) {
            dmn_retry_failed(r, now);
            log_debug("Domain %u: cannot watch its keys yet: %s", dom->info.domid,
                      plm_strerror(rc));
            continue;
        }
        dmn_retry_ok(r);
        log_info("Domain %u: watching its keys after %u failed tries; reading them",
                 dom->info.domid, fails);
        /* Whatever the guest wrote meanwhile, no watch announced it. */
        if (missing & DMN_WATCH_REQUEST)
            dom->pending_read = true;
        dom->feature_due = true;
    }
}

uint64_t dmn_watches_at(const struct dmn *d)
{
    uint64_t at = 0;

    for (size_t i = 0; i < d->st.ndom; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        const struct dmn_retry *r = &dom->retry[DMN_RETRY_WATCH];
        if (dom->watch_missing && (!at || r->at_ms < at))
            at = r->at_ms;
    }
    return at;
}

/* Make room and insert, keeping the table sorted by domid. */
static struct dmn_domain *insert(struct dmn *d, const struct port_domain *info)
{
    struct dmn_state *s = &d->st;
    if (s->ndom == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        struct dmn_domain *nd = realloc(s->dom, ncap * sizeof(*nd));
        if (!nd)
            return NULL;
        s->dom = nd;
        s->cap = ncap;
    }
    size_t at = 0;
    while (at < s->ndom && s->dom[at].info.domid < info->domid)
        at++;
    memmove(&s->dom[at + 1], &s->dom[at], (s->ndom - at) * sizeof(*s->dom));
    s->ndom++;
    struct dmn_domain *dom = &s->dom[at];
    memset(dom, 0, sizeof(*dom));
    dom->info = *info;
    return dom;
}

static void adopt(struct dmn *d, struct dmn_domain *dom)
{
    const struct pol_host *h = &d->st.policy.host;
    uint32_t id = dom->info.domid;
    char path[PORT_PATH_MAX];
    uint64_t now = port_now_ms(d->port);
    int rc;

    dom->rule = pol_match(&d->st.policy, dom->info.name, dom->info.uuid);
    struct eng_view v = {
        .domid = id,
        .name = dom->info.name,
        .rule = dom->rule,
        .max_vcpus = dom->info.max_vcpus,
        .mem_max_kib = (int64_t)dom->info.mem_max_kib,
        .mem_actual_kib = (int64_t)dom->info.mem_actual_kib,
    };
    eng_dom_init(&dom->eng, &v, (int64_t)dom->info.mem_target_kib, dom->info.online_vcpus,
                 dom->info.cpu_time_ns, now);
    unsigned burst = h->request_burst ? h->request_burst : 1;
    if (proto_rl_init(&dom->rl, burst, h->request_rate, now) != 0)
        proto_rl_init(&dom->rl, 1, PLM_SCALE, now);
    snprintf(dom->status, sizeof(dom->status), "(no request yet)");

    snprintf(path, sizeof(path), PROTO_GRANT_DIR_PATH_FMT, id);
    rc = port_xs_mkdir_ro(d->port, path, id);
    if (rc)
        log_warnx("Domain %u: cannot create %s: %s", id, path, plm_strerror(rc));
    watch_domain(d, dom, now);
    /* Read at this turn's snapshot, before the decision counts on it. */
    dom->feature_due = true;
    log_info("Domain %u: adopted '%s' (rule %s%s%u), %u/%u vcpus, %llu/%llu MiB", id,
             dom->info.name, dom->rule->kind == POL_MATCH_NONE ? "default" : "line",
             dom->rule->kind == POL_MATCH_NONE ? "" : " ", dom->rule->line, dom->info.online_vcpus,
             dom->info.max_vcpus, (unsigned long long)(dom->info.mem_actual_kib / 1024),
             (unsigned long long)(dom->info.mem_max_kib / 1024));
    dom->changed = true;
}

static void depart(struct dmn *d, size_t i)
{
    struct dmn_state *s = &d->st;
    struct dmn_domain *dom = &s->dom[i];
    char path[PORT_PATH_MAX], token[PORT_TOKEN_MAX];

    snprintf(path, sizeof(path), PROTO_REQUEST_PATH_FMT, dom->info.domid);
    watch_token(token, sizeof(token), dom->info.domid);
    /* The domain's xenstore area went with it; the watch may already be
     * gone too, so a failure here is expected and not worth a warning. */
    port_xs_unwatch(d->port, path, token);
    feature_watch(path, sizeof(path), token, sizeof(token), dom->info.domid);
    port_xs_unwatch(d->port, path, token);
    log_info("Domain %u: '%s' is gone", dom->info.domid, dom->info.name);
    memmove(&s->dom[i], &s->dom[i + 1], (s->ndom - i - 1) * sizeof(*s->dom));
    s->ndom--;
    d->ev.force = DMN_FORCE_CHANGED;
}

int dmn_scan(struct dmn *d)
{
    size_t n = 0;
    int rc;

    for (;;) {
        rc = port_list_domains(d->port, d->list, d->list_cap, &n);
        if (rc) {
            log_warnx("cannot list domains: %s", plm_strerror(rc));
            return rc;
        }
        if (n <= d->list_cap)
            break;
        struct port_domain *nl = realloc(d->list, n * 2 * sizeof(*nl));
        if (!nl)
            return PLM_ENOMEM;
        d->list = nl;
        d->list_cap = n * 2;
    }

    for (size_t i = 0; i < d->st.ndom; i++)
        d->st.dom[i].present = false;
    for (size_t i = 0; i < n; i++) {
        const struct port_domain *info = &d->list[i];
        /* dom0 is the toolstack's own; a dying domain is being torn down. */
        if (info->domid == 0 || info->dying)
            continue;
        struct dmn_domain *dom = dmn_find(&d->st, info->domid);
        if (!dom) {
            dom = insert(d, info);
            if (!dom) {
                log_errx("Domain %u: out of memory adopting it", info->domid);
                continue;
            }
            adopt(d, dom);
            d->ev.force = DMN_FORCE_CHANGED;
        } else {
            dom->info = *info;
        }
        dom->present = true;
    }
    for (size_t i = d->st.ndom; i-- > 0;)
        if (!d->st.dom[i].present)
            depart(d, i);
    return 0;
}

void dmn_forget_all(struct dmn *d)
{
    free(d->st.dom);
    d->st.dom = NULL;
    d->st.ndom = d->st.cap = 0;
    free(d->list);
    d->list = NULL;
    d->list_cap = 0;
}

void dmn_rematch(struct dmn *d)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        dom->rule = pol_match(&d->st.policy, dom->info.name, dom->info.uuid);
        /* The previous policy's rules are gone: no view may keep one. */
        dom->eng.in.rule = dom->rule;
        dom->changed = true;
    }
    d->ev.force = DMN_FORCE_CHANGED;
}
