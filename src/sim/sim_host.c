/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's hypervisor: domains, their memory and CPU, libxl's
 * argument checks, and the physics the daemon cannot control:
 *   - a balloon moves actual memory toward the target at its own rate, may
 *     be stuck, refuses to shrink below the guest's floor, and grows only
 *     out of memory Xen has free (like populate_physmap failing, it stays
 *     behind its target rather than overcommit), so free memory never goes
 *     below zero;
 *   - CPU time grows by what the credit scheduler gives each domain:
 *     min(demand, cap, online vcpus x 100%), and when the pCPUs are
 *     oversubscribed a share proportional to weight (work-conserving:
 *     what one domain does not use goes to the others).
 * Memory is KiB, CPU hundredths of a pCPU.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sim/sim_host.h"

#define SIM_MAX_VCPUS 512      /* Xen's limit for a PV guest */
#define SIM_MAX_DEMAND 1000000 /* hundredths of a pCPU: 10000 pCPUs */

static uint64_t fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Deterministic from the name, as a domain built from the same config
 * file keeps its uuid; shaped like a random (version 4) uuid. */
static void make_uuid(const char *name, char out[PORT_UUID_LEN])
{
    uint64_t a = fnv1a(name, 0xcbf29ce484222325ull);
    uint64_t b = fnv1a(name, a ^ 0x9e3779b97f4a7c15ull);

    snprintf(out, PORT_UUID_LEN, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffffu, (unsigned)a & 0xfffu,
             ((unsigned)(b >> 48) & 0x3fffu) | 0x8000u,
             (unsigned long long)(b & 0xffffffffffffull));
}

bool sim_host_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n >= PORT_NAME_MAX || strcmp(name, "Domain-0") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
            return false;
    }
    return true;
}

int sim_fault_take(struct port_sim_fault *f, uint64_t now_ms)
{
    if (f->count > 0)
        f->count--;
    else if (now_ms >= f->until_ms)
        return 0;
    f->injected++;
    return f->rc;
}

uint64_t sim_host_free_kib(const struct sim_host *h)
{
    uint64_t used = 0;

    for (size_t i = 0; i < h->ndom; i++)
        if (h->dom[i]->state != PORT_SIM_GONE)
            used += h->dom[i]->actual_kib;
    /* The physics never lets used exceed total; clamp rather than wrap. */
    return used < h->total_kib ? h->total_kib - used : 0;
}

void sim_host_observe(struct sim_host *h)
{
    uint64_t f = sim_host_free_kib(h);

    if (f < h->min_free_kib)
        h->min_free_kib = f;
}

struct sim_dom *sim_host_find(const struct sim_host *h, uint32_t domid)
{
    for (size_t i = 0; i < h->ndom; i++)
        if (h->dom[i]->domid == domid)
            return h->dom[i];
    return NULL;
}

struct sim_dom *sim_host_find_name(const struct sim_host *h, const char *name)
{
    struct sim_dom *gone = NULL;

    for (size_t i = 0; i < h->ndom; i++) {
        struct sim_dom *d = h->dom[i];
        if (strcmp(d->name, name) != 0)
            continue;
        if (d->state != PORT_SIM_GONE)
            return d;
        gone = d;
    }
    return gone;
}

int sim_host_live(const struct sim_host *h, uint32_t domid, struct sim_dom **out)
{
    struct sim_dom *d = sim_host_find(h, domid);

    if (!d || d->state != PORT_SIM_RUNNING)
        return PLM_ENOENT;
    *out = d;
    return 0;
}

static int why(char *buf, size_t len, const char *text)
{
    if (buf && len)
        snprintf(buf, len, "%s", text);
    return PLM_EINVAL;
}

