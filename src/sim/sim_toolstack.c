/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What libxl does around the hypervisor, as seen in xenstore:
 *   - building a domain lays out /local/domain/<domid> as libxl__domain_make
 *     does: the directory and memory/, control/, cpu/ owned by dom0 and
 *     only readable by the guest (n0,r<domid>), data/ owned by the guest
 *     (n<domid>); then xenstored is told (@introduceDomain);
 *   - destroying removes the directory and fires @releaseDomain; the
 *     domain stays dying for SIM_DYING_MS, then its memory is free and
 *     @releaseDomain fires again;
 *   - a guest that shuts down or crashes stays, with its memory, and
 *     xenstored fires @releaseDomain; one shut down is destroyed
 *     SIM_SHUTDOWN_DESTROY_MS later (on_poweroff=destroy), one crashed
 *     waits for xl destroy (on_crash=preserve);
 *   - libxl_set_memory_target writes memory/target (KiB, no newline),
 *     libxl_domain_setmaxmem memory/static-max;
 *   - libxl_set_vcpuonline writes cpu/<n>/availability for every vcpu.
 * All of it is written as dom0, so the daemon's watches see it as on Xen.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "sim/sim_host.h"

static int put(struct sim_machine *m, uint32_t domid, const char *rel, const char *val)
{
    char path[PORT_PATH_MAX];

    snprintf(path, sizeof(path), "/local/domain/%u/%s", (unsigned)domid, rel);
    return sim_xs_write(&m->xs, 0, path, val, strlen(val));
}

static int put_u64(struct sim_machine *m, uint32_t domid, const char *rel, uint64_t v)
{
    char val[24];

    snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
    return put(m, domid, rel, val);
}

static int write_vcpus(struct sim_machine *m, const struct sim_dom *d)
{
    int rc = 0;

    for (unsigned i = 0; i < d->max_vcpus && rc == 0; i++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "cpu/%u/availability", i);
        /* What was last set, which a guest without hotplug does not follow. */
        unsigned avail = d->last_vcpus ? d->last_vcpus : d->online_vcpus;
        rc = put(m, d->domid, rel, i < avail ? "online" : "offline");
    }
    return rc;
}

/* The directory layout of one domain, and its first values. */
static int layout(struct sim_machine *m, const struct sim_dom *d)
{
    struct sim_xs_perms ro = {.e = {{0, SIM_XS_NONE}, {d->domid, SIM_XS_READ}}, .n = 2};
    struct sim_xs_perms rw = {.e = {{d->domid, SIM_XS_NONE}}, .n = 1};
    char home[PORT_PATH_MAX], data[PORT_PATH_MAX];
    int rc;

    snprintf(home, sizeof(home), "/local/domain/%u", (unsigned)d->domid);
    snprintf(data, sizeof(data), "/local/domain/%u/data", (unsigned)d->domid);
    rc = sim_xs_mkdir(&m->xs, 0, home);
    if (rc == 0 && d->domid != 0)
        rc = sim_xs_set_perms(&m->xs, 0, home, &ro);
    /* Children inherit the directory's n0,r<domid>. */
    if (rc == 0)
        rc = put(m, d->domid, "name", d->name);
    if (rc == 0)
        rc = put_u64(m, d->domid, "domid", d->domid);
    if (rc == 0)
        rc = put_u64(m, d->domid, "memory/static-max", d->maxmem_kib);
    if (rc == 0)
        rc = put_u64(m, d->domid, "memory/target", d->target_kib);
    if (rc == 0)
        rc = put(m, d->domid, "control", "");
    /* The guest's own control/feature-balloon, empty until its balloon
     * driver writes "1" (sim_ts_create). */
    if (rc == 0 && d->domid != 0)
        rc = put(m, d->domid, "control/feature-balloon", "");
    if (rc == 0 && d->domid != 0) {
        char fb[PORT_PATH_MAX];
        snprintf(fb, sizeof(fb), "/local/domain/%u/control/feature-balloon", (unsigned)d->domid);
        rc = sim_xs_set_perms(&m->xs, 0, fb, &rw);
    }
    if (rc == 0)
        rc = write_vcpus(m, d);
    if (rc == 0 && d->domid != 0) {
        rc = sim_xs_mkdir(&m->xs, 0, data);
        if (rc == 0)
            rc = sim_xs_set_perms(&m->xs, 0, data, &rw);
    }
    return rc;
}

int sim_ts_init(struct sim_machine *m, unsigned pcpus, uint64_t total_kib, uint64_t dom0_kib,
                const char *sched)
{
    int rc = sim_host_init(&m->host, pcpus, total_kib, dom0_kib, sched);

    if (rc == 0)
        rc = sim_xs_mkdir(&m->xs, 0, "/local/domain");
    if (rc == 0)
        rc = layout(m, m->host.dom[0]);
    return rc;
}

int sim_ts_create(struct sim_machine *m, const struct port_sim_domspec *spec, uint32_t *domid_out)
{
    struct sim_dom *d;
    int rc = sim_host_add(&m->host, spec, &d);

    if (rc != 0)
        return rc;
    rc = layout(m, d);
    if (rc != 0)
        return rc;
    /* Its balloon driver says it is there, as Linux's does at boot. */
    if (!d->no_balloon)
        rc = sim_ts_guest_balloon(m, d->domid, true);
    if (rc != 0)
        return rc;
    sim_xs_fire_special(&m->xs, "@introduceDomain");
    sim_log(&m->clock, PORT_SIM_LOG_INFO, "dom %u (%s): created, %llu MiB, %u/%u vcpus",
            (unsigned)d->domid, d->name, (unsigned long long)d->actual_kib / 1024, d->online_vcpus,
            d->max_vcpus);
    if (domid_out)
        *domid_out = d->domid;
    return 0;
}

