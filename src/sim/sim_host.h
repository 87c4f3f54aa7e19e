/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's hypervisor: physical CPUs and memory, and the domains
 * that share them, with the checks libxl makes before it changes one and
 * the physics of what happens next (balloons moving at a finite rate, CPU
 * time shared by the credit scheduler).  No xenstore in sim_host.c: what
 * the toolstack writes there is sim_toolstack.c's job, on struct
 * sim_machine below.  This is the host-model layer (see sim.h): it calls
 * the xenstore and the clock, nothing above.
 */
#ifndef XENPLM_SIM_SIM_HOST_H
#define XENPLM_SIM_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "protocol/request.h"
#include "sim/port_sim.h"
#include "sim/sim_clock.h"
#include "sim/sim_xs.h"

/* Physics step: balloons and CPU time move at most this far at once. */
#define SIM_STEP_MS 100
/* How long a destroyed domain stays dying before its memory is free. */
#define SIM_DYING_MS 100
/* How long after a guest shuts down the toolstack destroys it (xl's
 * on_poweroff=destroy). */
#define SIM_SHUTDOWN_DESTROY_MS 1000

struct sim_dom {
    uint32_t domid;
    char name[PORT_NAME_MAX];
    char uuid[PORT_UUID_LEN];
    enum port_sim_dom_state state;
    uint64_t gone_at_ms; /* while dying: when it is released; shut down: when
                            the toolstack destroys it (0: never, a crash) */
    bool paused, crashed;

    unsigned max_vcpus, online_vcpus;
    int weight, cap;
    unsigned cpu_demand; /* hundredths of a pCPU the workload would use */
    unsigned cpu_used;   /* hundredths of a pCPU it got in the last step */
    uint64_t cpu_time_ns;
    /* Its workload's network traffic (KiB/s, both ways) and disk requests
     * (per second), and the counters they add to, as libxenstat would
     * read them: bytes and thousandths of a request, x 1000 (a step's
     * fraction is carried, not lost). */
    uint64_t net_kib_s, disk_req_s;
    uint64_t net_mbytes, disk_mreqs;

    uint64_t maxmem_kib, target_kib, actual_kib, floor_kib;
    uint64_t balloon_kib_s;
    uint64_t carry; /* balloon progress below one KiB, in KiB x ms / 1000 */
    bool stuck;
    bool no_balloon; /* no balloon driver: the target is never followed */
    bool no_hotplug; /* the online count does not follow what is set */
    enum port_dom_type type;

    /* Inspection: the daemon's calls and the last values they set. */
    uint64_t sched_calls, vcpus_calls, mem_calls, affinity_calls;
    int last_weight, last_cap;
    unsigned last_vcpus;
    uint64_t last_target_kib;
    /* Its maxmem or maxvcpus changed at run time, or it shut down or
     * crashed, and no domain_info or list_domains has reported it since
     * (what the daemon may not know yet); enforcement calls the host
     * refused (neither injected nor about a destroyed domain), and those
     * of them made while that was so. */
    bool changed_unread;
    uint64_t refused_calls, refused_unread;
    /* Per vcpu, hard then soft affinity (2 x max_vcpus maps); NULL until
     * first set: every pCPU, as xl leaves a domain without cpus=. */
    struct plm_cpumap *affinity;

    /* Failures a scenario injects into the daemon's calls for it. */
    struct port_sim_fault fault[PORT_SIM_NFAULTS];

    /* Scratch for the CPU share of one step, in thousandths of a hundredth. */
    int64_t want_m, got_m;

    /* The scripted guest. */
    uint64_t guest_seq, guest_writes, guest_refused;
    struct proto_request last_req;
    bool have_req;
};

struct sim_host {
    unsigned pcpus;
    uint64_t total_kib;
    char sched[16];
    struct sim_dom **dom; /* by domid; gone domains kept for inspection */
    size_t ndom, cap;
    uint32_t next_domid; /* never reused in one run */
    uint64_t min_free_kib;
    struct port_sim_fault host_fault; /* injected into host_info */
    struct port_sim_fault io_fault;   /* injected into dom_io */
};

/* A host with Domain-0 (domid 0) holding dom0_kib. */
int sim_host_init(struct sim_host *h, unsigned pcpus, uint64_t total_kib, uint64_t dom0_kib,
                  const char *sched);
void sim_host_dispose(struct sim_host *h);

uint64_t sim_host_free_kib(const struct sim_host *h);
/* Any domain ever created, or NULL. */
struct sim_dom *sim_host_find(const struct sim_host *h, uint32_t domid);
/* The running or dying domain of that name, else the latest gone one. */
struct sim_dom *sim_host_find_name(const struct sim_host *h, const char *name);
/* A running domain: 0, or PLM_ENOENT for a dying, gone or unknown one
 * (libxl's calls fail on a domain on its way out). */
int sim_host_live(const struct sim_host *h, uint32_t domid, struct sim_dom **out);

/* A domain name the simulator accepts: [A-Za-z0-9][A-Za-z0-9_.-]*, shorter
 * than PORT_NAME_MAX, and not "Domain-0". */
bool sim_host_name_valid(const char *name);

/* Check a spec against libxl's rules and the host: 0 or PLM_EINVAL with a
 * reason in why (may be NULL). */
int sim_host_check_spec(const struct sim_host *h, const struct port_sim_domspec *s, char *why,
                        size_t whylen);
