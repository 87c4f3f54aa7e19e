/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain table.  Domains come and go at any moment; the daemon learns
 * of it from @introduceDomain / @releaseDomain and then lists the host
 * again, so one code path (dmn_scan) handles start-up, restarts, new and
 * departed domains alike.  Adopting a domain means: match its policy rule,
 * create the dom0-owned grant subtree that the guest may read but not
 * write, and watch its request key and its control/feature-balloon; what
 * xenstored refuses of that is made again later, with a backoff.  Watches
 * are registered by dom0, so they count against dom0's xenstore quota,
 * never against the guest's.
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

/* The guest's data/xenplm/boost: watched so that a new request reads it
 * only when it may have changed (state.h, boost_due). */
static void boost_watch(char *path, size_t plen, char *token, size_t tlen, uint32_t domid)
{
    snprintf(path, plen, PROTO_BOOST_PATH_FMT, domid);
    snprintf(token, tlen, "bst:%u", domid);
}

/* What a setup bit stands for, in the log. */
static const char *setup_name(unsigned which)
{
    return which == DMN_SETUP_GRANT_DIR ? "grant directory"
           : which == DMN_SETUP_REQUEST ? "request watch"
           : which == DMN_SETUP_BOOST   ? "boost key watch"
                                        : "balloon key watch";
}

/*
 * Make one piece of a domain's setup (which: a DMN_SETUP_* bit): true
 * when it is there, else its bit is set in setup_missing.  A watch
 * already registered (a restart on a connection that survived) does not
 * fire again, so its key is read at the next turn all the same.
 */
static bool setup_one(struct dmn *d, struct dmn_domain *dom, unsigned which, int *rc_out)
{
    char path[PORT_PATH_MAX], token[PORT_TOKEN_MAX];
    uint32_t id = dom->info.domid;
    int rc;

    if (which == DMN_SETUP_GRANT_DIR) {
        snprintf(path, sizeof(path), PROTO_GRANT_DIR_PATH_FMT, id);
        rc = port_xs_mkdir_ro(d->port, path, id);
    } else {
        if (which == DMN_SETUP_REQUEST) {
            snprintf(path, sizeof(path), PROTO_REQUEST_PATH_FMT, id);
            watch_token(token, sizeof(token), id);
        } else if (which == DMN_SETUP_BOOST) {
            boost_watch(path, sizeof(path), token, sizeof(token), id);
        } else {
            feature_watch(path, sizeof(path), token, sizeof(token), id);
        }
        rc = port_xs_watch(d->port, path, token);
    }
    *rc_out = rc;
    if (rc != 0 && rc != PLM_EEXIST) {
        dom->setup_missing |= which;
        return false;
    }
    dom->setup_missing &= ~which;
    if (which == DMN_SETUP_REQUEST && rc == PLM_EEXIST)
        dom->pending_read = true;
    if (which == DMN_SETUP_BOOST)
        dom->boost_due = true; /* what was written before it was watched */
    return true;
}

static const unsigned setup_steps[] = {DMN_SETUP_GRANT_DIR, DMN_SETUP_REQUEST, DMN_SETUP_FEATURE,
                                       DMN_SETUP_BOOST};
#define NSETUP (sizeof(setup_steps) / sizeof(setup_steps[0]))

/*
 * A domain's setup at its adoption.  What xenstored refuses (its quota,
 * a connection in trouble) is logged once and made again with retry.c's
 * backoff (dmn_setup_due): without its watches, what the guest writes
 * would never be read.
 */
static void setup_domain(struct dmn *d, struct dmn_domain *dom, uint64_t now)
{
    bool logged = false;
    int rc;

    for (size_t k = 0; k < NSETUP; k++) {
        if (setup_one(d, dom, setup_steps[k], &rc) || logged)
            continue;
        logged = true;
        log_warnx("Domain %u: cannot set up its %s: %s (trying again with a backoff)",
                  dom->info.domid, setup_name(setup_steps[k]), plm_strerror(rc));
    }
    if (dom->setup_missing)
        dmn_retry_failed(&dom->retry[DMN_RETRY_SETUP], now);
}

void dmn_setup_due(struct dmn *d, uint64_t now)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        struct dmn_retry *r = &dom->retry[DMN_RETRY_SETUP];
        unsigned fails = r->fails, missing = dom->setup_missing;
        bool ok = true;
        int rc = 0;

        if (!missing || !dmn_retry_due(r, now))
            continue;
        /* Without its watch the balloon key is read at each try, so that
         * what the daemon knows of it is at most one backoff old (the
         * request is read once, when its watch is there: a guest's
         * refused request would be logged at each read). */
        if (missing & DMN_SETUP_FEATURE)
            dom->feature_due = true;
        for (size_t k = 0; k < NSETUP && ok; k++)
            if (missing & setup_steps[k])
                ok = setup_one(d, dom, setup_steps[k], &rc);
        if (!ok) {
            dmn_retry_failed(r, now);
            log_debug("Domain %u: cannot set it up yet: %s", dom->info.domid, plm_strerror(rc));
            continue;
        }
        dmn_retry_ok(r);
        log_info("Domain %u: set up after %u failed tries; reading its keys", dom->info.domid,
                 fails);
        /* Whatever the guest wrote meanwhile, no watch announced it. */
        if (missing & DMN_SETUP_REQUEST)
            dom->pending_read = true;
        dom->feature_due = true;
    }
}

