/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host, seen from tests and from the demo: what port.h's
 * port_sim_open builds, plus a window into it.  Tests of the daemon drive a
 * scenario, then ask here what the host saw (how many xenstore reads, how
 * many scheduler calls, the lowest free memory ever reached) and act as a
 * guest would (write into its own xenstore area, refuse to balloon).
 *
 * Every function takes the struct port returned by port_sim_open or
 * port_sim_open_text and returns PLM_EINVAL for a port of another kind.
 * Memory is in KiB and CPU in hundredths of a physical CPU, as in port.h.
 * The scenario language is described in xenplm-sim(5).
 */
#ifndef XENPLM_SIM_PORT_SIM_H
#define XENPLM_SIM_PORT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "protocol/request.h"

/* Xenstore limits of C xenstored's defaults, applied by the simulator. */
#define PORT_SIM_VALUE_MAX 2048 /* bytes in one value */
#define PORT_SIM_QUOTA 1000     /* nodes one guest may own */
#define PORT_SIM_EVQ_MAX 1024   /* watch events queued before coalescing */

/* At speed 0, the furthest one wait() moves the clock: with nothing
 * scheduled before its deadline it returns then, as a spurious wakeup. */
#define PORT_SIM_MAX_JUMP_MS (10 * 60 * 1000)
/* How long a migrating domain stays suspended for its last pages, ms of
 * virtual time (xenplm-sim(5), LIVE MIGRATION). */
#define PORT_SIM_MIG_SUSPEND_MS 500

/* A domain to create: the options of a scenario's domain line. */
struct port_sim_domspec {
    char name[PORT_NAME_MAX];
    uint64_t mem_kib;        /* initial memory, target and actual */
    uint64_t maxmem_kib;     /* static maximum: targets above are refused */
    uint64_t floor_kib;      /* the balloon never shrinks below this */
    uint64_t balloon_kib_s;  /* balloon speed, KiB per second */
    unsigned vcpus;          /* online at creation */
    unsigned max_vcpus;      /* built with */
    unsigned cpu_demand;     /* CPU the workload would use, hundredths of a pCPU */
    unsigned weight;         /* credit weight at creation */
    unsigned cap;            /* credit cap at creation, 0 = none */
    bool stuck;              /* balloon does not move at all */
    bool no_balloon;         /* no balloon driver: no control/feature-balloon, never moves */
    bool no_hotplug;         /* its vcpus do not follow cpu/N/availability */
    enum port_dom_type type; /* PV (also when left unknown), PVH or HVM */
};

/* Defaults of xenplm-sim(5) for a domain of mem_kib (name may be NULL). */
void port_sim_domspec_init(struct port_sim_domspec *s, const char *name, uint64_t mem_kib);

/* Port operations, to index port_sim_stats.op. */
enum port_sim_op {
    PORT_SIM_OP_LIST_DOMAINS,
    PORT_SIM_OP_DOMAIN_INFO,
    PORT_SIM_OP_HOST_INFO,
    PORT_SIM_OP_XS_READ,
    PORT_SIM_OP_XS_WRITE_TXN,
    PORT_SIM_OP_XS_MKDIR_RO,
    PORT_SIM_OP_XS_RM,
    PORT_SIM_OP_XS_WATCH,
    PORT_SIM_OP_XS_UNWATCH,
    PORT_SIM_OP_NEXT_EVENT,
    PORT_SIM_OP_SCHED_SET,
    PORT_SIM_OP_VCPUS_SET,
    PORT_SIM_OP_MEM_TARGET_SET,
    PORT_SIM_OP_WAIT,
    PORT_SIM_OP_RECONNECT,
    PORT_SIM_OP_AFFINITY_SET,
    PORT_SIM_OP_DOM_IO,
    PORT_SIM_NOPS
};

/*
 * Host-control calls whose failure a scenario can inject ("fail" in
 * xenplm-sim(5)): the next count calls fail, or every call until until_ms,
 * with rc, a code port_xen.c returns for a libxl failure.  Host info is
 * host-wide; the others are per domain.
 */
