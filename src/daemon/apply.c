/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Apply: the plan's actions become libxl calls (through the port) and
 * grants the guests read (written by answer.c).  Each action is confirmed to the engine only
 * once the host accepted it.  A refused call is counted, logged once
 * (the first failure of a streak warns, the rest go to the debug level,
 * the recovery to the info level), and tried again with retry.c's
 * backoff; meanwhile the engine is told the setting is still owed, and
 * the same call is put off until its try is due.  A grant is written
 * only once Xen took the CPU settings it stands for: while they are
 * refused the guest keeps the grant in force.  Never fatal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

_Static_assert((int)ENG_ACT_SCHED == (int)DMN_RETRY_SCHED &&
                   (int)ENG_ACT_VCPUS == (int)DMN_RETRY_VCPUS &&
                   (int)ENG_ACT_TARGET == (int)DMN_RETRY_TARGET &&
                   (int)ENG_ACT_AFFINITY == (int)DMN_RETRY_AFFINITY,
               "a retry record per enforcement kind");

/*
 * How loud a failed call is: a warning when first (else at the debug
 * level, the retry backoff says the rest), and only news when the domain
 * is gone or being destroyed under the call.
 */
static int fail_prio(bool first, int rc)
{
    if (!first)
        return LOG_DEBUG;
    return rc == PLM_ENOENT ? LOG_INFO : LOG_WARNING;
}

/* One call to Xen; 0 or the port's code, counted, and logged once. */
static int call(struct dmn *d, struct dmn_domain *dom, const struct eng_action *a, bool first)
{
    uint32_t id = dom->info.domid;
    int rc = PLM_EINVAL;

    switch (a->kind) {
    case ENG_ACT_SCHED:
        rc = port_sched_set(d->port, id, a->weight, a->cap);
        if (rc)
            log_msg(fail_prio(first, rc), "Domain %u: cannot set weight %d cap %d (%s): %s", id,
                    a->weight, a->cap, a->why ? a->why : "resync", plm_strerror(rc));
        break;
    case ENG_ACT_VCPUS:
        rc = port_vcpus_set(d->port, id, a->vcpus);
        if (rc)
            log_msg(fail_prio(first, rc), "Domain %u: cannot set %u vcpus online: %s", id, a->vcpus,
                    plm_strerror(rc));
        else
            log_info("Domain %u: %u -> %u vcpus online", id, dom->eng.vcpus, a->vcpus);
        break;
    case ENG_ACT_TARGET:
        rc = port_mem_target_set(d->port, id, (uint64_t)a->target_kib);
        if (rc)
            log_msg(fail_prio(first, rc), "Domain %u: cannot set memory target %lld KiB: %s", id,
                    (long long)a->target_kib, plm_strerror(rc));
        break;
    case ENG_ACT_AFFINITY: {
        char h[64] = "unchanged", s[64] = "unchanged";
        if (a->hard)
            plm_cpumap_format(a->hard, h, sizeof(h));
        if (a->soft)
            plm_cpumap_format(a->soft, s, sizeof(s));
        rc = port_affinity_set(d->port, id, a->vcpus, a->hard, a->soft);
        if (rc)
            log_msg(fail_prio(first, rc), "Domain %u: cannot set vcpu affinity hard %s soft %s: %s",
                    id, h, s, plm_strerror(rc));
        else
            log_info("Domain %u: vcpu affinity hard %s soft %s on %u vcpus (%s)", id, h, s,
                     a->vcpus, a->why ? a->why : "resync");
        break;
    }
    case ENG_ACT_GRANT:
    case ENG_ACT_ANSWER:
        return 0;
    }
    d->st.stats.enforce_calls++;
    if (rc) {
        d->st.stats.enforce_errors++;
        dom->errors++;
    }
    return rc;
}

static const char *kind_name(enum eng_act_kind k)
{
    return k == ENG_ACT_SCHED      ? "scheduler parameters"
           : k == ENG_ACT_VCPUS    ? "vcpus"
           : k == ENG_ACT_AFFINITY ? "vcpu affinity"
                                   : "memory target";
}