int sim_host_check_spec(const struct sim_host *h, const struct port_sim_domspec *s, char *w,
                        size_t wlen)
{
    const struct sim_dom *same;

    if (!sim_host_name_valid(s->name))
        return why(w, wlen, "bad name");
    same = sim_host_find_name(h, s->name);
    if (same && same->state != PORT_SIM_GONE)
        return why(w, wlen, "a domain of that name exists");
    if (s->mem_kib == 0 || s->mem_kib > s->maxmem_kib)
        return why(w, wlen, "memory must be 1..maxmem");
    if (s->maxmem_kib > h->total_kib)
        return why(w, wlen, "maxmem above host memory");
    if (s->floor_kib > s->maxmem_kib)
        return why(w, wlen, "floor above maxmem");
    if (s->max_vcpus < 1 || s->max_vcpus > SIM_MAX_VCPUS)
        return why(w, wlen, "maxvcpus must be 1..512");
    if (s->vcpus < 1 || s->vcpus > s->max_vcpus)
        return why(w, wlen, "vcpus must be 1..maxvcpus");
    if (s->weight < PORT_WEIGHT_MIN || s->weight > PORT_WEIGHT_MAX)
        return why(w, wlen, "weight must be 1..65535");
    if (s->cap > 100 * s->max_vcpus)
        return why(w, wlen, "cap above 100 x maxvcpus");
    if (s->balloon_kib_s == 0)
        return why(w, wlen, "balloon rate must be positive");
    if (s->cpu_demand > SIM_MAX_DEMAND)
        return why(w, wlen, "cpu demand too large");
    return 0;
}

static struct sim_dom *append(struct sim_host *h)
{
    struct sim_dom *d;

    if (h->ndom == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        struct sim_dom **v = realloc(h->dom, cap * sizeof(*v));
        if (!v)
            return NULL;
        h->dom = v;
        h->cap = cap;
    }
    d = calloc(1, sizeof(*d));
    if (d)
        h->dom[h->ndom++] = d;
    return d;
}

static void from_spec(struct sim_dom *d, const struct port_sim_domspec *s)
{
    snprintf(d->name, sizeof(d->name), "%s", s->name);
    make_uuid(d->name, d->uuid);
    d->max_vcpus = s->max_vcpus;
    d->online_vcpus = s->vcpus;
    d->weight = (int)s->weight;
    d->cap = (int)s->cap;
    d->cpu_demand = s->cpu_demand;
    d->maxmem_kib = s->maxmem_kib;
    d->target_kib = d->actual_kib = s->mem_kib;
    d->floor_kib = s->floor_kib;
    d->balloon_kib_s = s->balloon_kib_s;
    d->stuck = s->stuck;
    d->no_balloon = s->no_balloon;
    d->no_hotplug = s->no_hotplug;
    d->type = s->type == PORT_DOM_UNKNOWN ? PORT_DOM_PV : s->type;
    d->last_weight = d->last_cap = -1;
}

int sim_host_add(struct sim_host *h, const struct port_sim_domspec *s, struct sim_dom **out)
{
    struct sim_dom *d;
    int rc = sim_host_check_spec(h, s, NULL, 0);

    if (rc != 0)
        return rc;
    if (s->mem_kib > sim_host_free_kib(h))
        return PLM_ENOMEM;
    d = append(h);
    if (!d)
        return PLM_ENOMEM;
    from_spec(d, s);
    d->domid = h->next_domid++;
    sim_host_observe(h);
    if (out)
        *out = d;
    return 0;
}

int sim_host_init(struct sim_host *h, unsigned pcpus, uint64_t total_kib, uint64_t dom0_kib,
                  const char *sched)
{
    struct sim_dom *d;

    memset(h, 0, sizeof(*h));
    if (pcpus == 0 || dom0_kib == 0 || dom0_kib >= total_kib)
        return PLM_EINVAL;
    h->pcpus = pcpus;
    h->total_kib = total_kib;
    h->min_free_kib = total_kib;
    snprintf(h->sched, sizeof(h->sched), "%s", sched ? sched : "credit");
    d = append(h);
    if (!d)
        return PLM_ENOMEM;
    /* Domain-0 as xl shows it: all pCPUs, its memory fixed (dom0_mem=X,max:X). */
    snprintf(d->name, sizeof(d->name), "Domain-0");
    snprintf(d->uuid, sizeof(d->uuid), "00000000-0000-0000-0000-000000000000");
    d->max_vcpus = d->online_vcpus = pcpus;
    d->weight = PORT_WEIGHT_DEFAULT;
    d->maxmem_kib = d->target_kib = d->actual_kib = dom0_kib;
    d->balloon_kib_s = 256 * 1024;
    d->last_weight = d->last_cap = -1;
    h->next_domid = 1;
    sim_host_observe(h);
    return 0;
}

