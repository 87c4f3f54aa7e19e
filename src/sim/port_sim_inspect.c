/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port_sim.h's window into a simulated host: counters and domain records
 * for tests to assert on, and the levers tests pull in place of a scenario
 * line (guest writes, domain creation and destruction, balloon behaviour,
 * the clock).  Each entry point first checks that the port is simulated.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "sim/sim.h"

/* The simulated host behind p, brought up to real time; NULL for a port
 * of another kind. */
static struct sim *synced(struct port *p)
{
    struct sim *s = sim_of(p);

    if (s)
        sim_sync(&s->pl);
    return s;
}

/* The running guest domid (dom0 is not scripted): 0, PLM_EINVAL for a port
 * of another kind, PLM_ENOENT. */
static int live_guest(struct port *p, uint32_t domid, struct sim **sp, struct sim_dom **d)
{
    struct sim *s = synced(p);

    *sp = s;
    if (!s)
        return PLM_EINVAL;
    if (domid == 0 || sim_host_live(&s->pl.m.host, domid, d) != 0)
        return PLM_ENOENT;
    return 0;
}

uint64_t port_sim_refused_foreseeable(const struct port_sim_stats *st)
{
    static const enum port_sim_op ops[] = {PORT_SIM_OP_MEM_TARGET_SET, PORT_SIM_OP_SCHED_SET,
                                           PORT_SIM_OP_VCPUS_SET};
    uint64_t n = 0;

    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        const struct port_sim_opstat *o = &st->op[ops[i]];
        n += o->failures - o->injected - o->absent;
    }
    return n - st->refused_unread;
}

int port_sim_stats(struct port *p, struct port_sim_stats *out)
{
    struct sim *s = out ? synced(p) : NULL;

    if (!s)
        return PLM_EINVAL;
    *out = s->pl.st;
    out->events_fired = s->pl.m.xs.c.fired;
    out->events_delivered = s->pl.m.xs.c.delivered;
    out->events_coalesced = s->pl.m.xs.c.coalesced;
    out->events_overflowed = s->pl.m.xs.c.overflowed;
    out->event_queue_peak = s->pl.m.xs.c.queue_peak;
    out->free_kib = sim_host_free_kib(&s->pl.m.host);
    out->min_free_kib = s->pl.m.host.min_free_kib;
    out->now_ms = s->pl.m.clock.now_ms;
    return 0;
}

/* *out from d: 0, or PLM_ENOENT when there is no d. */
static int fill(const struct sim_dom *d, struct port_sim_domain *out)
{
    if (!d)
        return PLM_ENOENT;
    memset(out, 0, sizeof(*out));
    sim_host_fill_info(d, &out->info);
    out->state = d->state;
    out->weight = d->weight;
    out->cap = d->cap;
    out->floor_kib = d->floor_kib;
    out->balloon_kib_s = d->balloon_kib_s;
    out->stuck = d->stuck;
    out->no_balloon = d->no_balloon;
    out->no_hotplug = d->no_hotplug;
    out->paused = d->paused;
    out->crashed = d->crashed;
    out->cpu_demand = d->cpu_demand;
    out->cpu_used = d->cpu_used;
    out->sched_calls = d->sched_calls;
    out->vcpus_calls = d->vcpus_calls;
    out->mem_calls = d->mem_calls;
    out->affinity_calls = d->affinity_calls;
    out->last_weight = d->last_weight;
    out->last_cap = d->last_cap;
    out->last_vcpus = d->last_vcpus;
    out->last_target_kib = d->last_target_kib;
    out->changed_unread = d->changed_unread;
    out->refused_calls = d->refused_calls;
    out->refused_unread = d->refused_unread;
    out->guest_seq = d->guest_seq;
    out->guest_writes = d->guest_writes;
    out->guest_refused = d->guest_refused;
    return 0;
}

int port_sim_domain_by_name(struct port *p, const char *name, struct port_sim_domain *out)
{
    struct sim *s = name && out ? synced(p) : NULL;

    return s ? fill(sim_host_find_name(&s->pl.m.host, name), out) : PLM_EINVAL;
}

int port_sim_vcpu_affinity(struct port *p, uint32_t domid, unsigned vcpu, struct plm_cpumap *hard,
                           struct plm_cpumap *soft)
{
    struct sim *s = hard && soft ? synced(p) : NULL;
    const struct sim_dom *d = s ? sim_host_find(&s->pl.m.host, domid) : NULL;

    if (!s)
        return PLM_EINVAL;
    if (!d)
        return PLM_ENOENT;
    if (vcpu >= d->max_vcpus)
        return PLM_EINVAL;
    sim_host_affinity(&s->pl.m.host, d, vcpu, hard, soft);
    return 0;
}

int port_sim_domain_by_id(struct port *p, uint32_t domid, struct port_sim_domain *out)
{
    struct sim *s = out ? synced(p) : NULL;

    return s ? fill(sim_host_find(&s->pl.m.host, domid), out) : PLM_EINVAL;
}

