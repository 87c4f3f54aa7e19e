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

int port_sim_stats(struct port *p, struct port_sim_stats *out)
{
    struct sim *s = sim_of(p);

    if (!s || !out)
        return PLM_EINVAL;
    sim_sync(&s->pl);
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

static void fill(const struct sim_dom *d, struct port_sim_domain *out)
{
    memset(out, 0, sizeof(*out));
    sim_host_fill_info(d, &out->info);
    out->state = d->state;
    out->weight = d->weight;
    out->cap = d->cap;
    out->floor_kib = d->floor_kib;
    out->balloon_kib_s = d->balloon_kib_s;
    out->stuck = d->stuck;
    out->cpu_demand = d->cpu_demand;
    out->cpu_used = d->cpu_used;
    out->sched_calls = d->sched_calls;
    out->vcpus_calls = d->vcpus_calls;
    out->mem_calls = d->mem_calls;
    out->last_weight = d->last_weight;
    out->last_cap = d->last_cap;
    out->last_vcpus = d->last_vcpus;
    out->last_target_kib = d->last_target_kib;
    out->guest_seq = d->guest_seq;
    out->guest_writes = d->guest_writes;
    out->guest_refused = d->guest_refused;
}

int port_sim_domain_by_name(struct port *p, const char *name, struct port_sim_domain *out)
{
    struct sim *s = sim_of(p);
    const struct sim_dom *d;

    if (!s || !name || !out)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    d = sim_host_find_name(&s->pl.m.host, name);
    if (!d)
        return PLM_ENOENT;
    fill(d, out);
    return 0;
}

int port_sim_domain_by_id(struct port *p, uint32_t domid, struct port_sim_domain *out)
{
    struct sim *s = sim_of(p);
    const struct sim_dom *d;

    if (!s || !out)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    d = sim_host_find(&s->pl.m.host, domid);
    if (!d)
        return PLM_ENOENT;
    fill(d, out);
    return 0;
}

int port_sim_guest_write(struct port *p, uint32_t domid, const char *path, const char *value,
                         size_t len)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    return sim_guest_write(&s->pl, domid, path, value, len);
}

int port_sim_guest_read(struct port *p, uint32_t domid, const char *path, char *buf, size_t cap,
                        size_t *len_out)
{
    struct sim *s = sim_of(p);
    struct sim_dom *d;

    if (!s)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    if (domid == 0 || sim_host_live(&s->pl.m.host, domid, &d) != 0)
        return PLM_ENOENT;
    return sim_xs_read(&s->pl.m.xs, domid, path, buf, cap, len_out);
}

int port_sim_guest_rm(struct port *p, uint32_t domid, const char *path)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    return sim_guest_rm(&s->pl, domid, path);
}

int port_sim_guest_request(struct port *p, uint32_t domid, const struct proto_request *r)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    return sim_guest_request(&s->pl, domid, r);
}

int port_sim_xs_perms(struct port *p, const char *path, char *buf, size_t size)
{
    struct sim *s = sim_of(p);

    return s ? sim_xs_perms_string(&s->pl.m.xs, path, buf, size) : PLM_EINVAL;
}

int port_sim_create_domain(struct port *p, const struct port_sim_domspec *spec, uint32_t *domid_out)
{
    struct sim *s = sim_of(p);

    if (!s || !spec)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    return sim_ts_create(&s->pl.m, spec, domid_out);
}

int port_sim_destroy_domain(struct port *p, uint32_t domid)
{
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    sim_sync(&s->pl);
    return sim_ts_destroy(&s->pl.m, domid);
}

/* The running guest domid, for the setters; dom0 is not scripted. */
static struct sim_dom *guest(struct port *p, uint32_t domid)
{
    struct sim *s = sim_of(p);
    struct sim_dom *d;

    if (!s || domid == 0)
        return NULL;
    sim_sync(&s->pl);
    return sim_host_live(&s->pl.m.host, domid, &d) == 0 ? d : NULL;
}

int port_sim_set_stuck(struct port *p, uint32_t domid, bool stuck)
{
    struct sim_dom *d = guest(p, domid);

    if (!d)
        return sim_of(p) ? PLM_ENOENT : PLM_EINVAL;
    d->stuck = stuck;
    return 0;
}

int port_sim_set_floor(struct port *p, uint32_t domid, uint64_t floor_kib)
{
    struct sim_dom *d = guest(p, domid);

    if (!d)
        return sim_of(p) ? PLM_ENOENT : PLM_EINVAL;
    d->floor_kib = floor_kib;
    return 0;
}

int port_sim_set_demand(struct port *p, uint32_t domid, unsigned pct)
{
    struct sim_dom *d = guest(p, domid);

    if (!d)
        return sim_of(p) ? PLM_ENOENT : PLM_EINVAL;
    d->cpu_demand = pct;
    return 0;
}

int port_sim_set_balloon_rate(struct port *p, uint32_t domid, uint64_t kib_s)
{
    struct sim_dom *d = guest(p, domid);

    if (!d)
        return sim_of(p) ? PLM_ENOENT : PLM_EINVAL;
    if (kib_s == 0)
        return PLM_EINVAL;
    d->balloon_kib_s = kib_s;
    return 0;
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
    struct sim *s = sim_of(p);

    if (!s)
        return PLM_EINVAL;
    sim_sync(&s->pl);
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
    struct sim *s = sim_of(p);

    if (s)
        sim_sync(&s->pl);
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