uint64_t dmn_setup_at(const struct dmn *d)
{
    uint64_t at = 0;

    for (size_t i = 0; i < d->st.ndom; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        const struct dmn_retry *r = &dom->retry[DMN_RETRY_SETUP];
        if (dom->setup_missing && (!at || r->at_ms < at))
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
    uint64_t now = port_now_ms(d->port);

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

    setup_domain(d, dom, now);
    /* Read at this turn's snapshot, before the decision counts on it. */
    dom->feature_due = true;
    log_info("Domain %u: adopted '%s' (rule %s%s%u), %u/%u vcpus, %llu/%llu MiB", id,
             dom->info.name, dom->rule->kind == POL_MATCH_NONE ? "default" : "line",
             dom->rule->kind == POL_MATCH_NONE ? "" : " ", dom->rule->line, dom->info.online_vcpus,
             dom->info.max_vcpus, (unsigned long long)(dom->info.mem_actual_kib / 1024),
             (unsigned long long)(dom->info.mem_max_kib / 1024));
    dom->changed = true;
}

/* A request history for every domain whose rule anticipates (kept for a
 * domain whose rule no longer does: a reload may turn it on again). */
void dmn_histories(struct dmn *d)
{
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        if (dom->eng.hist || !dom->rule->anticipate)
            continue;
        dom->eng.hist = malloc(sizeof(*dom->eng.hist));
        if (!dom->eng.hist) {
            log_errx("Domain %u: out of memory for its request history", dom->info.domid);
            continue;
        }
        ant_init(dom->eng.hist);
        dmn_history_load(d, dom);
    }
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
    boost_watch(path, sizeof(path), token, sizeof(token), dom->info.domid);
    port_xs_unwatch(d->port, path, token);
    log_info("Domain %u: '%s' is gone", dom->info.domid, dom->info.name);
    dmn_history_save(d, dom);
    free(dom->eng.hist);
    memmove(&s->dom[i], &s->dom[i + 1], (s->ndom - i - 1) * sizeof(*s->dom));
    s->ndom--;
    d->ev.force = DMN_FORCE_CHANGED;
}

void dmn_info_update(struct dmn *d, struct dmn_domain *dom, const struct port_domain *info)
{
    const struct port_domain *was = &dom->info;

    if (was->mem_max_kib != info->mem_max_kib || was->max_vcpus != info->max_vcpus) {
        log_info("Domain %u: maxmem %llu -> %llu MiB, %u -> %u vcpus at most", info->domid,
                 (unsigned long long)(was->mem_max_kib / 1024),
                 (unsigned long long)(info->mem_max_kib / 1024), was->max_vcpus, info->max_vcpus);
        /* What it may be given changed: its allocation is worked out
         * again, and replaced if it is now above what it can hold. */
        dom->changed = true;
        d->ev.force = DMN_FORCE_CHANGED;
    }
    dom->info = *info;
}

/*
 * A domain xl is migrating: the destination's copy is built as
 * "NAME--incoming" and renamed when it runs; the source's is renamed
 * "NAME--migratedaway" just before it goes.  Neither is adopted (nor
 * published, nor managed): its memory and vcpus are the migration's.
 */
bool dmn_in_transit(const char *name)
{
    static const char *const tags[] = {"--incoming", "--migratedaway"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        size_t t = strlen(tags[i]);
        if (n > t && strcmp(name + n - t, tags[i]) == 0)
            return true;
    }
    return false;
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
    d->transit = false;
    for (size_t i = 0; i < n; i++) {
        const struct port_domain *info = &d->list[i];
        /* dom0 is the toolstack's own; a dying domain is being torn down;
         * one in transit is the migration's until xl renames it, which no
         * watch announces: the loop lists again soon (d->transit). */
        if (info->domid == 0 || info->dying)
            continue;
        if (dmn_in_transit(info->name)) {
            d->transit = true;
            continue;
        }
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
            dmn_info_update(d, dom, info);
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
    dmn_history_save_all(d, 0, true);
    for (size_t i = 0; i < d->st.ndom; i++)
        free(d->st.dom[i].eng.hist);
    free(d->st.dom);
    d->st.dom = NULL;
    d->st.ndom = d->st.cap = 0;
    free(d->list);
    d->list = NULL;
    d->list_cap = 0;
    free(d->io);
    d->io = NULL;
    d->io_cap = 0;
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