enum port_sim_fault_op {
    PORT_SIM_FAULT_SCHED_SET,
    PORT_SIM_FAULT_VCPUS_SET,
    PORT_SIM_FAULT_MEM_TARGET_SET,
    PORT_SIM_FAULT_DOMAIN_INFO,
    PORT_SIM_FAULT_HOST_INFO,
    PORT_SIM_FAULT_AFFINITY_SET,
    PORT_SIM_FAULT_DOM_IO,
    PORT_SIM_NFAULTS
};

struct port_sim_fault {
    uint64_t count;    /* calls still to fail */
    uint64_t until_ms; /* every call fails before this time */
    int rc;            /* the code they fail with */
    uint64_t injected; /* calls failed so far */
};

/*
 * Faults of dom0's xenstore connection ("xs-fail" in xenplm-sim(5)), kept
 * as the host-control ones are (struct port_sim_fault): watch fails the
 * registration of a watch (xs_watch); txn fails one attempt at a
 * transaction (xs_write_txn and xs_mkdir_ro), which, like the Xen port,
 * the simulator makes again while the code is PORT_SIM_XS_EAGAIN, at most
 * PORT_SIM_TXN_TRIES times, and then reports as PLM_EIO.  Fired watch
 * events ("watch" lines): lose drops one next_event would return, dup
 * returns one twice, delay holds one back for a while (and every one
 * behind it, so that they stay in order).
 */
enum port_sim_xs_fault_op {
    PORT_SIM_XSF_WATCH,
    PORT_SIM_XSF_TXN,
    PORT_SIM_XSF_LOSE,
    PORT_SIM_XSF_DUP,
    PORT_SIM_XSF_DELAY,
    PORT_SIM_NXSFAULTS
};

/* The code of an attempt xenstored ended with EAGAIN (only ever inside
 * the simulator: what the port reports after the last try is PLM_EIO). */
#define PORT_SIM_XS_EAGAIN 1
/* Attempts at one transaction, as port_xen.c's TXN_TRIES. */
#define PORT_SIM_TXN_TRIES 10

/* "list_domains", "xs_read", ... (the operations of port.h); NULL if unknown. */
const char *port_sim_op_name(enum port_sim_op op);

struct port_sim_opstat {
    uint64_t calls;
    uint64_t failures; /* negative returns; next_event's "none pending" is not one */
    uint64_t injected; /* failures a scenario's fail line caused (included above) */
    uint64_t absent;   /* failures because the domain was destroyed (PLM_ENOENT: dying or gone
                          since the daemon last looked; included above) */
};

/* Injected xenstore faults: attempts failed (a transaction retried after
 * EAGAIN counts each attempt), per port_sim_xs_fault_op. */
struct port_sim_xs_faults {
    uint64_t injected[PORT_SIM_NXSFAULTS];
};

struct port_sim_stats {
    struct port_sim_opstat op[PORT_SIM_NOPS]; /* the daemon's calls, per operation */
    uint64_t xs_keys_written;                 /* keys written by xs_write_txn */
    /* Enforcement calls refused while what changed of their domain was
     * unread: the sum of port_sim_domain.refused_unread over every domain
     * (those calls are among op[].failures, neither injected nor absent). */
    uint64_t refused_unread;
    /* op[].calls as they stood when the last sched_set call came (itself
     * not counted): with a count taken before, the daemon's calls on the
     * way to a CPU enforcement. */
    uint64_t calls_at_sched_set[PORT_SIM_NOPS];
    struct port_sim_xs_faults xs_fault; /* xs-fail lines' attempts failed */

    /* Guest writes (scripted or port_sim_guest_write) and why they failed. */
    uint64_t guest_writes;    /* attempted */
    uint64_t guest_denied;    /* permission refused (EACCES) */
    uint64_t guest_quota;     /* beyond PORT_SIM_QUOTA nodes (ENOSPC) */
    uint64_t guest_too_large; /* value above PORT_SIM_VALUE_MAX */
    uint64_t guest_invalid;   /* bad path, or a domain that is not running */

    /* Watch events. */
    uint64_t events_fired;      /* matched a watch */
    uint64_t events_delivered;  /* returned by next_event */
    uint64_t events_coalesced;  /* queue full and the same path already queued */
    uint64_t events_overflowed; /* queue full: folded into one event on the watch */
    size_t event_queue_peak;    /* most events queued at once */

    /* Host. */
    uint64_t free_kib;     /* now */
    uint64_t min_free_kib; /* lowest ever observed (after every step and creation) */
    uint64_t now_ms;       /* virtual clock */