void sim_host_dispose(struct sim_host *h)
{
    for (size_t i = 0; i < h->ndom; i++) {
        free(h->dom[i]->affinity);
        free(h->dom[i]);
    }
    free(h->dom);
    memset(h, 0, sizeof(*h));
}

int sim_host_set_sched(struct sim_host *h, uint32_t domid, int weight, int cap)
{
    struct sim_dom *d = sim_host_find(h, domid);

    /* Counted even when it fails: tests look for calls that should not be made. */
    if (d)
        d->sched_calls++;
    if (!d || d->state != PORT_SIM_RUNNING)
        return PLM_ENOENT;
    /* libxl: "Cpu weight out of range, valid values are within range from 1 to 65535". */
    if (weight != -1 && (weight < PORT_WEIGHT_MIN || weight > PORT_WEIGHT_MAX))
        return PLM_EINVAL;
    /* libxl: "Cpu cap out of range, valid range is from 0 to <100 x vcpus>". */
    if (cap != -1 && (cap < 0 || (unsigned)cap > 100 * d->max_vcpus))
        return PLM_EINVAL;
    if (weight != -1)
        d->weight = d->last_weight = weight;
    if (cap != -1)
        d->cap = d->last_cap = cap;
    return 0;
}

/* The host's pCPUs, as far as a map can name them. */
static unsigned map_cpus(const struct sim_host *h)
{
    return h->pcpus < PLM_CPUMAP_BITS ? h->pcpus : PLM_CPUMAP_BITS;
}

int sim_host_set_affinity(struct sim_host *h, uint32_t domid, unsigned max_vcpus,
                          const struct plm_cpumap *hard, const struct plm_cpumap *soft)
{
    struct sim_dom *d = sim_host_find(h, domid);
    struct plm_cpumap m[2];
    const struct plm_cpumap *side[2] = {hard, soft};

    if (d)
        d->affinity_calls++;
    if (!d || d->state != PORT_SIM_RUNNING)
        return PLM_ENOENT;
    /* libxl: "Failed setting vcpu affinity" for a vcpu the domain lacks. */
    if (max_vcpus < 1 || max_vcpus > d->max_vcpus)
        return PLM_EINVAL;
    for (int k = 0; k < 2; k++) {
        if (!side[k])
            continue;
        m[k] = *side[k];
        plm_cpumap_clamp(&m[k], map_cpus(h));
        /* Xen: EINVAL for a hard affinity with no online pCPU. */
        if (k == 0 && plm_cpumap_empty(&m[k]))
            return PLM_EINVAL;
    }
    if (!d->affinity) {
        d->affinity = calloc(2 * (size_t)d->max_vcpus, sizeof(*d->affinity));
        if (!d->affinity)
            return PLM_ENOMEM;
        for (size_t i = 0; i < 2 * (size_t)d->max_vcpus; i++)
            plm_cpumap_first(&d->affinity[i], map_cpus(h));
    }
    for (unsigned v = 0; v < max_vcpus; v++)
        for (int k = 0; k < 2; k++)
            if (side[k])
                d->affinity[2 * v + (unsigned)k] = m[k];
    return 0;
}

void sim_host_affinity(const struct sim_host *h, const struct sim_dom *d, unsigned vcpu,
                       struct plm_cpumap *hard, struct plm_cpumap *soft)
{
    if (!d->affinity || vcpu >= d->max_vcpus) {
        plm_cpumap_first(hard, map_cpus(h));
        *soft = *hard;
        return;
    }
    *hard = d->affinity[2 * vcpu];
    *soft = d->affinity[2 * vcpu + 1];
}

int sim_host_set_vcpus(struct sim_host *h, uint32_t domid, unsigned online)
{
    struct sim_dom *d = sim_host_find(h, domid);

    if (d)
        d->vcpus_calls++;
    if (!d || d->state != PORT_SIM_RUNNING)
        return PLM_ENOENT;
    if (online < 1 || online > d->max_vcpus)
        return PLM_EINVAL;
    /* A guest without vcpu hotplug keeps what it has online. */
    d->last_vcpus = online;
    if (!d->no_hotplug)
        d->online_vcpus = online;
    return 0;
}

