/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario player (see sim.h for the layers): a machine, the parsed
 * scenario it plays, and the guests' side of the machine.  It runs time
 * forward (the physics in steps, dying domains reaped, scripted events
 * played as the clock reaches them) and knows when the scenario has ended
 * or broke the xenstore connection.  It calls the machine, the xenstore
 * and the clock, never the port adapter above it.
 */
#ifndef XENPLM_SIM_SIM_PLAY_H
#define XENPLM_SIM_SIM_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/request.h"
#include "sim/port_sim.h"
#include "port/port.h"
#include "sim/scenario.h"
#include "sim/sim_fabric.h"
#include "sim/sim_host.h"

struct sim_player {
    struct sim_machine m;
    struct sim_scenario scn;
    size_t next_ev;    /* first scenario event not yet played */
    bool finished;     /* the scenario's end was played */
    bool disconnected; /* the xenstore connection is broken until reconnect */
    /* xs-fail lines: faults of dom0's xenstore connection. */
    struct port_sim_fault xs_fault[PORT_SIM_NXSFAULTS];
    uint64_t xs_slow_ms;     /* xs-slow: what each of dom0's xenstore calls takes */
    uint64_t watch_delay_ms; /* watch delay: how late a held event is handed over */
    int64_t wall_offset_ms;  /* clock jump: the wall clock's lead on virtual time */
    /* Set by the port adapter: the events xenstore has for dom0 cannot be
     * taken yet (those held back by watch delay fill its ring), so they
     * do not stop sim_run. */
    bool events_blocked;
    struct port_sim_stats st; /* counters kept outside the xenstore and the host */
    struct sim_fabric fab;    /* live migration (scenario's fabric line) */
};

/* Build the scenario's host (scn is taken over, even on failure): 0, or
 * PLM_ENOMEM (the parser checked that everything else fits). */
int sim_player_init(struct sim_player *pl, struct sim_scenario *scn, double speed);
void sim_player_dispose(struct sim_player *pl);

/* The guests' side: a running guest's own xenstore accesses, counted,
 * with its refusals logged.  request encodes r with the guest's next seq
 * at data/xenplm/request, as the agent would. */
int sim_guest_write(struct sim_player *pl, uint32_t domid, const char *path, const char *val,
                    size_t len);
int sim_guest_rm(struct sim_player *pl, uint32_t domid, const char *path);
int sim_guest_request(struct sim_player *pl, uint32_t domid, const struct proto_request *r);

/* sim_fabric.c: live migration between simulated hosts (port.h's
 * migration calls; xenplm-sim(5), "fabric").  init makes this host's
 * directory on the fabric (0 when there is none); step (each step of
 * sim_run) takes in the domains that arrived and ends the transfer out
 * whose time has come. */
int sim_fabric_init(struct sim_player *pl, char *err, size_t errlen);
void sim_fabric_step(struct sim_player *pl);
int sim_fabric_start(struct sim_player *pl, uint32_t domid, const char *dest, uint32_t *handle_out);
int sim_fabric_poll(struct sim_player *pl, uint32_t handle, struct port_mig_status *out);
int sim_fabric_abort(struct sim_player *pl, uint32_t handle, const char *why);
int sim_fabric_leave(struct sim_player *pl, uint32_t handle);
int sim_fabric_resume(struct sim_player *pl, uint32_t domid);
/* A migration left to go on (sim_fabric_leave) that has not ended: true, what in why. */
bool sim_fabric_busy(struct sim_player *pl, char *why, size_t whylen);

/* When the next scripted event is due; UINT64_MAX when none is left. */
uint64_t sim_next_event_ms(const struct sim_player *pl);
/* Run the clock to target_ms.  With stop, return early once a watch is
 * pending (and not blocked), the scenario ended or xenstore disconnected. */
void sim_run(struct sim_player *pl, uint64_t target_ms, bool stop);
/* Whether sim_run with stop would stop now. */
bool sim_must_stop(const struct sim_player *pl);
/* speed > 0: bring the virtual clock and the physics up to real time. */
void sim_sync(struct sim_player *pl);

#endif
