/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host port: everything xenplmd needs from a Xen host, as four small
 * interfaces (as chrony puts a clock driver behind a few function
 * pointers):
 *
 *   host control      libxl: list and describe domains, describe the host,
 *                     set scheduler parameters, vcpus, vcpu affinity and
 *                     memory targets;
 *   xenstore transport dom0's xenstore connection: read, write in a
 *                     transaction, make a guest-readable directory, remove,
 *                     watch and unwatch;
 *   event source      fired watches, the clock, the wait for something to
 *                     happen, and reconnecting after the connection broke;
 *   live migration    start, poll and abort a domain's move to another
 *                     host (pool mode; optional: NULL where there is none).
 *
 * Two implementations exist:
 *
 *   port_xen.c  libxenstore + libxl (+ libxenctrl where libxl has no call);
 *               the only file that includes their headers (xen_stat.c,
 *               which it calls, is the only one with libxenstat's).
 *               Each operation maps onto one library call, named in its
 *               comment below.
 *   src/sim/    an in-process simulated host (libplmsim.a, sim/port_sim.h):
 *               an in-memory xenstore with permissions and watches, domains
 *               whose balloon moves at a finite rate and may refuse, and a
 *               clock that can run faster than real time, all driven by a
 *               scenario file.  xenplmd never links it.
 *
 * The daemon talks only to this interface, through the port_*() wrappers
 * below, so the very same protocol path (watch fires, value read, grant
 * written, target set) runs in tests, in the demo and on a real dom0.
 *
 * Conventions: functions return 0 or a negative PLM_E* code (core/error.h);
 * a failure is logged by the implementation with the domain id, so callers
 * only decide what to do next.  Memory is in KiB, as libxl counts it; CPU
 * caps are in percent of one physical CPU (0 = no cap), as Xen counts them.
 */
#ifndef XENPLM_PORT_PORT_H
#define XENPLM_PORT_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpumap.h"
#include "core/error.h"

#define PORT_NAME_MAX 64  /* domain name, with its NUL */
#define PORT_UUID_LEN 37  /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL */
#define PORT_PATH_MAX 256 /* xenstore path, with its NUL */
#define PORT_TOKEN_MAX 64 /* watch token, with its NUL */

/* Xen's credit scheduler weight range and default. */
#define PORT_WEIGHT_MIN 1
#define PORT_WEIGHT_MAX 65535
#define PORT_WEIGHT_DEFAULT 256

struct port;

/* How a domain runs (libxl_dominfo.domain_type). */
enum port_dom_type {
    PORT_DOM_UNKNOWN = 0,
    PORT_DOM_PV,
    PORT_DOM_PVH,
    PORT_DOM_HVM,
};

/* What the daemon knows of one domain (libxl_domain_info + xenstore). */
struct port_domain {
    uint32_t domid;
    char name[PORT_NAME_MAX];
    char uuid[PORT_UUID_LEN];
    unsigned max_vcpus;      /* vcpus the domain was built with */
    unsigned online_vcpus;   /* vcpus currently online */
    uint64_t mem_max_kib;    /* maxmem: the balloon cannot grow past it */
    uint64_t mem_target_kib; /* the target last set (memory/target) */
    uint64_t mem_actual_kib; /* memory the domain holds now */
    uint64_t cpu_time_ns;    /* CPU time used since it started */
    bool dying;              /* shutting down or dying: leave it alone */
    enum port_dom_type type; /* PV, PVH, HVM */
};

/* What the daemon knows of the host (libxl_get_physinfo, libxl_get_free_memory). */
struct port_host {
    unsigned pcpus;     /* physical CPUs in the pool the daemon manages */
    unsigned cpu_ids;   /* pCPU numbers run 0..cpu_ids-1 (physinfo max_cpu_id + 1;
                           some may be offline, as with SMT off) */
    uint64_t total_kib; /* host memory */
    uint64_t free_kib;  /* memory Xen has free now */
    char sched[16];     /* "credit" or "credit2" */
};

/* One domain's cumulative I/O as dom0 sees it (libxenstat): bytes its
 * vifs received and sent, requests its vbds read and wrote, since each
 * device was made.  A counter may go back to 0 (a device replaced). */
struct port_io {
    uint32_t domid;
    uint64_t net_bytes;
    uint64_t disk_reqs;
};

/* One fired xenstore watch. */
struct port_event {
    char path[PORT_PATH_MAX];
    char token[PORT_TOKEN_MAX];
};

/* One key of an atomic multi-key write. */
struct port_kv {
    const char *path;
    const char *value;
    size_t len;
};

/* Extra file descriptors the daemon waits on besides xenstore. */
struct port_waitfd {
    int fd;
    bool ready; /* set by wait() when fd is readable */
};

/* Host control: libxl's view of domains and of the host, and its setters. */
struct port_host_ops {
    /* libxl_list_domain + libxl_domain_info; *n_out may exceed cap (then
     * only cap entries were written: call again with more room). */
    int (*list_domains)(struct port *p, struct port_domain *out, size_t cap, size_t *n_out);
    /* libxl_domain_info + memory/target; PLM_ENOENT when the domain is gone. */
    int (*domain_info)(struct port *p, uint32_t domid, struct port_domain *out);
    /* libxl_get_physinfo (free memory from it, as libxl_get_free_memory
     * counts it) + cpupool 0's scheduler (libxl_get_scheduler, once). */
    int (*host_info)(struct port *p, struct port_host *out);
    /* libxl_domain_sched_params_set: weight in PORT_WEIGHT_MIN..MAX, cap in
     * percent of one pCPU with 0 for none; -1 leaves a field unchanged. */
    int (*sched_set)(struct port *p, uint32_t domid, int weight, int cap);
    /* libxl_set_vcpuonline with vcpus 0..online-1 set. */
    int (*vcpus_set)(struct port *p, uint32_t domid, unsigned online);
    /* libxl_set_memory_target (absolute, enforce): the balloon driver in
     * the guest moves toward it at its own pace. */
    int (*mem_target_set)(struct port *p, uint32_t domid, uint64_t target_kib);
    /* libxl_set_vcpuaffinity_all: the hard and soft affinity of vcpus
     * 0..max_vcpus-1, online or not (a vcpu brought online later keeps
     * it); NULL leaves that side as it is.  CPUs the host lacks are
     * ignored; a hard map with none it has is PLM_EINVAL. */
    int (*affinity_set)(struct port *p, uint32_t domid, unsigned max_vcpus,
                        const struct plm_cpumap *hard, const struct plm_cpumap *soft);
    /* xenstat_get_node(XENSTAT_NETWORK | XENSTAT_VBD): every domain's
     * port_io at once (it walks /proc/net/dev, sysfs and xenstore for all
     * of them, so the daemon reads it at most once per sampling period);
     * *n_out as list_domains.  May be NULL (PLM_EIO).  Its failures are
     * logged at the debug level only: the daemon says once that it goes
     * on without. */
    int (*dom_io)(struct port *p, struct port_io *out, size_t cap, size_t *n_out);
};

/*
 * Xenstore transport: dom0's connection to xenstored.
 *
 * Besides xenplm's own keys (protocol/keys.h), the daemon reads and
 * watches two values each guest writes in its own area, through xs_read
 * and xs_watch like any other: its request (data/xenplm/request) and its
 * control/feature-balloon (where a guest may say "1" or "0" about its
 * balloon driver; xl creates no such key and Linux writes none, so it is
 * mostly absent, and then port_domain.type decides: engine/kinds.c).  A
 * watch on an absent key fires when it is created.  The simulated host
 * lays the key out empty and writable by the guest, as xapi does, and its
 * guests with a balloon write "1" at boot (sim_toolstack.c).  Whether a
 * guest's vcpus follow hotplug is read from port_domain.online_vcpus
 * after vcpus_set, nothing more.
 */
struct port_xs_ops {
    /* xs_read of at most cap bytes.  A value longer than cap yields
     * PLM_ERANGE (and *len_out its true length when known); a missing
     * node PLM_ENOENT.  The buffer is not NUL-terminated. */
    int (*xs_read)(struct port *p, const char *path, char *buf, size_t cap, size_t *len_out);
    /* Several keys in one transaction (xs_transaction_start, xs_write...,
     * xs_transaction_end, retried on EAGAIN): all or none are written. */
    int (*xs_write_txn)(struct port *p, const struct port_kv *kv, size_t n);
    /* xs_mkdir + xs_set_permissions: owned by dom0, readable by reader
     * (a domid), no access for anyone else. */
    int (*xs_mkdir_ro)(struct port *p, const char *path, uint32_t reader);
    /* xs_rm; a missing node is not an error. */
    int (*xs_rm)(struct port *p, const char *path);
    /* xs_watch / xs_unwatch.  Paths may be "@introduceDomain" and
     * "@releaseDomain".  Like Xen, a new watch fires once at once; a watch
     * already registered on this connection is PLM_EEXIST. */
    int (*xs_watch)(struct port *p, const char *path, const char *token);
    int (*xs_unwatch)(struct port *p, const char *path, const char *token);
};

/* The event source: what wakes the daemon, and its clock. */
struct port_event_ops {
    /* The next fired watch (xs_check_watch): 0, or PLM_ENOENT when none is
     * pending.  Never blocks. */
    int (*next_event)(struct port *p, struct port_event *ev);
    /* Milliseconds on the port's clock (CLOCK_MONOTONIC, or virtual). */
    uint64_t (*now_ms)(struct port *p);
    /* The local time of day: days since 1970-01-01 and the second of the
     * day (the wall clock on Xen; the simulated host's clock, whose 0 is
     * midnight of day 0).  0, or a negative PLM_E* code.  May be NULL: not
     * known (nothing is then anticipated). */
    int (*local_time)(struct port *p, int64_t *day, uint32_t *sec);
    /*
     * Sleep until a watch is pending, one of fds is readable, or the
     * clock reaches deadline_ms, whichever comes first.  Returns 0;
     * PLM_EIO when the host connection broke (the daemon then calls
     * reconnect and re-reads every domain); or PLM_ENOENT when the host
     * is gone for good and nothing will ever happen again (the daemon
     * stops).  The real host never says PLM_ENOENT; the simulated one
     * does once its scenario has ended.  The simulated host also
     * advances its clock and plays its scenario here.
     */
    int (*wait)(struct port *p, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms);
    /* Reopen the xenstore connection; existing watches are re-registered. */
    int (*reconnect)(struct port *p);
};

/*
 * Live migration (issue 14), one at a time per host, never blocking: start
 * hands back a handle, poll says how it goes (each loop turn while one
 * runs), abort ends it early, leave lets it run on unwatched (the daemon
 * stops).  A migration that ends (DONE or FAILED, as poll says once) has
 * released its handle.  DONE means the domain runs on the destination and
 * is gone from here; FAILED that the migration did not finish (why says
 * what happened), and stage where the domain then stands here: running,
 * suspended under its own name (no destination was told to start it:
 * resume may run it here again), or handed over (renamed
 * NAME--migratedaway: the destination may run it).
 *
 *   port_xen.c  runs `xl migrate [-s TRANSPORT] DOMID ADDR` as a child in
 *               its own process group (port_xlmig.c): ssh to ADDR by
 *               default, so the operator's existing trust is used; never
 *               a listener of our own.
 *   src/sim/    between simulated hosts sharing a directory (xenplm-sim(5),
 *               "fabric").
 */
#define PORT_MIG_WHY_MAX 160
enum port_mig_phase {
    PORT_MIG_RUNNING = 0,
    PORT_MIG_DONE,
    PORT_MIG_FAILED,
};
/* Where the migrating domain stands on this host, the source. */
enum port_mig_stage {
    PORT_MIG_LIVE = 0,  /* running here under its own name */
    PORT_MIG_SUSPENDED, /* suspended (or paused) here under its own name */
    PORT_MIG_HANDED,    /* renamed NAME--migratedaway here */
    PORT_MIG_GONE,      /* no longer here (or being destroyed) */
    PORT_MIG_UNSURE,    /* the host cannot tell */
};
struct port_mig_status {
    enum port_mig_phase phase;
    int pct;                   /* RUNNING: 0..100, or -1 when the transport does not say */
    enum port_mig_stage stage; /* as seen at this poll (after the end, for DONE/FAILED) */
    char why[PORT_MIG_WHY_MAX];
};
struct port_mig_ops {
    /* Start moving domid to the pool's host dest, which the transport
     * reaches at addr (transport NULL: xl's own ssh).  PLM_EEXIST while
     * another runs; PLM_ENOENT for a domain (or, simulated, a host) not
     * there; PLM_EINVAL for a bad address or destination. */
    int (*start)(struct port *p, uint32_t domid, const char *dest, const char *addr,
                 const char *transport, uint32_t *handle_out);
    /* How it goes; PLM_ENOENT for a handle that is not running. */
    int (*poll)(struct port *p, uint32_t handle, struct port_mig_status *out);
    /* End it early (a timeout): the next poll says FAILED with why. */
    int (*abort)(struct port *p, uint32_t handle, const char *why);
    /* Let it run on and end by itself, no longer watched: the handle is
     * released (the daemon stops, or gives up waiting for it). */
    int (*leave)(struct port *p, uint32_t handle);
    /* Run again domid's copy here, suspended by a migration that ended
     * without handing it over (libxl_domain_resume, suspend_cancel).
     * The caller alone knows that no destination runs it. */
    int (*resume)(struct port *p, uint32_t domid);
    /* Whether a migration out of this host runs that this daemon does not
     * watch (one it left to end by itself, an earlier run's, the
     * operator's): true with what it is in why. */
    bool (*busy)(struct port *p, char *why, size_t whylen);
};

/* One host: its interfaces and how to let it go. */
struct port {
    const char *name; /* "xen" or "sim" */
    const struct port_host_ops *host;
    const struct port_xs_ops *xs;
    const struct port_event_ops *events;
    const struct port_mig_ops *mig; /* NULL: this host cannot migrate */
    /* Release everything. */
    void (*destroy)(struct port *p);
    void *priv;
};

/*
 * The daemon calls the port through these, never through the tables, so
 * the tables' layout is the port's own business.
 */
static inline int port_list_domains(struct port *p, struct port_domain *out, size_t cap,
                                    size_t *n_out)
{
    return p->host->list_domains(p, out, cap, n_out);
}
static inline int port_domain_info(struct port *p, uint32_t domid, struct port_domain *out)
{
    return p->host->domain_info(p, domid, out);
}
static inline int port_host_info(struct port *p, struct port_host *out)
{
    return p->host->host_info(p, out);
}
static inline int port_sched_set(struct port *p, uint32_t domid, int weight, int cap)
{
    return p->host->sched_set(p, domid, weight, cap);
}
static inline int port_vcpus_set(struct port *p, uint32_t domid, unsigned online)
{
    return p->host->vcpus_set(p, domid, online);
}
static inline int port_mem_target_set(struct port *p, uint32_t domid, uint64_t target_kib)
{
    return p->host->mem_target_set(p, domid, target_kib);
}
static inline int port_affinity_set(struct port *p, uint32_t domid, unsigned max_vcpus,
                                    const struct plm_cpumap *hard, const struct plm_cpumap *soft)
{
    return p->host->affinity_set(p, domid, max_vcpus, hard, soft);
}
static inline int port_dom_io(struct port *p, struct port_io *out, size_t cap, size_t *n_out)
{
    return p->host->dom_io ? p->host->dom_io(p, out, cap, n_out) : PLM_EIO;
}
static inline int port_xs_read(struct port *p, const char *path, char *buf, size_t cap,
                               size_t *len_out)
{
    return p->xs->xs_read(p, path, buf, cap, len_out);
}
static inline int port_xs_write_txn(struct port *p, const struct port_kv *kv, size_t n)
{
    return p->xs->xs_write_txn(p, kv, n);
}
static inline int port_xs_mkdir_ro(struct port *p, const char *path, uint32_t reader)
{
    return p->xs->xs_mkdir_ro(p, path, reader);
}
static inline int port_xs_rm(struct port *p, const char *path)
{
    return p->xs->xs_rm(p, path);
}
static inline int port_xs_watch(struct port *p, const char *path, const char *token)
{
    return p->xs->xs_watch(p, path, token);
}
static inline int port_xs_unwatch(struct port *p, const char *path, const char *token)
{
    return p->xs->xs_unwatch(p, path, token);
}
static inline int port_next_event(struct port *p, struct port_event *ev)
{
    return p->events->next_event(p, ev);
}
static inline uint64_t port_now_ms(struct port *p)
{
    return p->events->now_ms(p);
}
static inline int port_local_time(struct port *p, int64_t *day, uint32_t *sec)
{
    return p->events->local_time ? p->events->local_time(p, day, sec) : PLM_ENOENT;
}
static inline int port_wait(struct port *p, struct port_waitfd *fds, size_t nfds,
                            uint64_t deadline_ms)
{
    return p->events->wait(p, fds, nfds, deadline_ms);
}
static inline int port_reconnect(struct port *p)
{
    return p->events->reconnect(p);
}
static inline int port_mig_start(struct port *p, uint32_t domid, const char *dest, const char *addr,
                                 const char *transport, uint32_t *handle_out)
{
    return p->mig ? p->mig->start(p, domid, dest, addr, transport, handle_out) : PLM_EINVAL;
}
static inline int port_mig_poll(struct port *p, uint32_t handle, struct port_mig_status *out)
{
    return p->mig ? p->mig->poll(p, handle, out) : PLM_ENOENT;
}
static inline int port_mig_abort(struct port *p, uint32_t handle, const char *why)
{
    return p->mig ? p->mig->abort(p, handle, why) : PLM_ENOENT;
}
static inline int port_mig_leave(struct port *p, uint32_t handle)
{
    return p->mig ? p->mig->leave(p, handle) : PLM_ENOENT;
}
static inline int port_mig_resume(struct port *p, uint32_t domid)
{
    return p->mig ? p->mig->resume(p, domid) : PLM_ENOENT;
}
static inline bool port_mig_busy(struct port *p, char *why, size_t whylen)
{
    return p->mig && p->mig->busy && p->mig->busy(p, why, whylen);
}
static inline void port_destroy(struct port *p)
{
    p->destroy(p);
}
static inline const char *port_name(const struct port *p)
{
    return p->name;
}

/* The real host's constructor: 0 and *out, or a negative code and a
 * one-line reason in err.  The simulated host's is in sim/port_sim.h. */
#ifdef XENPLM_PORT_XEN
int port_xen_open(struct port **out, char *err, size_t errlen);
#endif

#endif
