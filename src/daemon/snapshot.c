/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot: what the decision needs from the host this turn, read
 * through the port, and each domain's view filled from the daemon's
 * records.  Only what may have changed is read: the memory of domains
 * whose balloon may be moving (read before the host's free memory, so
 * that a guest growing in between makes free memory look smaller, never
 * larger), the CPU time of agentless domains when their sample is due
 * and, once for all of them, their network and disk counters (read_io),
 * the online vcpus of a guest whose hotplug is being checked, the
 * control/feature-balloon key of a guest whose watch on it fired, and
 * the host's facts only when the decision will use them.  A reading
 * the host refuses is logged once and tried again with retry.c's backoff;
 * meanwhile the decision goes on with what it last read (a domain's view)
 * or waits (the host's facts).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "protocol/feature.h"

/* Whether eng_decide will size pools or move memory this turn. */
static bool needs_host(const struct dmn *d, bool tick)
{
    if (tick || d->ev.arbitrate || d->ev.force || d->st.eng.rearbitrate || d->st.eng.pending)
        return true;
    for (size_t i = 0; i < d->st.ndom; i++)
        if (d->st.dom[i].changed)
            return true;
    return false;
}

static void view_of(const struct dmn_state *st, struct dmn_domain *dom)
{
    struct eng_view *v = &dom->eng.in;

    v->domid = dom->info.domid;
    v->name = dom->info.name;
    v->rule = dom->rule;
    v->max_vcpus = dom->info.max_vcpus;
    v->mem_max_kib = (int64_t)dom->info.mem_max_kib;
    v->mem_actual_kib = (int64_t)dom->info.mem_actual_kib;
    v->req = dom->have_req ? &dom->req : NULL;
    v->req_at_ms = dom->req_at_ms;
    v->changed = dom->changed;
    v->answer_due = dom->answer_due;
    v->boost = dom->have_boost ? &dom->boost : NULL;
    v->boost_err = dom->boost_bad ? dom->boost_err : NULL;
    v->balloon_key = dom->balloon_key;
    v->pv = dom->info.type == PORT_DOM_PV;
    v->migrating = st->mig.running && st->mig.domid == dom->info.domid;
}

/*
 * The guest's control/feature-balloon, when its watch fired (or it was
 * just adopted): a value the guest wrote, read bounded; only "1" is a
 * balloon.  At most one read per DMN_FEATURE_READ_MS, so a guest
 * rewriting the key in a loop costs one read a second; a read the host
 * refuses keeps what was known and is tried again then.
 */
static void read_feature(struct dmn *d, struct dmn_domain *dom, uint64_t now)
{
    char path[PORT_PATH_MAX], buf[PROTO_FEATURE_MAX];
    size_t len = 0;

    if (!dom->feature_due ||
        (dom->feature_read_ms && now - dom->feature_read_ms < DMN_FEATURE_READ_MS))
        return;
    dom->feature_read_ms = now ? now : 1;
    snprintf(path, sizeof(path), PROTO_FEATURE_BALLOON_PATH_FMT, dom->info.domid);
    int rc = port_xs_read(d->port, path, buf, sizeof(buf), &len);
    d->st.stats.xs_reads++;
    if (rc && rc != PLM_ENOENT && rc != PLM_ERANGE) {
        log_debug("Domain %u: cannot read %s: %s", dom->info.domid, path, plm_strerror(rc));
        return;
    }
    dom->feature_due = false;
    /* No key says nothing; one too long for a flag says no. */
    dom->balloon_key = rc == PLM_ENOENT ? PROTO_FEATURE_UNSAID
                       : rc == PLM_ERANGE
                           ? PROTO_FEATURE_OFF
                           : proto_feature_parse(buf, len < sizeof(buf) ? len : sizeof(buf));
}

uint64_t dmn_features_at(const struct dmn *d)
{
    uint64_t at = 0;

    for (size_t i = 0; i < d->st.ndom; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        if (!dom->feature_due)
            continue;
        uint64_t t = dom->feature_read_ms + DMN_FEATURE_READ_MS;
        if (!at || t < at)
            at = t;
    }
    return at;
}

/* Read what is due of each domain; false when one of them has gone (the
 * table must be listed again before a decision is made on it). */
static bool read_domains(struct dmn *d, uint64_t now, bool tick)
{
    bool all_there = true;

    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        struct eng_dom *e = &dom->eng;
        /* The view first, for every domain whether it is read or not: its
         * pointers (the rule, the request) may name what a reload freed or
         * a grown table moved since the last turn. */
        read_feature(d, dom, now);
        view_of(&d->st, dom);
        bool mem = eng_wants_memory(e);
        bool cpu = tick && eng_wants_cpu_time(e, now);
        bool vcpus = eng_wants_vcpus(e, now);
        struct port_domain info;

        struct dmn_retry *r = &dom->retry[DMN_RETRY_INFO];
        unsigned fails = r->fails;
        int rc;

        e->in.cpu_read = e->in.online_read = e->in.io_read = false;
        /* Until the reading below comes, its memory is as stale as the
         * mover must not act on. */
        e->in.mem_unread = mem;
        if (!mem && !cpu && !vcpus)
            continue;
        if (!dmn_retry_due(r, now))
            continue; /* refused before: read again once the backoff is over */
        rc = port_domain_info(d->port, dom->info.domid, &info);
        if (rc == PLM_ENOENT) {
            all_there = false;
            continue;
        }
        if (rc) {
            if (dmn_retry_failed(r, now))
                log_warnx("Domain %u: cannot read its domain info: %s (trying again with a "
                          "backoff)",
                          dom->info.domid, plm_strerror(rc));
            continue;
        }
        if (dmn_retry_ok(r))
            log_info("Domain %u: its domain info read again after %u failed tries", dom->info.domid,
                     fails);
        dmn_info_update(d, dom, &info);
        view_of(&d->st, dom); /* what was just read */
        if (mem) {
            eng_measured_memory(e, (int64_t)info.mem_actual_kib);
            e->in.mem_unread = false;
        }
        if (cpu) {
            e->in.cpu_read = true;
            e->in.cpu_time_ns = info.cpu_time_ns;
        }
        if (vcpus) {
            e->in.online_read = true;
            e->in.online_vcpus = info.online_vcpus;
        }
    }
    return all_there;
}

/* Every domain's counters from the port into io: the count read, or -1
 * (a failure, its code in *rc). */
static long read_all_io(struct dmn *d, int *rc)
{
    for (int tries = 0; tries < 3; tries++) {
        size_t n = 0;
        *rc = port_dom_io(d->port, d->io, d->io_cap, &n);
        if (*rc)
            return -1;
        if (n <= d->io_cap)
            return (long)n;
        struct port_io *io = realloc(d->io, (n + 16) * sizeof(*io));
        if (!io) {
            *rc = PLM_ENOMEM;
            return -1;
        }
        d->io = io;
        d->io_cap = n + 16;
    }
    *rc = PLM_ENOMEM; /* domains keep coming faster than the list grows */
    return -1;
}

/*
 * The network and disk counters of the agentless domains whose sample is
 * due: one port call for every domain at once (libxenstat walks them
 * all), at most once per second.  A failure is logged once, then tried
 * again with the backoff; meanwhile those guests are judged by their CPU
 * time alone.
 */
static void read_io(struct dmn *d, uint64_t now)
{
    bool due = false;
    for (size_t i = 0; i < d->st.ndom && !due; i++)
        due = eng_wants_io(&d->st.dom[i].eng, now);
    if (!due || (d->io_read_ms && now - d->io_read_ms < ENG_SAMPLE_MS) ||
        !dmn_retry_due(&d->io_retry, now))
        return;
    unsigned fails = d->io_retry.fails;
    int rc = 0;
    long n = read_all_io(d, &rc);
    d->io_read_ms = now ? now : 1;
    if (n < 0) {
        if (dmn_retry_failed(&d->io_retry, now))
            log_warnx("cannot read the guests' network and disk activity (libxenstat): %s; "
                      "agentless guests are judged by their CPU time alone until it can be read",
                      plm_strerror(rc));
        return;
    }
    if (dmn_retry_ok(&d->io_retry))
        log_info("the guests' network and disk activity read again after %u failed tries", fails);
    /* Both lists are in domid order as a rule; a hint keeps it linear. */
    size_t hint = 0;
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct eng_dom *e = &d->st.dom[i].eng;
        if (!eng_wants_io(e, now))
            continue;
        for (size_t k = 0; k < (size_t)n; k++) {
            const struct port_io *io = &d->io[(hint + k) % (size_t)n];
            if (io->domid != e->in.domid)
                continue;
            e->in.io_read = true;
            e->in.io_net_bytes = io->net_bytes;
            e->in.io_disk_reqs = io->disk_reqs;
            hint = (hint + k + 1) % (size_t)n;
            break;
        }
    }
}