    /* Scenario. */
    uint64_t scenario_played;  /* events reached, skipped ones included */
    uint64_t scenario_skipped; /* events whose domain was not running */
    uint64_t creates_failed;   /* domains that did not fit */
};

int port_sim_stats(struct port *p, struct port_sim_stats *out);
/* Enforcement calls (sched, vcpus, memory target) the host refused that
 * the caller could have foreseen: failures neither injected, nor about a
 * destroyed domain, nor made while what changed of their domain was
 * unread (port_sim_domain.changed_unread).  The soak's "refused"
 * invariant: this count never grows. */
uint64_t port_sim_refused_foreseeable(const struct port_sim_stats *st);

enum port_sim_dom_state {
    PORT_SIM_RUNNING,
    PORT_SIM_SHUTDOWN, /* shut down or crashed: holds its memory, refuses every setting */
    PORT_SIM_DYING,    /* destroyed, memory not yet released */
    PORT_SIM_GONE,     /* released: every operation on it is PLM_ENOENT */
};

/* One domain as the simulator sees it, gone ones included. */
struct port_sim_domain {
    struct port_domain info; /* what domain_info would say */
    enum port_sim_dom_state state;
    int weight, cap;        /* in force */
    uint64_t floor_kib;     /* the guest's balloon floor */
    uint64_t balloon_kib_s; /* balloon speed */
    bool stuck;             /* balloon not moving */
    bool no_balloon;        /* no balloon driver */
    bool no_hotplug;        /* vcpus do not follow hotplug */
    bool paused;            /* xl pause: no CPU, no balloon movement */
    bool crashed;           /* shut down by a crash (state PORT_SIM_SHUTDOWN) */
    unsigned cpu_demand;    /* scripted, hundredths of a pCPU */
    unsigned cpu_used;      /* what it got in the last step, hundredths of a pCPU */
    /* The daemon's calls for this domain, failed ones included, and the
     * last value each successful call set (-1 / 0 when never called). */
    uint64_t sched_calls, vcpus_calls, mem_calls, affinity_calls;
    int last_weight, last_cap;
    unsigned last_vcpus;
    uint64_t last_target_kib;
    /* Its maxmem or maxvcpus changed, or it shut down or crashed
     * (xenplm-sim(5): maxmem, maxvcpus, shutdown, crash), and no
     * successful domain_info or list_domains has reported it since: the
     * daemon cannot know it yet.  Enforcement calls (sched, vcpus, memory
     * target) the host refused, neither injected nor about a destroyed
     * domain, and how many of them came while changed_unread held (a
     * refusal the caller could not have foreseen). */
    bool changed_unread;
    uint64_t refused_calls, refused_unread;
    /* The guest side. */
    uint64_t guest_seq;     /* seq of the last request the guest wrote, 0 = none */
    uint64_t guest_writes;  /* writes attempted */
    uint64_t guest_refused; /* writes that failed */
};

/* By name: the running or dying domain of that name, else the latest gone
 * one.  By id: any domain ever created.  0 or PLM_ENOENT. */
int port_sim_domain_by_name(struct port *p, const char *name, struct port_sim_domain *out);
int port_sim_domain_by_id(struct port *p, uint32_t domid, struct port_sim_domain *out);
/* The hard and soft affinity of one vcpu of domain domid as the host holds
 * it (every pCPU until the daemon sets it, as xl leaves a domain): what
 * `xl vcpu-list` would show.  0, PLM_ENOENT (no such domain) or
 * PLM_EINVAL (no such vcpu). */
int port_sim_vcpu_affinity(struct port *p, uint32_t domid, unsigned vcpu, struct plm_cpumap *hard,
                           struct plm_cpumap *soft);

/*
 * Act as guest domid.  Paths are relative to the guest's /local/domain/<domid>
 * or absolute, and permissions are checked as xenstored checks an
 * unprivileged domain.  Failures are counted and return:
 *   PLM_EIO (errno EACCES)   permission refused
 *   PLM_ETOOMANY (ENOSPC)    the guest would own more than PORT_SIM_QUOTA nodes
 *   PLM_ERANGE (E2BIG)       a value above PORT_SIM_VALUE_MAX
 *   PLM_EINVAL               a bad path
 *   PLM_ENOENT               no such node (read), or the domain is not running
 * port_sim_guest_request encodes r with the guest's next seq (r->seq is
 * ignored) and writes it to data/xenplm/request, as the agent would.
 */