int sim_host_set_target(struct sim_host *h, uint32_t domid, uint64_t target_kib)
{
    struct sim_dom *d = sim_host_find(h, domid);

    if (d)
        d->mem_calls++;
    if (!d || d->state != PORT_SIM_RUNNING)
        return PLM_ENOENT;
    /* libxl: "memory_dynamic_max must be less than or equal to memory_static_max". */
    if (target_kib > d->maxmem_kib)
        return PLM_EINVAL;
    d->target_kib = d->last_target_kib = target_kib;
    return 0;
}

/* Weighted water-filling of the pCPUs among what each domain can use. */
static void share_cpu(struct sim_host *h, uint64_t dt_ms)
{
    int64_t left = (int64_t)h->pcpus * 100 * 1000;
    bool more = true;

    for (size_t i = 0; i < h->ndom; i++) {
        struct sim_dom *d = h->dom[i];
        int64_t want = d->cpu_demand;
        if (d->cap > 0 && d->cap < want)
            want = d->cap;
        if ((int64_t)d->online_vcpus * 100 < want)
            want = (int64_t)d->online_vcpus * 100;
        d->want_m = d->state == PORT_SIM_RUNNING && !d->paused ? want * 1000 : 0;
        d->got_m = 0;
    }
    while (more && left > 0) {
        int64_t weights = 0, given = 0;
        for (size_t i = 0; i < h->ndom; i++)
            if (h->dom[i]->got_m < h->dom[i]->want_m)
                weights += h->dom[i]->weight;
        if (weights == 0)
            break;
        /* Satisfy everyone whose need fits their share; if nobody's does,
         * hand out the shares and stop. */
        more = false;
        for (size_t i = 0; i < h->ndom; i++) {
            struct sim_dom *d = h->dom[i];
            int64_t need = d->want_m - d->got_m;
            if (need > 0 && need <= left * d->weight / weights) {
                d->got_m += need;
                given += need;
                more = true;
            }
        }
        if (!more) {
            for (size_t i = 0; i < h->ndom; i++) {
                struct sim_dom *d = h->dom[i];
                if (d->got_m < d->want_m)
                    d->got_m += left * d->weight / weights;
            }
        }
        left -= given;
    }
    for (size_t i = 0; i < h->ndom; i++) {
        struct sim_dom *d = h->dom[i];
        d->cpu_used = (unsigned)(d->got_m / 1000);
        /* A thousandth of a hundredth of a pCPU for 1 ms is 10 ns. */
        d->cpu_time_ns += (uint64_t)d->got_m * dt_ms * 10;
    }
}

static void move_balloon(struct sim_host *h, struct sim_dom *d, uint64_t dt_ms, bool shrink)
{
    uint64_t goal = d->target_kib, step, room;

    if (d->state != PORT_SIM_RUNNING || d->paused || d->stuck || d->no_balloon) {
        d->carry = 0;
        return;
    }
    /* The guest does not give up memory below its floor. */
    if (goal < d->actual_kib && goal < d->floor_kib)
        goal = d->floor_kib < d->actual_kib ? d->floor_kib : d->actual_kib;
    if (goal == d->actual_kib) {
        d->carry = 0;
        return;
    }
    if ((goal < d->actual_kib) != shrink)
        return; /* the other pass moves it */
    d->carry += d->balloon_kib_s * dt_ms;
    step = d->carry / 1000;
    d->carry %= 1000;
    if (shrink) {
        room = d->actual_kib - goal;
    } else {
        uint64_t free_kib = sim_host_free_kib(h);
        room = goal - d->actual_kib;
        room = room < free_kib ? room : free_kib;
    }
    if (step >= room) {
        /* Reached the goal, or blocked by free memory: no credit banked. */
        step = room;
        d->carry = 0;
    }
    d->actual_kib = shrink ? d->actual_kib - step : d->actual_kib + step;
}

int sim_host_set_maxmem(struct sim_host *h, uint32_t domid, uint64_t maxmem_kib)
{
    struct sim_dom *d;
    int rc = sim_host_live(h, domid, &d);

    if (rc != 0)
        return rc;
    if (maxmem_kib < d->target_kib || maxmem_kib > h->total_kib)
        return PLM_EINVAL;
    d->maxmem_kib = maxmem_kib;
    return 0;
}