void dmn_snapshot(struct dmn *d, uint64_t now, struct eng_input *in)
{
    bool tick = eng_tick_due(&d->st.eng, now) || d->ev.tick_now;

    if (!read_domains(d, now, tick)) {
        /* Gone since the last listing: list again, which drops it, and
         * read the rest once more on the table as it is now. */
        dmn_scan(d);
        read_domains(d, now, tick);
    }
    if (tick)
        read_io(d, now);
    in->policy = &d->st.policy;
    in->now_ms = now;
    in->paused = d->st.paused;
    in->arbitrate = d->ev.arbitrate;
    in->force = d->ev.force;
    in->resync_cpu = d->ev.resync_cpu;
    in->tick_now = d->ev.tick_now;
    in->tod_ok = port_local_time(d->port, &in->tod.day, &in->tod.sec) == 0;
    dmn_histories(d);
    in->host.ok = false;
    /* With no domain there is nothing to arbitrate, but in a pool the
     * host's records say what it could give (its pools, its free memory):
     * the facts are read for them. */
    if (!needs_host(d, tick) || (d->st.ndom == 0 && !d->pool))
        return;
    struct port_host h;
    unsigned fails = d->host_retry.fails;
    if (!dmn_retry_due(&d->host_retry, now))
        return; /* refused before: the decision waits for the next try */
    int rc = port_host_info(d->port, &h);
    if (rc) {
        if (dmn_retry_failed(&d->host_retry, now))
            log_warnx("cannot read host facts: %s (trying again with a backoff)", plm_strerror(rc));
        return;
    }
    if (dmn_retry_ok(&d->host_retry))
        log_info("host facts read again after %u failed tries", fails);
    in->host.ok = true;
    in->host.pcpus = h.pcpus;
    in->host.cpu_ids = h.cpu_ids;
    in->host.total_kib = (int64_t)h.total_kib;
    in->host.free_kib = (int64_t)h.free_kib;
    d->st.host = in->host; /* for the report (the metrics' free memory) */
}