/* One enforcement action: called now, or put off while a refused call of
 * its kind waits for its next try. */
static void enforce(struct dmn *d, struct dmn_domain *dom, const struct eng_action *a, uint64_t now)
{
    struct dmn_retry *r = &dom->retry[a->kind];
    unsigned fails = r->fails;

    if (!dmn_retry_due(r, now)) {
        eng_refused(&d->st.eng, &dom->eng, a);
        return;
    }
    if (call(d, dom, a, fails == 0) != 0) {
        dmn_retry_failed(r, now);
        eng_refused(&d->st.eng, &dom->eng, a);
        return;
    }
    if (dmn_retry_ok(r))
        log_info("Domain %u: %s accepted again after %u failed tries", dom->info.domid,
                 kind_name(a->kind), fails);
    eng_confirm(&dom->eng, a);
    /* What is shown is what Xen now holds. */
    if (a->kind == ENG_ACT_TARGET)
        dom->info.mem_target_kib = (uint64_t)a->target_kib;
}

/* A request answered: its turn's enforcement is done (the answers come
 * last in the plan), so the reaction to it ends now. */
static void reacted(struct dmn *d, struct dmn_domain *dom)
{
    if (!dom->seen)
        return;
    uint64_t now = port_now_ms(d->port);
    prom_hist_observe(&d->st.stats.reaction, now > dom->seen_at_ms ? now - dom->seen_at_ms : 0);
    dom->seen = false;
}

/* Whether Xen refuses the domain's CPU settings at the moment. */
static bool cpu_refused(const struct dmn_domain *dom)
{
    return dom->retry[DMN_RETRY_SCHED].fails || dom->retry[DMN_RETRY_VCPUS].fails;
}

void dmn_apply(struct dmn *d, const struct eng_plan *plan)
{
    uint64_t now = port_now_ms(d->port);

    for (size_t k = 0; k < plan->nact; k++) {
        const struct eng_action *a = &plan->act[k];
        struct dmn_domain *dom = &d->st.dom[a->dom];

        if (a->kind == ENG_ACT_GRANT) {
            /* Its CPU settings come before it in the plan. */
            if (cpu_refused(dom))
                dom->grant_held = true;
            else
                dmn_write_grant(d, dom);
            continue;
        }
        if (a->kind == ENG_ACT_ANSWER) {
            dmn_report_ok(d, dom, a->note);
            reacted(d, dom);
            continue;
        }
        enforce(d, dom, a, now);
    }
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        /* A CPU setting owed is asked for at every turn: one due now that
         * the plan did not ask for is owed no more (the allocation went
         * back to what Xen holds, or enforcement is paused); so is vcpu
         * affinity.  A target is asked for at the mover's ticks: owed no
         * more once it stopped. */
        for (int k = DMN_RETRY_SCHED; k <= DMN_RETRY_AFFINITY; k++)
            if (dom->retry[k].fails && dmn_retry_due(&dom->retry[k], now) &&
                (k != DMN_RETRY_TARGET || !d->st.eng.mem_moving))
                dmn_retry_ok(&dom->retry[k]);
        if (dom->grant_held && !cpu_refused(dom)) {
            dom->grant_held = false;
            dmn_write_grant(d, dom);
        }
    }
}

static uint64_t earliest(uint64_t at, const struct dmn_retry *r)
{
    return r->fails && (!at || r->at_ms < at) ? r->at_ms : at;
}

/* Only the CPU settings and affinity: targets and readings are tried at
 * the decision's ticks, which keep coming while they are owed. */
uint64_t dmn_retry_at(const struct dmn *d)
{
    uint64_t at = 0;

    for (size_t i = 0; i < d->st.ndom; i++) {
        at = earliest(at, &d->st.dom[i].retry[DMN_RETRY_SCHED]);
        at = earliest(at, &d->st.dom[i].retry[DMN_RETRY_VCPUS]);
        at = earliest(at, &d->st.dom[i].retry[DMN_RETRY_AFFINITY]);
    }
    return at;
}
