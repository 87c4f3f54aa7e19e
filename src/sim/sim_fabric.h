/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fabric between simulated hosts (the player's layer, sim.h): each
 * xenplmd-sim whose scenario has `fabric "DIR" NAME` owns DIR/NAME/, and
 * a migration to host B goes through xl's phases.  Live: the domain runs
 * here while its memory crosses, at the scenario's rate of virtual time.
 * Suspended: it is paused here for PORT_SIM_MIG_SUSPEND_MS (its last pages).
 * Handed over: its description is renamed into DIR/B/ (atomic: B sees all
 * of it or nothing; this is xl's "go") and the copy here, still paused,
 * renamed NAME--migratedaway; B's next step creates it
 * (@introduceDomain) and removes the file, and once the file is gone the
 * copy here is destroyed (@releaseDomain) and the migration is done.
 * Before the rename the domain runs here only, so a source killed then
 * leaves it here (suspended, if it was); after it, only B runs it.
 *
 * An abort is xl killed: the domain stays as the phase left it (running,
 * suspended under its name, or renamed away), as a killed xl leaves it;
 * a migration left (the daemon stops) goes on unwatched.  migrate-fault
 * lines fail the next ones (at the end of the live phase: the domain runs
 * on here, as xl resumes it) or stall them in a phase.
 */
#ifndef XENPLM_SIM_SIM_FABRIC_H
#define XENPLM_SIM_SIM_FABRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "port/port.h"
#include "sim/port_sim.h"

/* The description file's name in the destination's directory, and its
 * size limit. */
#define SIM_FABRIC_SUFFIX ".dom"
#define SIM_FABRIC_FILE_MAX 16384

struct sim_fabric {
    bool on; /* the scenario has a fabric line */
    char mydir[512];
    /* The migration out, one at a time. */
    bool running, stall;
    int fault; /* enum sim_mig_fault */
    uint32_t handle, next_handle, domid;
    char dest[PORT_NAME_MAX];
    uint64_t start_ms, end_ms, resume_by_ms; /* live until end_ms, suspended until resume_by_ms */
    enum port_mig_stage stage;               /* live, suspended or handed over */
    bool left;                               /* unwatched: its end is told to nobody */
    char handed[600];                        /* handed over: the file the destination takes */
    size_t faults_used;                      /* migrate-fault entries taken */
    /* Its outcome, kept for one poll. */
    bool ended;
    struct port_mig_status outcome;
    /* An arrival that did not fit, said once. */
    char refused[128];
    uint64_t arrived, departed;
};

#endif