int port_sim_guest_write(struct port *p, uint32_t domid, const char *path, const char *value,
                         size_t len);
int port_sim_guest_read(struct port *p, uint32_t domid, const char *path, char *buf, size_t cap,
                        size_t *len_out);
int port_sim_guest_rm(struct port *p, uint32_t domid, const char *path);
int port_sim_guest_request(struct port *p, uint32_t domid, const struct proto_request *r);

/* The node's permissions as xenstore-ls -p prints them: "n0,r5".  0,
 * PLM_ENOENT, or PLM_ERANGE when size is too small. */
int port_sim_xs_perms(struct port *p, const char *path, char *buf, size_t size);

/*
 * The host's side.  create: as `xl create` (PLM_ENOMEM when it does not
 * fit in free memory, PLM_EINVAL for a bad spec).  destroy: as `xl
 * destroy`: the domain is dying at once and gone, its memory free, 100 ms
 * later.  The setters change a running domain's guest behaviour.
 */
int port_sim_create_domain(struct port *p, const struct port_sim_domspec *spec,
                           uint32_t *domid_out);
int port_sim_destroy_domain(struct port *p, uint32_t domid);
int port_sim_set_stuck(struct port *p, uint32_t domid, bool stuck);
int port_sim_set_floor(struct port *p, uint32_t domid, uint64_t floor_kib);
int port_sim_set_demand(struct port *p, uint32_t domid, unsigned pct);
int port_sim_set_balloon_rate(struct port *p, uint32_t domid, uint64_t kib_s);

/* Break the xenstore connection: xenstore operations and wait() return
 * PLM_EIO, and queued events are lost, until reconnect. */
int port_sim_disconnect(struct port *p);

/*
 * Move the virtual clock on by ms, playing the scenario and the physics on
 * the way, whatever is pending (the scenario's end included: it only sets
 * port_sim_finished).
 */
int port_sim_advance(struct port *p, uint64_t ms);

/*
 * Make wait() return once the clock reaches ms (0: forget it), as if
 * something outside the daemon acted then: how a test runs a guest agent
 * every few seconds of virtual time while the daemon sleeps.
 */
int port_sim_wake_at(struct port *p, uint64_t ms);

/*
 * Whether the scenario reached its `end` line.  From then on wait()
 * returns PLM_ENOENT at once, which it never returns otherwise; every other
 * operation keeps working so the daemon can shut down cleanly.
 */
bool port_sim_finished(struct port *p);

/*
 * Virtual time as it stands, without bringing it up to real time first
 * (port_now_ms does): safe to call from a log function, even one the
 * simulator's own messages reach.  0 for a port of another kind.
 */
uint64_t port_sim_clock_ms(struct port *p);

/* When the scenario's last event happens (0: it has none) and whether it
 * is its end line. */
int port_sim_script_span(struct port *p, uint64_t *last_event_ms, bool *has_end);

/* Build the simulated host of a scenario file: 0 and *out, or a negative
 * code and a one-line reason in err. */
struct port_sim_options {
    const char *scenario; /* scenario file */
    double speed;         /* virtual ms per real ms; 0 = as fast as possible */
};
int port_sim_open(const struct port_sim_options *opt, struct port **out, char *err, size_t errlen);

/* Like port_sim_open, from a scenario in memory; name is used in messages. */
int port_sim_open_text(const char *name, const char *text, double speed, struct port **out,
                       char *err, size_t errlen);

/*
 * Where the simulator's messages go: failed operations (level
 * PORT_SIM_LOG_ERROR, with the domain id) and scenario events as they play
 * (PORT_SIM_LOG_INFO).  By default errors go to stderr and the rest is
 * dropped; fn NULL drops everything.
 */
enum port_sim_log_level { PORT_SIM_LOG_ERROR, PORT_SIM_LOG_INFO };
typedef void (*port_sim_log_fn)(void *ctx, enum port_sim_log_level level, const char *msg);
int port_sim_set_log(struct port *p, port_sim_log_fn fn, void *ctx);

#endif
