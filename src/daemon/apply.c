/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Apply: the plan's actions become libxl calls (through the port) and
 * grants the guests read.  Each action is confirmed to the engine only
 * once the host accepted it, so a failed call is tried again when the
 * decision next finds the difference.  Every failure is logged with the
 * domain and counted, never fatal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

void dmn_write_grant(struct dmn *d, struct dmn_domain *dom)
{
    const struct eng_dom *e = &dom->eng;
    struct proto_grant g = {.flags = PROTO_GRANT_CPU | PROTO_GRANT_MEM,
                            .cpu = e->granted[POL_CPU],
                            .mem = e->granted[POL_MEMORY]};
    char buf[PROTO_GRANT_ENCODED_MAX + 1], path[PORT_PATH_MAX];

    if (e->vcpus >= 1 && e->vcpus <= PROTO_VCPUS_MAX) {
        g.flags |= PROTO_GRANT_VCPUS;
        g.vcpus = e->vcpus;
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

/* One call to Xen; 0 or the port's code, counted and logged. */
static int call(struct dmn *d, struct dmn_domain *dom, const struct eng_action *a)
{
    uint32_t id = dom->info.domid;
    int rc = PLM_EINVAL;

    switch (a->kind) {
    case ENG_ACT_SCHED:
        rc = port_sched_set(d->port, id, a->weight, a->cap);
        if (rc)
            log_warnx("Domain %u: cannot set weight %d cap %d (%s): %s", id, a->weight, a->cap,
                      a->why ? a->why : "resync", plm_strerror(rc));
        break;
    case ENG_ACT_VCPUS:
        rc = port_vcpus_set(d->port, id, a->vcpus);
        if (rc)
            log_warnx("Domain %u: cannot set %u vcpus online: %s", id, a->vcpus, plm_strerror(rc));
        else
            log_info("Domain %u: %u -> %u vcpus online", id, dom->eng.vcpus, a->vcpus);
        break;
    case ENG_ACT_TARGET:
        rc = port_mem_target_set(d->port, id, (uint64_t)a->target_kib);
        if (rc)
            log_warnx("Domain %u: cannot set memory target %lld KiB: %s", id,
                      (long long)a->target_kib, plm_strerror(rc));
        break;
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

void dmn_apply(struct dmn *d, const struct eng_plan *plan)
{
    for (size_t k = 0; k < plan->nact; k++) {
        const struct eng_action *a = &plan->act[k];
        struct dmn_domain *dom = &d->st.dom[a->dom];

        if (a->kind == ENG_ACT_GRANT) {
            dmn_write_grant(d, dom);
            continue;
        }
        if (a->kind == ENG_ACT_ANSWER) {
            dmn_report(d, dom, NULL);
            continue;
        }
        if (call(d, dom, a) == 0) {
            eng_confirm(&dom->eng, a);
            /* What is shown is what Xen now holds. */
            if (a->kind == ENG_ACT_TARGET)
                dom->info.mem_target_kib = (uint64_t)a->target_kib;
        } else if (a->kind == ENG_ACT_TARGET)
            d->st.eng.mem_moving = true; /* not there yet: keep ticking */
    }
}
