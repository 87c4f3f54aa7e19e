/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the simulated host.  Its parts are layers, and each calls only
 * the layers below it, never one above:
 *
 *   5  port adapter     port_sim_inspect.c -> port_sim.c -> sim_wait.c:
 *                       port_sim.h's window for tests, struct sim (below)
 *                       and the port's three tables, and wait()
 *   4  scenario player  sim_play.c (sim_play.h): runs time forward and
 *                       plays the scripted guests and operator; with the
 *                       scenario language's parser (scenario.h), itself
 *                       layered: scenario.c -> scenario_event.c ->
 *                       scenario_spec.c -> scenario_lex.c; and the
 *                       fabric (sim_fabric.c): live migration to and
 *                       from other simulated hosts through a directory
 *   3  host model       sim_host.c (the hypervisor: domains, memory, CPU)
 *                       and sim_toolstack.c (what libxl does on top, in
 *                       xenstore): struct sim_machine, sim_host.h
 *   2  xenstore         sim_xs.c -> sim_xs_watch.c (sim_xs.h): the tree,
 *                       permissions, quota, watches and their queue
 *   1  clock            sim_clock.c (sim_clock.h): virtual time and the
 *                       log that stamps it
 *
 * Each layer owns one struct and embeds what it stands on: struct sim holds
 * a struct sim_player, which holds a struct sim_machine (the clock, the
 * xenstore, the hypervisor).  What a lower layer needs from a higher one
 * it is given as data (a time, a spec), never as a call: the clock does
 * not play the scenario, the toolstack does not know the port, the
 * player does not wait.  port_sim.h, the public header, is plain types
 * and constants every layer may use.  tests/layout/sim-layers.sh checks the
 * includes; xenplmd never links any of it (libplmsim.a).
 */
#ifndef XENPLM_SIM_SIM_H
#define XENPLM_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "sim/port_sim.h"
#include "sim/sim_play.h"

/* A watch event held back by a watch delay line, and when it is handed
 * over. */
struct sim_late {
    struct port_event ev;
    uint64_t due_ms;
};

struct sim {
    struct port port; /* port.priv points back here */
    struct sim_player pl;
    uint64_t wake_ms;      /* port_sim_wake_at: wait() returns there (0 = none) */
    struct port_event dup; /* a watch event to deliver again (watch dup) */
    bool have_dup;
    /* Events taken from xenstore but held back (watch delay), in the
     * order they fired, their due times never decreasing: a ring. */
    struct sim_late late[PORT_SIM_EVQ_MAX];
    size_t late_head, nlate;
};

/* port_sim.c: when the first held watch event is due (UINT64_MAX: none). */
uint64_t sim_late_due(const struct sim *s);

/* port_sim.c: the sim behind a port, or NULL when p is not a simulated host. */
struct sim *sim_of(struct port *p);

/* sim_wait.c: the port's wait(). */
int sim_wait(struct sim *s, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms);

#endif
