/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-side activity of agentless guests (issue 13, point 5).  A guest
 * that runs no agent is judged by what dom0 can see of it.  CPU time
 * alone calls a guest idle that spends its time waiting on the network or
 * its disks: a file server or a database doing I/O uses little CPU, yet
 * taking its CPU away makes every request it serves wait longer.  So the
 * snapshot also reads each agentless guest's cumulative network bytes and
 * disk requests (libxenstat on Xen), and this file turns them into rates
 * over the sampling period and the rates into a need.
 *
 * The model is deliberately plain: a guest whose network traffic or disk
 * requests reach the rule's thresholds (net-busy, disk-busy) is busy with
 * I/O, and while it is, its agentless request asks at least the rule's
 * io-cpu, at the same guest level as its measured use.  It is still only
 * a request: the arbiter grants it from what is left above every other
 * guest's minimum, by priority, and the trigger damps a guest that flips
 * between busy and idle, so the signal can only give the guest more when
 * that takes nothing another guest is guaranteed.  A guest already using
 * more than io-cpu is unaffected.
 *
 * Counters: a counter that went down was reset (a vif or vbd replaced, a
 * domain restored) or wrapped; either way the difference means nothing,
 * so that reading only starts a new period and the last rates stand.
 * Counters left unread for ENG_IO_STALE_MS (the port failing) are
 * forgotten: the guest is judged by its CPU time alone until they are
 * read again, rather than kept busy (or idle) on old news.
 * Feedback risk: none through the guest (its I/O is not what xenplm
 * moves); a guest can raise its own signal by doing I/O, which buys it at
 * most io-cpu, the operator's choice.
 */
#include "config.h"

#include "engine/engine.h"

bool eng_wants_io(const struct eng_dom *e, uint64_t now_ms)
{
    const struct pol_domain *rule = e->in.rule;
    return rule->agentless && rule->agentless_io_cpu > 0 &&
           (!e->io_based || now_ms - e->io_sample_ms >= ENG_SAMPLE_MS);
}

bool eng_io_busy(const struct pol_domain *rule, uint64_t net_kib_s, uint64_t disk_req_s)
{
    return rule->agentless_io_cpu > 0 && (net_kib_s >= rule->agentless_net_busy_kib_s ||
                                          disk_req_s >= rule->agentless_disk_busy_req_s);
}

plm_amt_t eng_agentless_cpu(const struct pol_domain *rule, plm_amt_t used, bool io_busy)
{
    plm_amt_t want = used + used * (plm_amt_t)rule->agentless_headroom_pct100 / 10000;
    if (io_busy && want < rule->agentless_io_cpu)
        want = rule->agentless_io_cpu;
    return want > PLM_AMT_MAX ? PLM_AMT_MAX : want;
}

/* Per second over dt_ms, saturating. */
static uint64_t per_s(uint64_t delta, uint64_t dt_ms)
{
    return delta > UINT64_MAX / 1000 ? UINT64_MAX / dt_ms : delta * 1000 / dt_ms;
}

bool eng_sample_io(const struct eng_input *in, struct eng_dom *e)
{
    const struct eng_view *v = &e->in;
    bool was = e->io_busy;

    if (!v->io_read) {
        /* Unread for long (libxenstat failing): judged by CPU alone. */
        if (e->io_based && in->now_ms - e->io_sample_ms >= ENG_IO_STALE_MS) {
            e->io_based = e->io_rated = e->io_busy = false;
            e->net_kib_s = e->disk_req_s = 0;
        }
        return e->io_busy != was;
    }
    uint64_t dt_ms = in->now_ms - e->io_sample_ms;
    if (e->io_based && dt_ms == 0)
        return false;
    bool reset = v->io_net_bytes < e->io_prev_net_bytes || v->io_disk_reqs < e->io_prev_disk_reqs;
    if (e->io_based && !reset) {
        e->net_kib_s = per_s(v->io_net_bytes - e->io_prev_net_bytes, dt_ms) / 1024;
        e->disk_req_s = per_s(v->io_disk_reqs - e->io_prev_disk_reqs, dt_ms);
        e->io_rated = true;
    }
    e->io_prev_net_bytes = v->io_net_bytes;
    e->io_prev_disk_reqs = v->io_disk_reqs;
    e->io_sample_ms = in->now_ms;
    e->io_based = true;
    e->io_busy = e->io_rated && eng_io_busy(v->rule, e->net_kib_s, e->disk_req_s);
    return e->io_busy != was;
}