int sim_host_set_max_vcpus(struct sim_host *h, uint32_t domid, unsigned max_vcpus)
{
    struct sim_dom *d;
    int rc = sim_host_live(h, domid, &d);

    if (rc != 0)
        return rc;
    if (max_vcpus < 1)
        return PLM_EINVAL;
    if (d->affinity && max_vcpus != d->max_vcpus) {
        struct plm_cpumap *a = realloc(d->affinity, 2 * (size_t)max_vcpus * sizeof(*a));
        if (!a)
            return PLM_ENOMEM;
        for (size_t i = 2 * (size_t)d->max_vcpus; i < 2 * (size_t)max_vcpus; i++)
            plm_cpumap_first(&a[i], map_cpus(h));
        d->affinity = a;
    }
    d->max_vcpus = max_vcpus;
    if (d->online_vcpus > max_vcpus)
        d->online_vcpus = max_vcpus;
    if (d->last_vcpus > max_vcpus)
        d->last_vcpus = max_vcpus;
    return 0;
}

uint64_t sim_host_grow(struct sim_host *h, struct sim_dom *d, uint64_t kib)
{
    uint64_t free_kib = sim_host_free_kib(h);
    uint64_t room = d->maxmem_kib > d->actual_kib ? d->maxmem_kib - d->actual_kib : 0;

    if (kib > room)
        kib = room;
    if (kib > free_kib)
        kib = free_kib;
    d->actual_kib += kib;
    d->carry = 0;
    sim_host_observe(h);
    return kib;
}

/* A running guest's workload moves its data; a paused one does nothing. */
static void do_io(struct sim_dom *d, uint64_t dt_ms)
{
    if (d->state != PORT_SIM_RUNNING || d->paused)
        return;
    d->net_mbytes += d->net_kib_s * 1024 * dt_ms;
    d->disk_mreqs += d->disk_req_s * dt_ms;
}

void sim_host_step(struct sim_host *h, uint64_t dt_ms)
{
    share_cpu(h, dt_ms);
    for (size_t i = 0; i < h->ndom; i++)
        do_io(h->dom[i], dt_ms);
    /* Balloons that give memory back run first: what they free in this
     * step is there for the ones that grow, as with concurrent guests. */
    for (size_t i = 0; i < h->ndom; i++)
        move_balloon(h, h->dom[i], dt_ms, true);
    for (size_t i = 0; i < h->ndom; i++)
        move_balloon(h, h->dom[i], dt_ms, false);
    sim_host_observe(h);
}

void sim_host_fill_io(const struct sim_dom *d, struct port_io *out)
{
    memset(out, 0, sizeof(*out));
    out->domid = d->domid;
    out->net_bytes = d->net_mbytes / 1000;
    out->disk_reqs = d->disk_mreqs / 1000;
}

void sim_host_fill_info(const struct sim_dom *d, struct port_domain *out)
{
    memset(out, 0, sizeof(*out));
    out->domid = d->domid;
    snprintf(out->name, sizeof(out->name), "%s", d->name);
    snprintf(out->uuid, sizeof(out->uuid), "%s", d->uuid);
    out->max_vcpus = d->max_vcpus;
    out->online_vcpus = d->online_vcpus;
    out->mem_max_kib = d->maxmem_kib;
    out->mem_target_kib = d->target_kib;
    out->mem_actual_kib = d->actual_kib;
    out->cpu_time_ns = d->cpu_time_ns;
    /* As the Xen port reports a domain shut down or crashed. */
    out->dying = d->state == PORT_SIM_DYING || d->state == PORT_SIM_SHUTDOWN;
    out->type = d->type;
}

/* Defaults of xenplm-sim(5) (port_sim.h). */
void port_sim_domspec_init(struct port_sim_domspec *s, const char *name, uint64_t mem_kib)
{
    memset(s, 0, sizeof(*s));
    if (name)
        snprintf(s->name, sizeof(s->name), "%s", name);
    s->mem_kib = s->maxmem_kib = mem_kib;
    s->balloon_kib_s = 256 * 1024;
    s->vcpus = s->max_vcpus = 1;
    s->weight = PORT_WEIGHT_DEFAULT;
}