int port_sim_guest_write(struct port *p, uint32_t domid, const char *path, const char *value,
                         size_t len)
{
    struct sim *s = synced(p);

    return s ? sim_guest_write(&s->pl, domid, path, value, len) : PLM_EINVAL;
}

int port_sim_guest_read(struct port *p, uint32_t domid, const char *path, char *buf, size_t cap,
                        size_t *len_out)
{
    struct sim *s;
    struct sim_dom *d;
    int rc = live_guest(p, domid, &s, &d);

    return rc ? rc : sim_xs_read(&s->pl.m.xs, domid, path, buf, cap, len_out);
}

int port_sim_guest_rm(struct port *p, uint32_t domid, const char *path)
{
    struct sim *s = synced(p);

    return s ? sim_guest_rm(&s->pl, domid, path) : PLM_EINVAL;
}

int port_sim_guest_request(struct port *p, uint32_t domid, const struct proto_request *r)
{
    struct sim *s = synced(p);

    return s ? sim_guest_request(&s->pl, domid, r) : PLM_EINVAL;
}

int port_sim_xs_perms(struct port *p, const char *path, char *buf, size_t size)
{
    struct sim *s = sim_of(p);

    return s ? sim_xs_perms_string(&s->pl.m.xs, path, buf, size) : PLM_EINVAL;
}

int port_sim_create_domain(struct port *p, const struct port_sim_domspec *spec, uint32_t *domid_out)
{
    struct sim *s = spec ? synced(p) : NULL;

    return s ? sim_ts_create(&s->pl.m, spec, domid_out) : PLM_EINVAL;
}

int port_sim_destroy_domain(struct port *p, uint32_t domid)
{
    struct sim *s = synced(p);

    return s ? sim_ts_destroy(&s->pl.m, domid) : PLM_EINVAL;
}

/* What a setter changes in a running guest. */
enum knob { KNOB_STUCK, KNOB_FLOOR, KNOB_DEMAND, KNOB_RATE };

/* Set one knob of the running guest domid (dom0 is not scripted). */
static int set_knob(struct port *p, uint32_t domid, enum knob k, uint64_t v)
{
    struct sim *s;
    struct sim_dom *d;
    int rc = live_guest(p, domid, &s, &d);

    if (rc)
        return rc;
    switch (k) {
    case KNOB_STUCK:
        d->stuck = v != 0;
        break;
    case KNOB_FLOOR:
        d->floor_kib = v;
        break;
    case KNOB_DEMAND:
        d->cpu_demand = (unsigned)v;
        break;
    case KNOB_RATE:
        if (v == 0)
            return PLM_EINVAL;
        d->balloon_kib_s = v;
        break;
    }
    return 0;
}

int port_sim_set_stuck(struct port *p, uint32_t domid, bool stuck)
{
    return set_knob(p, domid, KNOB_STUCK, stuck);
}

int port_sim_set_floor(struct port *p, uint32_t domid, uint64_t floor_kib)
{
    return set_knob(p, domid, KNOB_FLOOR, floor_kib);
}

int port_sim_set_demand(struct port *p, uint32_t domid, unsigned pct)
{
    return set_knob(p, domid, KNOB_DEMAND, pct);
}

int port_sim_set_balloon_rate(struct port *p, uint32_t domid, uint64_t kib_s)
{
    return set_knob(p, domid, KNOB_RATE, kib_s);
}

int port_sim_disconnect(struct port *p)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    s->pl.disconnected = true;
    sim_xs_drop_events(&s->pl.m.xs);
    return 0;
}

int port_sim_advance(struct port *p, uint64_t ms)
{
    struct sim *s = synced(p);

    if (!s)
        return PLM_EINVAL;
    sim_run(&s->pl, s->pl.m.clock.now_ms + ms, false);
    /* At speed > 0 the real clock must not pull virtual time back. */
    sim_clock_skip(&s->pl.m.clock, ms);
    return 0;
}

int port_sim_wake_at(struct port *p, uint64_t ms)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    s->wake_ms = ms;
    return 0;
}

bool port_sim_finished(struct port *p)
{
    struct sim *s = synced(p);

    return s && s->pl.finished;
}

int port_sim_set_log(struct port *p, port_sim_log_fn fn, void *ctx)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    s->pl.m.clock.log = fn;
    s->pl.m.clock.log_ctx = ctx;
    return 0;
}

uint64_t port_sim_clock_ms(struct port *p)
{
    struct sim *s = sim_of(p);

    return s ? s->pl.m.clock.now_ms : 0;
}

int port_sim_script_span(struct port *p, uint64_t *last_event_ms, bool *has_end)
{
    struct sim *s = sim_of(p);
    const struct sim_scenario *scn;

    if (!s)
        return PLM_EINVAL;
    scn = &s->pl.scn;
    *last_event_ms = scn->nev ? scn->ev[scn->nev - 1].at_ms : 0;
    *has_end = scn->nev && scn->ev[scn->nev - 1].act == SIM_ACT_END;
    return 0;
}