int sim_ts_destroy(struct sim_machine *m, uint32_t domid)
{
    char home[PORT_PATH_MAX];
    struct sim_dom *d = sim_host_find(&m->host, domid);

    if (!d || (d->state != PORT_SIM_RUNNING && d->state != PORT_SIM_SHUTDOWN))
        return PLM_ENOENT;
    if (domid == 0)
        return PLM_EINVAL;
    d->state = PORT_SIM_DYING;
    d->gone_at_ms = m->clock.now_ms + SIM_DYING_MS;
    d->cpu_used = 0;
    snprintf(home, sizeof(home), "/local/domain/%u", (unsigned)domid);
    sim_xs_rm(&m->xs, 0, home);
    sim_xs_fire_special(&m->xs, "@releaseDomain");
    sim_log(&m->clock, PORT_SIM_LOG_INFO, "dom %u (%s): destroyed", (unsigned)domid, d->name);
    return 0;
}

int sim_ts_shutdown(struct sim_machine *m, uint32_t domid, bool crash)
{
    struct sim_dom *d;
    int rc = sim_host_live(&m->host, domid, &d);

    if (rc != 0 || domid == 0)
        return rc ? rc : PLM_EINVAL;
    d->state = PORT_SIM_SHUTDOWN;
    d->crashed = crash;
    d->changed_unread = true;
    d->cpu_used = 0;
    d->gone_at_ms = crash ? 0 : m->clock.now_ms + SIM_SHUTDOWN_DESTROY_MS;
    sim_xs_fire_special(&m->xs, "@releaseDomain");
    sim_log(&m->clock, PORT_SIM_LOG_INFO, "dom %u (%s): %s", (unsigned)domid, d->name,
            crash ? "crashed (preserved)" : "shut down");
    return 0;
}

uint64_t sim_ts_reap(struct sim_machine *m)
{
    uint64_t next = UINT64_MAX;

    for (size_t i = 0; i < m->host.ndom; i++) {
        struct sim_dom *d = m->host.dom[i];
        if (d->state == PORT_SIM_SHUTDOWN && d->gone_at_ms) {
            if (d->gone_at_ms > m->clock.now_ms) {
                next = d->gone_at_ms < next ? d->gone_at_ms : next;
                continue;
            }
            sim_ts_destroy(m, d->domid); /* dying now, due SIM_DYING_MS later */
            next = d->gone_at_ms < next ? d->gone_at_ms : next;
            continue;
        }
        if (d->state != PORT_SIM_DYING)
            continue;
        if (d->gone_at_ms > m->clock.now_ms) {
            next = d->gone_at_ms < next ? d->gone_at_ms : next;
            continue;
        }
        d->state = PORT_SIM_GONE;
        sim_xs_fire_special(&m->xs, "@releaseDomain");
        sim_log(&m->clock, PORT_SIM_LOG_INFO, "dom %u (%s): gone, %llu MiB released",
                (unsigned)d->domid, d->name, (unsigned long long)d->actual_kib / 1024);
    }
    return next;
}

int sim_ts_set_target(struct sim_machine *m, uint32_t domid, uint64_t target_kib)
{
    int rc = sim_host_set_target(&m->host, domid, target_kib);

    return rc ? rc : put_u64(m, domid, "memory/target", target_kib);
}

int sim_ts_set_maxmem(struct sim_machine *m, uint32_t domid, uint64_t maxmem_kib)
{
    int rc = sim_host_set_maxmem(&m->host, domid, maxmem_kib);

    if (rc == 0)
        sim_host_find(&m->host, domid)->changed_unread = true;
    return rc ? rc : put_u64(m, domid, "memory/static-max", maxmem_kib);
}

int sim_ts_set_max_vcpus(struct sim_machine *m, uint32_t domid, unsigned max_vcpus)
{
    struct sim_dom *d = sim_host_find(&m->host, domid);
    unsigned was = d ? d->max_vcpus : 0;
    int rc = sim_host_set_max_vcpus(&m->host, domid, max_vcpus);

    if (rc == 0)
        d->changed_unread = true;

    /* cpu/<n> of the vcpus it lost go; those it gained are written. */
    for (unsigned i = max_vcpus; rc == 0 && i < was; i++) {
        char path[PORT_PATH_MAX];
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u", (unsigned)domid, i);
        rc = sim_xs_rm(&m->xs, 0, path);
    }
    return rc ? rc : write_vcpus(m, d);
}

int sim_ts_guest_balloon(struct sim_machine *m, uint32_t domid, bool on)
{
    char path[PORT_PATH_MAX];

    /* As the guest: its driver writes "1"; gone, "0" (removing the key
     * would be for good: a guest may not create a node in control/). */
    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-balloon", (unsigned)domid);
    return sim_xs_write(&m->xs, domid, path, on ? "1" : "0", 1);
}

int sim_ts_set_vcpus(struct sim_machine *m, uint32_t domid, unsigned online)
{
    int rc = sim_host_set_vcpus(&m->host, domid, online);

    return rc ? rc : write_vcpus(m, sim_host_find(&m->host, domid));
}