/* Build a domain from a checked spec: PLM_ENOMEM when it does not fit. */
int sim_host_add(struct sim_host *h, const struct port_sim_domspec *s, struct sim_dom **out);

/* libxl's checks, then the change; PLM_ENOENT unless the domain is running. */
int sim_host_set_sched(struct sim_host *h, uint32_t domid, int weight, int cap);
int sim_host_set_vcpus(struct sim_host *h, uint32_t domid, unsigned online);
int sim_host_set_target(struct sim_host *h, uint32_t domid, uint64_t target_kib);
/* As libxl_set_vcpuaffinity_all: vcpus 0..max_vcpus-1 (PLM_EINVAL past
 * the domain's), each side clamped to the host's pCPUs, NULL left alone;
 * PLM_EINVAL for a hard map with no pCPU of the host. */
int sim_host_set_affinity(struct sim_host *h, uint32_t domid, unsigned max_vcpus,
                          const struct plm_cpumap *hard, const struct plm_cpumap *soft);
/* vcpu's affinity as it stands (every pCPU when never set). */
void sim_host_affinity(const struct sim_host *h, const struct sim_dom *d, unsigned vcpu,
                       struct plm_cpumap *hard, struct plm_cpumap *soft);

/* Whether the call at now_ms is one a fault makes fail: its code (and
 * the fault counts it), else 0. */
int sim_fault_take(struct port_sim_fault *f, uint64_t now_ms);

/* As libxl_domain_setmaxmem: PLM_EINVAL below the domain's target (it
 * would refuse memory_static_max below memory_dynamic_max), PLM_ENOENT
 * unless it is running.  What it holds above is kept, but it cannot grow
 * there again. */
int sim_host_set_maxmem(struct sim_host *h, uint32_t domid, uint64_t maxmem_kib);

/*
 * The vcpus a domain has become max_vcpus (1 to SIM_SCN_VCPUS_MAX), which
 * Xen never does to a running domain: what a daemon sees when the count
 * it read before no longer holds.  Online vcpus beyond it go (and so does
 * a count last set beyond it); a vcpu added has every pCPU in its
 * affinity.  PLM_ENOENT unless it is running, PLM_ENOMEM.
 */
int sim_host_set_max_vcpus(struct sim_host *h, uint32_t domid, unsigned max_vcpus);

/* The guest takes up to kib more than it holds, above its target if need
 * be, at most its maxmem and what is free: how much it took. */
uint64_t sim_host_grow(struct sim_host *h, struct sim_dom *d, uint64_t kib);

/* One physics step of dt_ms (at most SIM_STEP_MS). */
void sim_host_step(struct sim_host *h, uint64_t dt_ms);
/* Record the free memory now in min_free_kib. */
void sim_host_observe(struct sim_host *h);

void sim_host_fill_info(const struct sim_dom *d, struct port_domain *out);
/* Its network and disk counters as libxenstat reads them. */
void sim_host_fill_io(const struct sim_dom *d, struct port_io *out);

/*
 * The machine: the hypervisor above with its xenstore and the clock, and
 * what libxl does on top of them (sim_toolstack.c): a domain's xenstore
 * layout, memory/target, vcpu availability, create and destroy, all
 * written as dom0.  It knows nothing of scenarios or of the port.
 */
struct sim_machine {
    struct sim_clock clock;
    struct sim_xs xs;
    struct sim_host host;
};

/* The host of the given shape with Domain-0 laid out in xenstore; the
 * clock and the xenstore must be initialised already. */
int sim_ts_init(struct sim_machine *m, unsigned pcpus, uint64_t total_kib, uint64_t dom0_kib,
                const char *sched);
/* As xl create: PLM_ENOMEM when the domain does not fit in free memory,
 * PLM_EINVAL for a bad spec. */
int sim_ts_create(struct sim_machine *m, const struct port_sim_domspec *spec, uint32_t *domid_out);
/* As xl destroy, of a running or shut-down domain: dying at once, gone
 * SIM_DYING_MS later. */
int sim_ts_destroy(struct sim_machine *m, uint32_t domid);
/* A running guest shuts down (crash false: the toolstack destroys it
 * SIM_SHUTDOWN_DESTROY_MS later) or crashes (kept, with its memory, until
 * destroyed, as with on_crash=preserve); xenstored fires @releaseDomain. */
int sim_ts_shutdown(struct sim_machine *m, uint32_t domid, bool crash);
/* Destroy shut-down domains and release dying ones whose time has come;
 * the earliest still to come. */
uint64_t sim_ts_reap(struct sim_machine *m);
int sim_ts_set_target(struct sim_machine *m, uint32_t domid, uint64_t target_kib);
int sim_ts_set_vcpus(struct sim_machine *m, uint32_t domid, unsigned online);
/* maxvcpus: sim_host_set_max_vcpus, then cpu/<n>/availability. */
int sim_ts_set_max_vcpus(struct sim_machine *m, uint32_t domid, unsigned max_vcpus);
/* xl mem-max: sim_host_set_maxmem, then memory/static-max. */
int sim_ts_set_maxmem(struct sim_machine *m, uint32_t domid, uint64_t maxmem_kib);
/* The guest's balloon driver starts (writes control/feature-balloon "1",
 * as the guest) or goes (writes "0"). */
int sim_ts_guest_balloon(struct sim_machine *m, uint32_t domid, bool on);

#endif
