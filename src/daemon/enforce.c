/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enforcement: allocations in force become scheduler parameters, online
 * vcpus and memory targets.  Only differences are applied, and every
 * failed call is logged with the domain and counted, never fatal.
 *
 * CPU, in hundredths of a pCPU, maps onto the credit scheduler as
 *   weight = allocation x 256 / 100   (so one pCPU is Xen's default 256;
 *                                      weights are relative shares)
 *   cap    = allocation               (Xen's cap is in % of one pCPU)
 *   vcpus  = ceil(allocation / 100), within 1..maxvcpus
 * Memory moves through the mover (core/balloon.c), one step per tick:
 * shrink before grow, growth only out of memory actually free.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

void dmn_enforce_cpu(struct dmn *d, struct dmn_domain *dom)
{
    const struct pol_domain *rule = dom->rule;
    plm_amt_t pct = dom->granted[POL_CPU] / PLM_SCALE;
    int weight = -1, cap = -1;
    int rc;

    if (d->st.paused || !dmn_managed(dom))
        return;
    if (rule->cpu_enforce == POL_ENFORCE_WEIGHT || rule->cpu_enforce == POL_ENFORCE_BOTH) {
        plm_amt_t w = pct * PORT_WEIGHT_DEFAULT / 100;
        weight = (int)(w < PORT_WEIGHT_MIN ? PORT_WEIGHT_MIN
                                           : (w > PORT_WEIGHT_MAX ? PORT_WEIGHT_MAX : w));
    }
    if (rule->cpu_enforce == POL_ENFORCE_CAP || rule->cpu_enforce == POL_ENFORCE_BOTH) {
        /* 0 would mean "no cap" to Xen: the smallest real cap is 1%. */
        plm_amt_t c = pct < 1 ? 1 : pct;
        plm_amt_t most = 100 * (plm_amt_t)(dom->info.max_vcpus ? dom->info.max_vcpus : 1);
        cap = (int)(c > most ? most : c);
    }
    if ((weight >= 0 && weight != dom->weight) || (cap >= 0 && cap != dom->cap)) {
        int w = weight == dom->weight ? -1 : weight, c = cap == dom->cap ? -1 : cap;
        rc = port_sched_set(d->port, dom->info.domid, w, c);
        d->st.stats.enforce_calls++;
        if (rc) {
            d->st.stats.enforce_errors++;
            dom->errors++;
            log_warnx("Domain %u: cannot set weight %d cap %d: %s", dom->info.domid, weight, cap,
                      plm_strerror(rc));
        } else {
            if (weight >= 0)
                dom->weight = weight;
            if (cap >= 0)
                dom->cap = cap;
        }
    }
    if (rule->vcpu_hotplug) {
        unsigned max = dom->info.max_vcpus ? dom->info.max_vcpus : 1;
        unsigned v = (unsigned)((pct + 99) / 100);
        v = v < 1 ? 1 : (v > max ? max : v);
        if (v != dom->vcpus) {
            rc = port_vcpus_set(d->port, dom->info.domid, v);
            d->st.stats.enforce_calls++;
            if (rc) {
                d->st.stats.enforce_errors++;
                dom->errors++;
                log_warnx("Domain %u: cannot set %u vcpus online: %s", dom->info.domid, v,
                          plm_strerror(rc));
            } else {
                log_info("Domain %u: %u -> %u vcpus online", dom->info.domid, dom->vcpus, v);
                dom->vcpus = v;
            }
        }
    }
}

void dmn_write_grant(struct dmn *d, struct dmn_domain *dom)
{
    struct proto_grant g = {.flags = PROTO_GRANT_CPU | PROTO_GRANT_MEM,
                            .cpu = dom->granted[POL_CPU],
                            .mem = dom->granted[POL_MEMORY]};
    char buf[PROTO_GRANT_ENCODED_MAX + 1], path[PORT_PATH_MAX];

    if (dom->vcpus >= 1 && dom->vcpus <= PROTO_VCPUS_MAX) {
        g.flags |= PROTO_GRANT_VCPUS;
        g.vcpus = dom->vcpus;
    }
    int len = proto_grant_encode(&g, buf, sizeof(buf));
    if (len < 0 || strcmp(buf, dom->grant) == 0)
        return;
    snprintf(path, sizeof(path), PROTO_GRANTED_PATH_FMT, dom->info.domid);
    struct port_kv kv = {path, buf, (size_t)len};
    int rc = port_xs_write_txn(d->port, &kv, 1);
    d->st.stats.xs_writes++;
    if (rc)
        log_warnx("Domain %u: cannot write its grant: %s", dom->info.domid, plm_strerror(rc));
    else
        snprintf(dom->grant, sizeof(dom->grant), "%s", buf);
}

bool dmn_enforce_mem(struct dmn *d, uint64_t now, uint64_t dt_ms)
{
    struct dmn_state *s = &d->st;
    const struct pol_host *h = &s->policy.host;
    size_t n = 0;
    bool moving = false;

    if (s->paused)
        return false;
    if (s->ndom > d->bal_cap) {
        struct bal_dom *nb = realloc(d->bal, s->ndom * 2 * sizeof(*nb));
        if (!nb)
            return false;
        d->bal = nb;
        d->bal_cap = s->ndom * 2;
    }
    struct bal_dom *scratch = d->bal;
    int64_t minimal = dmn_amt_to_kib(s->policy.host.share[POL_MEMORY].minimal);
    for (size_t i = 0; i < s->ndom; i++) {
        struct dmn_domain *dom = &s->dom[i];
        if (!dmn_managed(dom) || dom->granted[POL_MEMORY] <= 0)
            continue;
        struct bal_dom *b = &dom->mem;
        int64_t floor = dmn_amt_to_kib(dom->rule->min[POL_MEMORY]);
        b->want_kib = dmn_amt_to_kib(dom->granted[POL_MEMORY]);
        b->floor_kib = floor > minimal ? floor : minimal;
        b->max_kib = (int64_t)dom->info.mem_max_kib;
        int64_t gap = b->actual_kib - b->target_kib;
        if (b->want_kib == b->target_kib && !b->uncooperative && gap <= 1024 && gap >= -1024) {
            /* At rest: nothing to move, so no need to ask Xen about it;
             * a tick costs nothing per idle domain. */
            scratch[n++] = *b;
            continue;
        }
        struct port_domain info;
        if (port_domain_info(d->port, dom->info.domid, &info) != 0) {
            /* Gone since the last listing: left out of this step (below
             * too, or the scratch records would shift onto the wrong
             * domains) and dropped by the next scan. */
            dom->present = false;
            d->rescan = true;
            continue;
        }
        dom->present = true;
        dom->info = info;
        b->actual_kib = (int64_t)info.mem_actual_kib;
        b->max_kib = (int64_t)info.mem_max_kib;
        scratch[n++] = *b;
    }

    /* Free memory is read after every domain's actual: a guest growing in
     * between makes free look smaller, never larger. */
    struct port_host host;
    if (port_host_info(d->port, &host) != 0)
        return true;
    /* After a stall, one step must not move a target by a stall's worth. */
    uint64_t most = 2 * (h->tick_ms ? h->tick_ms : 1000);
    if (dt_ms > most)
        dt_ms = most;

    struct bal_params bp = {
        .rate_min_kib_s = dmn_amt_to_kib(h->balloon_min_rate),
        .rate_max_kib_s = dmn_amt_to_kib(h->balloon_max_rate),
        .headroom_kib = dmn_amt_to_kib(s->policy.host.share[POL_MEMORY].pool.headroom),
        .tolerance_kib = 1024,
        .stuck_after_ms = 10000,
        .adaptive = h->balloon_adaptive,
    };
    if (bp.rate_min_kib_s <= 0)
        bp.rate_min_kib_s = 1024;
    if (bp.rate_max_kib_s < bp.rate_min_kib_s)
        bp.rate_max_kib_s = bp.rate_min_kib_s;
    struct bal_summary sum;
    bal_step(&bp, scratch, n, (int64_t)host.free_kib, now, dt_ms, &sum);

    size_t k = 0;
    for (size_t i = 0; i < s->ndom; i++) {
        struct dmn_domain *dom = &s->dom[i];
        if (!dmn_managed(dom) || dom->granted[POL_MEMORY] <= 0 || !dom->present)
            continue;
        if (k >= n)
            break;
        struct bal_dom *b = &scratch[k++];
        bool was_stuck = dom->mem.uncooperative;
        if (b->new_target_kib != b->target_kib) {
            int rc = port_mem_target_set(d->port, dom->info.domid, (uint64_t)b->new_target_kib);
            s->stats.enforce_calls++;
            if (rc) {
                s->stats.enforce_errors++;
                dom->errors++;
                log_warnx("Domain %u: cannot set memory target %lld KiB: %s", dom->info.domid,
                          (long long)b->new_target_kib, plm_strerror(rc));
            } else {
                b->target_kib = b->new_target_kib;
            }
        }
        dom->mem = *b;
        if (b->uncooperative != was_stuck) {
            log_warnx("Domain %u: balloon %s", dom->info.domid,
                      b->uncooperative ? "does not move: its memory is no longer counted as "
                                         "reclaimable"
                                       : "moves again");
            dmn_rebuild(d, dom);
            d->dirty = true;
        }
        int64_t gap = b->actual_kib - b->target_kib;
        if (b->target_kib != b->want_kib || gap > bp.tolerance_kib || gap < -bp.tolerance_kib)
            moving = true;
    }
    return moving;
}
