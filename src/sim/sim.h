/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the simulated host: the state behind a struct port made by
 * port_sim_open, and the functions its parts share.  The parts are
 *   sim_xs*.c        the xenstore (tree, permissions, watches)
 *   sim_host.c       the hypervisor (domains, memory, CPU)
 *   sim_toolstack.c  what libxl does on top (xenstore layout of a domain,
 *                    memory/target, vcpu availability, create and destroy)
 *   sim_play.c       the guests and the operator: scenario events played
 *   sim_clock.c      the virtual clock and wait()
 *   port_sim.c       the port's three tables (host, xenstore, events)
 *   port_sim_inspect.c  port_sim.h's window for tests
 */
#ifndef XENPLM_SIM_SIM_H
#define XENPLM_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "sim/port_sim.h"
#include "sim/scenario.h"
#include "sim/sim_host.h"
#include "sim/sim_xs.h"

struct sim {
    struct port port; /* port.priv points back here */
    struct sim_xs xs;
    struct sim_host host;
    struct sim_scenario scn;
    size_t next_ev; /* first scenario event not yet played */

    double speed;          /* virtual ms per real ms; 0 = as fast as possible */
    uint64_t now_ms;       /* virtual clock: the physics has run up to here */
    uint64_t wake_ms;      /* port_sim_wake_at: wait() returns there (0 = none) */
    uint64_t real_base_ns; /* speed > 0: CLOCK_MONOTONIC when virtual time was virt_base_ms */
    uint64_t virt_base_ms;

    bool finished;            /* the scenario's end was played */
    bool disconnected;        /* the xenstore connection is broken until reconnect */
    struct port_sim_stats st; /* the counters kept outside xs and host */

    port_sim_log_fn log;
    void *log_ctx;
};

/* port_sim.c */
#if defined(__GNUC__)
void sim_log(struct sim *s, enum port_sim_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif
void sim_log(struct sim *s, enum port_sim_log_level level, const char *fmt, ...);
/* The sim behind a port, or NULL when p is not a simulated host. */
struct sim *sim_of(struct port *p);

/* sim_toolstack.c: as libxl, from dom0.  create: PLM_ENOMEM when the
 * domain does not fit in free memory, PLM_EINVAL for a bad spec. */
int sim_ts_init(struct sim *s, uint64_t dom0_kib);
int sim_ts_create(struct sim *s, const struct port_sim_domspec *spec, uint32_t *domid_out);
int sim_ts_destroy(struct sim *s, uint32_t domid);
/* Release dying domains whose time has come; the earliest still to come. */
uint64_t sim_ts_reap(struct sim *s);
int sim_ts_set_target(struct sim *s, uint32_t domid, uint64_t target_kib);
int sim_ts_set_vcpus(struct sim *s, uint32_t domid, unsigned online);

/* sim_play.c: the guests' side, and the scenario's events. */
int sim_guest_write(struct sim *s, uint32_t domid, const char *path, const char *val, size_t len);
int sim_guest_rm(struct sim *s, uint32_t domid, const char *path);
int sim_guest_request(struct sim *s, uint32_t domid, const struct proto_request *r);
/* Play every event due at or before now. */
void sim_play_due(struct sim *s);
/* When the next event is due; UINT64_MAX when none is left. */
uint64_t sim_next_event_ms(const struct sim *s);

/* sim_clock.c */
/* speed > 0: bring the virtual clock and the physics up to real time. */
void sim_sync(struct sim *s);
/* Run the clock to target_ms.  With stop, return early once a watch is
 * pending, the scenario ended or xenstore disconnected. */
void sim_run(struct sim *s, uint64_t target_ms, bool stop);
int sim_wait(struct sim *s, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms);
uint64_t sim_real_ns(void);

#endif
